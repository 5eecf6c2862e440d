// Identity's schema. Conventions (src/lib/db): ids and names are text, booleans integer 0/1,
// timestamps ISO-8601 text, JSON as text. As in Keystone, a domain is a project row with
// is_domain = 1 whose domain_id is the root marker, so "a project acting as a domain" works.
import type { Kysely } from 'kysely';
import type { Migration } from '../../../lib/db/index.ts';

export const ROOT_DOMAIN = '<<keystone.domain.root>>';

async function initial(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('project')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('parent_id', 'varchar(64)')
    .addColumn('description', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_domain', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('extra', 'text')
    .addColumn('options', 'text')
    .addUniqueConstraint('project_domain_name', ['domain_id', 'name'])
    .execute();
  await db.schema.createTable('project_tag')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('project.id').onDelete('cascade'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_tag_pk', ['project_id', 'name'])
    .execute();

  await db.schema.createTable('user')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('default_project_id', 'varchar(64)')
    .addColumn('extra', 'text')
    .addColumn('options', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('password_created_at', 'text')
    .addColumn('password_expires_at', 'text')
    .addColumn('failed_auth_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_auth_at', 'text')
    .addColumn('last_active_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('user_domain_name', ['domain_id', 'name'])
    .execute();
  await db.schema.createTable('password_history')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('group')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('extra', 'text')
    .addUniqueConstraint('group_domain_name', ['domain_id', 'name'])
    .execute();
  await db.schema.createTable('user_group')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('user.id').onDelete('cascade'))
    .addColumn('group_id', 'varchar(64)', (c) => c.notNull().references('group.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_group_pk', ['user_id', 'group_id'])
    .execute();

  // domain_id is '' for global roles so (name, domain_id) can be unique on every engine.
  await db.schema.createTable('role')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text')
    .addColumn('options', 'text')
    .addColumn('extra', 'text')
    .addUniqueConstraint('role_name_domain', ['name', 'domain_id'])
    .execute();
  await db.schema.createTable('implied_role')
    .addColumn('prior_role_id', 'varchar(64)', (c) => c.notNull().references('role.id').onDelete('cascade'))
    .addColumn('implied_role_id', 'varchar(64)', (c) => c.notNull().references('role.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('implied_role_pk', ['prior_role_id', 'implied_role_id'])
    .execute();
  // type: UserProject | GroupProject | UserDomain | GroupDomain | UserSystem | GroupSystem;
  // target_id is the project/domain id, or 'system' for system assignments.
  await db.schema.createTable('assignment')
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('role_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('inherited', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('assignment_pk', ['type', 'actor_id', 'target_id', 'role_id', 'inherited'])
    .execute();
  await db.schema.createIndex('assignment_actor').on('assignment').columns(['actor_id']).execute();
  await db.schema.createIndex('assignment_target').on('assignment').columns(['target_id']).execute();

  await db.schema.createTable('region')
    .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('parent_region_id', 'varchar(255)')
    .addColumn('extra', 'text')
    .execute();
  await db.schema.createTable('service')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text')
    .execute();
  await db.schema.createTable('endpoint')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('service_id', 'varchar(64)', (c) => c.notNull().references('service.id'))
    .addColumn('interface', 'varchar(8)', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('region_id', 'varchar(255)')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('extra', 'text')
    .execute();
  await db.schema.createTable('endpoint_group')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('filters', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('project_endpoint_group')
    .addColumn('endpoint_group_id', 'varchar(64)', (c) => c.notNull().references('endpoint_group.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_endpoint_group_pk', ['endpoint_group_id', 'project_id'])
    .execute();
  await db.schema.createTable('project_endpoint')
    .addColumn('endpoint_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_endpoint_pk', ['endpoint_id', 'project_id'])
    .execute();
  await db.schema.createTable('policy')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('blob', 'text', (c) => c.notNull())
    .addColumn('extra', 'text')
    .execute();
  await db.schema.createTable('consumer')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('extra', 'text')
    .execute();
  await db.schema.createTable('domain_config')
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('group', 'varchar(255)', (c) => c.notNull())
    .addColumn('option', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('sensitive', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('domain_config_pk', ['domain_id', 'group', 'option'])
    .execute();

  await db.schema.createTable('credential')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)')
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('blob', 'text', (c) => c.notNull())
    .addColumn('extra', 'text')
    .execute();
  await db.schema.createTable('application_credential')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)')
    .addColumn('system', 'varchar(64)')
    .addColumn('expires_at', 'text')
    .addColumn('unrestricted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('access_rules', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('app_cred_user_name', ['user_id', 'name'])
    .execute();
  await db.schema.createTable('access_rule')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('service', 'varchar(64)', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('method', 'varchar(16)', (c) => c.notNull())
    .execute();
  await db.schema.createTable('trust')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('trustor_user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('trustee_user_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)')
    .addColumn('impersonation', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('remaining_uses', 'integer')
    .addColumn('redelegated_trust_id', 'varchar(64)')
    .addColumn('redelegation_count', 'integer')
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('extra', 'text')
    .addColumn('deleted_at', 'text')
    .execute();
  // Revocation events as Keystone keeps them; a token matching any live event is revoked.
  await db.schema.createTable('revocation_event')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('domain_id', 'varchar(64)')
    .addColumn('project_id', 'varchar(64)')
    .addColumn('user_id', 'varchar(64)')
    .addColumn('role_id', 'varchar(64)')
    .addColumn('trust_id', 'varchar(64)')
    .addColumn('consumer_id', 'varchar(64)')
    .addColumn('audit_id', 'varchar(32)')
    .addColumn('audit_chain_id', 'varchar(32)')
    .addColumn('issued_before', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text', (c) => c.notNull())
    .execute();
}

// Keystone's password.self_service: the minimum password age applies only to a password the
// user chose themselves, not to one an administrator set.
async function passwordSelfService(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('user').addColumn('password_self_service', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export const migrations: Migration[] = [
  { id: 'identity-001-initial', up: initial },
  { id: 'identity-002-password-self-service', up: passwordSelfService },
];
