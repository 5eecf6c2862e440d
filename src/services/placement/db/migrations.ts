// Placement's schema. Resource classes and traits are referred to by name (standard ones live in
// code, custom ones in custom_* tables), providers by uuid. Two additions over upstream:
// - inventories.used: the sum of the allocations against the inventory, kept in the same
//   transaction as every allocation write, so capacity checks and candidate searches read one
//   row instead of summing allocations;
// - resource_providers.change_seq + placement_seq + provider_tombstones: a commit-ordered change
//   log that lets each API process refresh its in-memory provider model incrementally
//   (service/model.ts), also when several processes share the database.
import type { Kysely } from 'kysely';
import type { Migration } from '../../../lib/db/index.ts';

async function initial(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('resource_providers')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('parent_uuid', 'varchar(36)', (c) => c.references('resource_providers.uuid'))
    .addColumn('root_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('change_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rp_change_seq').on('resource_providers').column('change_seq').execute();
  await db.schema.createIndex('rp_root').on('resource_providers').column('root_uuid').execute();
  await db.schema.createIndex('rp_parent').on('resource_providers').column('parent_uuid').execute();

  await db.schema.createTable('inventories')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('resource_providers.uuid').onDelete('cascade'))
    .addColumn('resource_class', 'varchar(255)', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('reserved', 'integer', (c) => c.notNull())
    .addColumn('min_unit', 'integer', (c) => c.notNull())
    .addColumn('max_unit', 'integer', (c) => c.notNull())
    .addColumn('step_size', 'integer', (c) => c.notNull())
    .addColumn('allocation_ratio', 'double precision', (c) => c.notNull())
    .addColumn('used', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('inventories_pk', ['provider_uuid', 'resource_class'])
    .execute();
  await db.schema.createIndex('inv_rc').on('inventories').column('resource_class').execute();

  await db.schema.createTable('consumers')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('consumer_type', 'varchar(255)')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consumer_project_user').on('consumers').columns(['project_id', 'user_id']).execute();

  await db.schema.createTable('allocations')
    .addColumn('consumer_uuid', 'varchar(36)', (c) => c.notNull().references('consumers.uuid').onDelete('cascade'))
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('resource_providers.uuid'))
    .addColumn('resource_class', 'varchar(255)', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('allocations_pk', ['consumer_uuid', 'provider_uuid', 'resource_class'])
    .execute();
  await db.schema.createIndex('alloc_provider').on('allocations').column('provider_uuid').execute();
  await db.schema.createIndex('alloc_rc').on('allocations').column('resource_class').execute();

  await db.schema.createTable('provider_traits')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('resource_providers.uuid').onDelete('cascade'))
    .addColumn('trait', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_traits_pk', ['provider_uuid', 'trait'])
    .execute();
  await db.schema.createIndex('rpt_trait').on('provider_traits').column('trait').execute();

  await db.schema.createTable('provider_aggregates')
    .addColumn('provider_uuid', 'varchar(36)', (c) => c.notNull().references('resource_providers.uuid').onDelete('cascade'))
    .addColumn('aggregate_uuid', 'varchar(36)', (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_aggregates_pk', ['provider_uuid', 'aggregate_uuid'])
    .execute();
  await db.schema.createIndex('rpa_aggregate').on('provider_aggregates').column('aggregate_uuid').execute();

  await db.schema.createTable('custom_resource_classes')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('custom_traits')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('placement_seq')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('placement_seq').values({ id: 1, value: 0 }).execute();
  await db.schema.createTable('provider_tombstones')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tombstone_seq').on('provider_tombstones').column('seq').execute();
}

export const migrations: Migration[] = [{ id: '0001_initial', up: initial }];
