// The network service's schema (src/lib/db conventions: text ids, integer booleans, ISO text
// timestamps, JSON as text). Uniqueness that Neutron relies on under concurrency is in the
// schema, not in code: one row per (subnet, address), one MAC per network, one segmentation id
// per physical network, one copy of a security group rule, one default group per project.
import type { Kysely } from 'kysely';
import type { Migration } from '../../../lib/db/index.ts';

const std = (t: any) => t
  .addColumn('description', 'text', (c: any) => c.notNull().defaultTo(''))
  .addColumn('created_at', 'text', (c: any) => c.notNull())
  .addColumn('updated_at', 'text', (c: any) => c.notNull())
  .addColumn('revision_number', 'integer', (c: any) => c.notNull().defaultTo(0));

async function initial(db: Kysely<any>): Promise<void> {
  await std(db.schema.createTable('networks')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('router_external', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('port_security_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('availability_zone_hints', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('physical_network', 'varchar(64)')
    .addColumn('segmentation_id', 'integer')
    .addColumn('dhcp_host', 'varchar(255)'))
    .execute();
  await db.schema.createIndex('networks_project').on('networks').column('project_id').execute();

  await db.schema.createTable('segment_allocations')
    .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('physical_network', 'varchar(64)', (c) => c.notNull())
    .addColumn('segmentation_id', 'integer', (c) => c.notNull())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('segment_allocations_pk', ['network_type', 'physical_network', 'segmentation_id'])
    .execute();

  await db.schema.createTable('subnetpools')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('default_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('min_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('max_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('default_quota', 'integer')
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('prefixes', 'text', (c) => c.notNull())
    .$call(std)
    .execute();

  await std(db.schema.createTable('subnets')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
    .addColumn('gateway_ip', 'varchar(64)')
    .addColumn('enable_dhcp', 'integer', (c) => c.notNull())
    .addColumn('ipv6_ra_mode', 'varchar(32)')
    .addColumn('ipv6_address_mode', 'varchar(32)')
    .addColumn('subnetpool_id', 'varchar(36)', (c) => c.references('subnetpools.id'))
    .addColumn('dns_nameservers', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('host_routes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('allocation_pools', 'text', (c) => c.notNull().defaultTo('[]')))
    .execute();
  await db.schema.createIndex('subnets_network').on('subnets').column('network_id').execute();
  await db.schema.createIndex('subnets_pool').on('subnets').column('subnetpool_id').execute();

  await std(db.schema.createTable('ports')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('mac_address', 'varchar(32)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('device_id', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('device_owner', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('host', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('vnic_type', 'varchar(64)', (c) => c.notNull().defaultTo('normal'))
    .addColumn('vif_type', 'varchar(64)', (c) => c.notNull().defaultTo('unbound'))
    .addColumn('vif_details', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('port_security_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('allowed_address_pairs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('extra_dhcp_opts', 'text', (c) => c.notNull().defaultTo('[]'))
    .addUniqueConstraint('ports_network_mac', ['network_id', 'mac_address']))
    .execute();
  await db.schema.createIndex('ports_project').on('ports').column('project_id').execute();
  await db.schema.createIndex('ports_device').on('ports').column('device_id').execute();
  await db.schema.createIndex('ports_host').on('ports').column('host').execute();

  await db.schema.createTable('ip_allocations')
    .addColumn('subnet_id', 'varchar(36)', (c) => c.notNull().references('subnets.id').onDelete('cascade'))
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('ip_allocations_pk', ['subnet_id', 'ip_address'])
    .execute();
  await db.schema.createIndex('ip_allocations_port').on('ip_allocations').column('port_id').execute();
  await db.schema.createIndex('ip_allocations_network').on('ip_allocations').column('network_id').execute();

  await std(db.schema.createTable('security_groups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('stateful', 'integer', (c) => c.notNull().defaultTo(1)))
    .execute();
  await db.schema.createIndex('security_groups_project').on('security_groups').column('project_id').execute();
  await db.schema.createTable('default_security_groups')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('security_groups.id').onDelete('cascade'))
    .execute();
  await std(db.schema.createTable('security_group_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('security_groups.id').onDelete('cascade'))
    .addColumn('direction', 'varchar(16)', (c) => c.notNull())
    .addColumn('ethertype', 'varchar(8)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(40)')
    .addColumn('port_range_min', 'integer')
    .addColumn('port_range_max', 'integer')
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('remote_group_id', 'varchar(36)', (c) => c.references('security_groups.id').onDelete('cascade'))
    .addColumn('rule_key', 'varchar(255)', (c) => c.notNull())
    .addUniqueConstraint('security_group_rules_key', ['security_group_id', 'rule_key']))
    .execute();
  await db.schema.createTable('port_security_groups')
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('security_groups.id'))
    .addPrimaryKeyConstraint('port_security_groups_pk', ['port_id', 'security_group_id'])
    .execute();
  await db.schema.createIndex('port_security_groups_sg').on('port_security_groups').column('security_group_id').execute();

  await std(db.schema.createTable('routers')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('gw_port_id', 'varchar(36)')
    .addColumn('enable_snat', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('routes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('availability_zone_hints', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('host', 'varchar(255)'))
    .execute();
  await db.schema.createIndex('routers_project').on('routers').column('project_id').execute();

  await std(db.schema.createTable('floatingips')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('floating_network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('floating_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('floating_port_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('fixed_port_id', 'varchar(36)')
    .addColumn('fixed_ip_address', 'varchar(64)')
    .addColumn('router_id', 'varchar(36)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addUniqueConstraint('floatingips_fixed', ['fixed_port_id', 'fixed_ip_address']))
    .execute();
  await db.schema.createIndex('floatingips_project').on('floatingips').column('project_id').execute();

  await db.schema.createTable('rbac_policies')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('object_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('object_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_project', 'varchar(255)', (c) => c.notNull())
    .addUniqueConstraint('rbac_policies_unique', ['object_type', 'object_id', 'action', 'target_project'])
    .execute();
  await db.schema.createIndex('rbac_policies_object').on('rbac_policies').column('object_id').execute();

  await db.schema.createTable('tags')
    .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('tag', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['resource_id', 'tag'])
    .execute();

  await db.schema.createTable('quotas')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quotas_pk', ['project_id', 'resource'])
    .execute();

  await db.schema.createTable('agents')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('agent_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('binary', 'varchar(255)', (c) => c.notNull())
    .addColumn('topic', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('availability_zone', 'varchar(255)')
    .addColumn('description', 'text')
    .addColumn('configurations', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('agents_type_host', ['agent_type', 'host'])
    .execute();
}

export const migrations: Migration[] = [{ id: '0001_network_initial', up: initial }];
