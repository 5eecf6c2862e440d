// The image service's schema (Glance's tables, with the portable column conventions of
// src/lib/db: ids text, booleans 0/1, timestamps ISO text, JSON text). Images are soft-deleted
// as in Glance, so a deleted image's id can never be reused.
import type { Kysely } from 'kysely';
import type { Migration } from '../../../lib/db/index.ts';

async function images(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('images')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)')
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('visibility', 'varchar(20)', (c) => c.notNull())
    .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('os_hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('owner', 'varchar(255)')
    .addColumn('size', 'bigint')
    .addColumn('virtual_size', 'bigint')
    .addColumn('checksum', 'varchar(32)')
    .addColumn('os_hash_algo', 'varchar(64)')
    .addColumn('os_hash_value', 'varchar(128)')
    .addColumn('disk_format', 'varchar(20)')
    .addColumn('container_format', 'varchar(20)')
    .addColumn('min_disk', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('min_ram', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted_at', 'text')
    // Who holds the data lock while an upload, stage or import runs, and when it last said so:
    // a dead holder (crash, killed process) is recognised by its stale heartbeat.
    .addColumn('lock_token', 'varchar(64)')
    .addColumn('lock_heartbeat', 'text')
    .execute();
  await db.schema.createIndex('images_owner').on('images').columns(['owner', 'deleted']).execute();
  await db.schema.createIndex('images_created').on('images').columns(['deleted', 'created_at', 'id']).execute();
  await db.schema.createIndex('images_visibility').on('images').columns(['visibility', 'deleted']).execute();
  await db.schema.createIndex('images_status').on('images').column('status').execute();

  await db.schema.createTable('image_properties')
    .addColumn('image_id', 'varchar(36)', (c) => c.notNull().references('images.id').onDelete('cascade'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text')
    .addPrimaryKeyConstraint('image_properties_pk', ['image_id', 'name'])
    .execute();
  await db.schema.createIndex('image_properties_name').on('image_properties').columns(['name', 'image_id']).execute();

  await db.schema.createTable('image_tags')
    .addColumn('image_id', 'varchar(36)', (c) => c.notNull().references('images.id').onDelete('cascade'))
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('image_tags_pk', ['image_id', 'value'])
    .execute();
  await db.schema.createIndex('image_tags_value').on('image_tags').columns(['value', 'image_id']).execute();

  await db.schema.createTable('image_members')
    .addColumn('image_id', 'varchar(36)', (c) => c.notNull().references('images.id').onDelete('cascade'))
    .addColumn('member', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_members_pk', ['image_id', 'member'])
    .execute();
  await db.schema.createIndex('image_members_member').on('image_members').columns(['member', 'status']).execute();

  await db.schema.createTable('image_locations')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('image_id', 'varchar(36)', (c) => c.notNull().references('images.id').onDelete('cascade'))
    .addColumn('store', 'varchar(255)', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('image_locations_image').on('image_locations').column('image_id').execute();

  await db.schema.createTable('tasks')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(30)', (c) => c.notNull())
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('owner', 'varchar(255)')
    .addColumn('image_id', 'varchar(36)')
    .addColumn('user_id', 'varchar(64)')
    .addColumn('request_id', 'varchar(64)')
    .addColumn('input', 'text')
    .addColumn('result', 'text')
    .addColumn('message', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tasks_image').on('tasks').column('image_id').execute();
}

async function metadefs(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('metadef_namespaces')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('namespace', 'varchar(80)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(80)')
    .addColumn('description', 'text')
    .addColumn('visibility', 'varchar(32)', (c) => c.notNull())
    .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('owner', 'varchar(255)')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Objects, properties and tags of a namespace: one table, told apart by kind; `body` is the
  // JSON Glance keeps in json_schema (objects: description/required/properties).
  await db.schema.createTable('metadef_items')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('namespace_id', 'varchar(36)', (c) => c.notNull().references('metadef_namespaces.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(10)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('metadef_items_name', ['namespace_id', 'kind', 'name'])
    .execute();
  await db.schema.createTable('metadef_resource_types')
    .addColumn('name', 'varchar(80)', (c) => c.primaryKey())
    .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('metadef_namespace_resource_types')
    .addColumn('namespace_id', 'varchar(36)', (c) => c.notNull().references('metadef_namespaces.id').onDelete('cascade'))
    .addColumn('resource_type', 'varchar(80)', (c) => c.notNull().references('metadef_resource_types.name'))
    .addColumn('prefix', 'varchar(80)')
    .addColumn('properties_target', 'varchar(80)')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('metadef_ns_rt_pk', ['namespace_id', 'resource_type'])
    .execute();
  // Glance's migrations seed these protected resource types.
  const now = new Date().toISOString();
  for (const name of ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Aggregate', 'OS::Nova::Server']) {
    await db.insertInto('metadef_resource_types').values({ name, protected: 1, created_at: now, updated_at: now }).execute();
  }
}

export const migrations: Migration[] = [
  { id: '0001_images', up: images },
  { id: '0002_metadefs', up: metadefs },
];
