// `keystone-manage bootstrap`: the default domain, the admin project and user, the roles
// admin ⇒ member ⇒ reader (plus service), the region and a catalog entry per running service.
// Idempotent: a later start only refreshes the catalog URLs.
import type { Kysely } from 'kysely';
import { randomSecret, hexId } from '../../lib/ids.ts';
import type { BootstrapOptions, BootstrapResult } from '../../lib/service.ts';
import type { Config } from '../../lib/config.ts';
import { ROOT_DOMAIN } from './db/migrations.ts';
import { DEFAULT_DOMAIN } from './service/projects.ts';
import { hashPassword } from './service/passwords.ts';
import { ensureCatalogEntry } from './service/catalog.ts';

async function ensureRole(db: Kysely<any>, name: string): Promise<string> {
  const row = await db.selectFrom('role').select('id').where('name', '=', name).where('domain_id', '=', '').executeTakeFirst();
  if (row) return row.id;
  const id = hexId();
  await db.insertInto('role').values({ id, name, domain_id: '', description: null, options: '{}', extra: '{}' }).execute();
  return id;
}

async function grant(db: Kysely<any>, type: string, actor: string, target: string, role: string): Promise<void> {
  const exists = await db.selectFrom('assignment').select('role_id').where('type', '=', type).where('actor_id', '=', actor).where('target_id', '=', target).where('role_id', '=', role).executeTakeFirst();
  if (!exists) await db.insertInto('assignment').values({ type, actor_id: actor, target_id: target, role_id: role, inherited: false }).execute();
}

export async function bootstrap(db: Kysely<any>, config: Config, opts: BootstrapOptions): Promise<BootstrapResult> {
  const result: BootstrapResult = { created: false };
  if (!(await db.selectFrom('project').select('id').where('id', '=', DEFAULT_DOMAIN).executeTakeFirst())) {
    await db.insertInto('project').values({ id: DEFAULT_DOMAIN, name: 'Default', domain_id: ROOT_DOMAIN, parent_id: null, description: 'The default domain', enabled: true, is_domain: true, extra: '{}', options: '{}' }).execute();
  }
  const admin = await ensureRole(db, 'admin');
  const member = await ensureRole(db, 'member');
  const reader = await ensureRole(db, 'reader');
  await ensureRole(db, 'service');
  for (const [prior, implied] of [[admin, member], [member, reader]]) {
    const has = await db.selectFrom('implied_role').select('prior_role_id').where('prior_role_id', '=', prior!).where('implied_role_id', '=', implied!).executeTakeFirst();
    if (!has) await db.insertInto('implied_role').values({ prior_role_id: prior, implied_role_id: implied }).execute();
  }
  let project = await db.selectFrom('project').select('id').where('name', '=', 'admin').where('domain_id', '=', DEFAULT_DOMAIN).executeTakeFirst();
  if (!project) {
    project = { id: hexId() };
    await db.insertInto('project').values({ id: project.id, name: 'admin', domain_id: DEFAULT_DOMAIN, parent_id: DEFAULT_DOMAIN, description: 'Bootstrap project for initializing the cloud.', enabled: true, is_domain: false, extra: '{}', options: '{}' }).execute();
  }
  let user = await db.selectFrom('user').select('id').where('name', '=', 'admin').where('domain_id', '=', DEFAULT_DOMAIN).executeTakeFirst();
  if (!user) {
    const password = opts.adminPassword ?? randomSecret(12);
    user = { id: hexId() };
    await db.insertInto('user').values({
      id: user.id, domain_id: DEFAULT_DOMAIN, name: 'admin', enabled: true, default_project_id: project.id, extra: '{}', options: '{}',
      password_hash: await hashPassword(password, config), password_created_at: new Date().toISOString(), created_at: new Date().toISOString(),
    }).execute();
    result.created = true;
    if (!opts.adminPassword) result.adminPassword = password;
  }
  await grant(db, 'UserProject', user.id, project.id, admin);
  await grant(db, 'UserSystem', user.id, 'system', admin);
  if (!(await db.selectFrom('region').select('id').where('id', '=', opts.region).executeTakeFirst())) {
    await db.insertInto('region').values({ id: opts.region, description: '', parent_region_id: null, extra: '{}' }).execute();
  }
  for (const e of opts.endpoints) await ensureCatalogEntry(db, { type: e.type, name: e.name, region: opts.region, url: e.url, interfaces: ['public', 'internal', 'admin'] });
  return result;
}
