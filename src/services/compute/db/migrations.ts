// The compute service's schema: Nova's API and cell tables folded into one database, with the
// portable conventions of src/lib/db (ids text, booleans 0/1, timestamps ISO text, JSON text).
// Instances are soft-deleted as in Nova (`deleted`, `deleted_at`) so `changes-since` lists them.
import type { Kysely } from 'kysely';
import type { Migration } from '../../../lib/db/index.ts';

type Db = Kysely<any>;

async function instances(db: Db): Promise<void> {
  await db.schema.createTable('instances')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('display_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('display_description', 'text')
    .addColumn('hostname', 'varchar(255)', (c) => c.notNull())
    .addColumn('image_ref', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('flavor', 'text', (c) => c.notNull())
    .addColumn('old_flavor', 'text')
    .addColumn('new_flavor', 'text')
    .addColumn('flavorid', 'varchar(255)', (c) => c.notNull())
    // Denormalised from the flavor so quota usage is one SUM, not a parse of every row.
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('vm_state', 'varchar(255)', (c) => c.notNull())
    .addColumn('task_state', 'varchar(255)')
    .addColumn('power_state', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('host', 'varchar(255)')
    .addColumn('node', 'varchar(255)')
    .addColumn('availability_zone', 'varchar(255)')
    .addColumn('key_name', 'varchar(255)')
    .addColumn('key_data', 'text')
    .addColumn('user_data', 'text')
    .addColumn('config_drive', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('system_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('access_ip_v4', 'varchar(64)')
    .addColumn('access_ip_v6', 'varchar(64)')
    .addColumn('locked_by', 'varchar(16)')
    .addColumn('locked_reason', 'text')
    .addColumn('launch_index', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reservation_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('launched_at', 'text')
    .addColumn('terminated_at', 'text')
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('auto_disk_config', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('root_device_name', 'varchar(255)')
    .addColumn('security_groups', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('request_spec', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('network_info', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('block_devices', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('trusted_certs', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('instances_project').on('instances').columns(['project_id', 'deleted', 'created_at']).execute();
  await db.schema.createIndex('instances_deleted_created').on('instances').columns(['deleted', 'created_at']).execute();
  await db.schema.createIndex('instances_host').on('instances').columns(['host', 'deleted']).execute();
  await db.schema.createIndex('instances_updated').on('instances').column('updated_at').execute();
  await db.schema.createIndex('instances_reservation').on('instances').column('reservation_id').execute();

  await db.schema.createTable('instance_tags')
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('tag', 'varchar(80)', (c) => c.notNull())
    .addPrimaryKeyConstraint('instance_tags_pk', ['instance_uuid', 'tag'])
    .execute();
  await db.schema.createIndex('instance_tags_tag').on('instance_tags').columns(['tag', 'instance_uuid']).execute();

  await db.schema.createTable('instance_faults')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('code', 'integer', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('host', 'varchar(255)')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('instance_faults_instance').on('instance_faults').columns(['instance_uuid', 'created_at']).execute();

  await db.schema.createTable('instance_actions')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('action', 'varchar(255)', (c) => c.notNull())
    .addColumn('request_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)')
    .addColumn('project_id', 'varchar(255)')
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('finish_time', 'text')
    .addColumn('message', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('instance_actions_instance').on('instance_actions').columns(['instance_uuid', 'start_time']).execute();
  await db.schema.createIndex('instance_actions_request').on('instance_actions').columns(['instance_uuid', 'request_id']).execute();

  await db.schema.createTable('instance_action_events')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('action_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('event', 'varchar(255)', (c) => c.notNull())
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('finish_time', 'text')
    .addColumn('result', 'varchar(255)')
    .addColumn('traceback', 'text')
    .addColumn('host', 'varchar(255)')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('instance_action_events_action').on('instance_action_events').columns(['action_id', 'start_time']).execute();
}

async function flavorsAndKeys(db: Db): Promise<void> {
  await db.schema.createTable('flavors')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    // Nova's integer flavor id (instance_type_id in migrations), beside the API's flavorid.
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('flavorid', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('root_gb', 'integer', (c) => c.notNull())
    .addColumn('ephemeral_gb', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('swap', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rxtx_factor', 'double precision', (c) => c.notNull().defaultTo(1))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('description', 'text')
    .addColumn('extra_specs', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text')
    .execute();
  await db.schema.createTable('flavor_projects')
    .addColumn('flavor_id', 'varchar(36)', (c) => c.notNull().references('flavors.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('flavor_projects_pk', ['flavor_id', 'project_id'])
    .execute();

  await db.schema.createTable('key_pairs')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(255)', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('key_pairs_user_name', ['user_id', 'name'])
    .execute();
}

async function quotasAndGroups(db: Db): Promise<void> {
  await db.schema.createTable('quotas')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    // '' for the project's own limit; a user id for a per-user limit (os-quota-sets?user_id=).
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(255)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quotas_pk', ['project_id', 'user_id', 'resource'])
    .execute();
  await db.schema.createTable('quota_classes')
    .addColumn('class_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(255)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quota_classes_pk', ['class_name', 'resource'])
    .execute();

  await db.schema.createTable('server_groups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('policy', 'varchar(255)', (c) => c.notNull())
    .addColumn('rules', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('server_groups_project').on('server_groups').column('project_id').execute();
  await db.schema.createTable('server_group_members')
    .addColumn('group_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addPrimaryKeyConstraint('server_group_members_pk', ['group_id', 'instance_uuid'])
    .execute();
  await db.schema.createIndex('server_group_members_instance').on('server_group_members').column('instance_uuid').execute();
}

async function hostsAndAggregates(db: Db): Promise<void> {
  await db.schema.createTable('services')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    // The integer id Nova showed before 2.53 (the uuid after).
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('binary', 'varchar(255)', (c) => c.notNull())
    .addColumn('topic', 'varchar(255)')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_reason', 'varchar(255)')
    .addColumn('forced_down', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_seen_up', 'text')
    .addColumn('report_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text')
    .addUniqueConstraint('services_host_binary', ['host', 'binary'])
    .execute();

  await db.schema.createTable('compute_nodes')
    .addColumn('uuid', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('hypervisor_hostname', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('hypervisor_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('hypervisor_version', 'integer', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('local_gb', 'integer', (c) => c.notNull())
    .addColumn('host_ip', 'varchar(64)')
    .addColumn('cpu_info', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text')
    .execute();
  await db.schema.createIndex('compute_nodes_host').on('compute_nodes').column('host').execute();

  await db.schema.createTable('aggregates')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text')
    .execute();
  await db.schema.createTable('aggregate_hosts')
    .addColumn('aggregate_id', 'integer', (c) => c.notNull().references('aggregates.id').onDelete('cascade'))
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('aggregate_hosts_pk', ['aggregate_id', 'host'])
    .execute();

  await db.schema.createTable('migrations')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    .addColumn('migration_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(255)', (c) => c.notNull())
    .addColumn('source_compute', 'varchar(255)')
    .addColumn('source_node', 'varchar(255)')
    .addColumn('dest_compute', 'varchar(255)')
    .addColumn('dest_node', 'varchar(255)')
    .addColumn('dest_host', 'varchar(255)')
    .addColumn('old_flavorid', 'varchar(255)')
    .addColumn('new_flavorid', 'varchar(255)')
    .addColumn('old_type_id', 'integer')
    .addColumn('new_type_id', 'integer')
    .addColumn('project_id', 'varchar(255)')
    .addColumn('user_id', 'varchar(255)')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text')
    .execute();
  await db.schema.createIndex('migrations_instance').on('migrations').columns(['instance_uuid', 'created_at']).execute();

  // Integer ids Nova exposes (aggregates, migrations), without autoincrement (not portable).
  await db.schema.createTable('counters')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();
}

export const migrations: Migration[] = [
  { id: '0001_instances', up: instances },
  { id: '0002_flavors_keypairs', up: flavorsAndKeys },
  { id: '0003_quotas_server_groups', up: quotasAndGroups },
  { id: '0004_hosts_aggregates', up: hostsAndAggregates },
];
