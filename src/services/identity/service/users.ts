// Users: CRUD, the projects a user can reach, and deleting everything a user owns. Passwords
// (setting, changing, authenticating) live in user-passwords.ts; the security compliance rules
// they follow in password-policy.ts.
import type { Kysely } from 'kysely';
import type { Config } from '../../../lib/config.ts';
import { BadRequest, Conflict } from '../../../lib/errors.ts';
import { fromDbBool, toDbJson } from '../../../lib/db/values.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';
import { systemClock, type Clock } from '../../../lib/clock.ts';
import { getProject } from './projects.ts';
import { mergeOptions, securityCompliance, validatePassword } from './password-policy.ts';
import { newPasswordValues, rememberAndReplace } from './user-passwords.ts';
import { getUser, getUserRow, rowToUser, type Revoker, type User } from './user-rows.ts';

export { getUser, getUserByName, getUserRow, rowToUser, userNotFound, type Revoker, type User } from './user-rows.ts';
export { authenticatePassword, changePassword, type PasswordAuthSelector } from './user-passwords.ts';

export type TimeOperator = 'lt' | 'lte' | 'gt' | 'gte' | 'eq' | 'neq';
export interface TimeFilter { op: TimeOperator; at: string }

const SQL_OPS: Record<TimeOperator, '<' | '<=' | '>' | '>=' | '=' | '!='> = { lt: '<', lte: '<=', gt: '>', gte: '>=', eq: '=', neq: '!=' };

/** `password_expires_at=lt:2016-11-06T15:32:17Z` (operator optional, default eq), as Keystone reads it. */
export function parseTimeFilter(value: string): TimeFilter {
  let op = 'eq', stamp = value;
  const colon = value.indexOf(':');
  if (colon === 2 || colon === 3) { op = value.slice(0, colon); stamp = value.slice(colon + 1); }
  const at = parseIsoTime(stamp);
  if (!at) throw new BadRequest('Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  if (!(op in SQL_OPS)) throw new BadRequest(`The given operator ${op} is not valid. It must be one of the following: 'eq', 'neq', 'lt', 'lte', 'gt', or 'gte'.`);
  return { op: op as TimeOperator, at: at.toISOString() };
}

/** An ISO 8601 date or date-time; without a zone it is UTC (as Keystone stores times). */
export function parseIsoTime(text: string): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text.trim());
  if (!m) return undefined;
  const zone = m[3] ? (m[3].toUpperCase() === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
  const time = (m[2] ?? '00:00:00').replace(/(\.\d{3})\d+$/, '$1');
  const d = new Date(`${m[1]}T${time}${zone}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export interface UserFilter {
  name?: string; domainId?: string; enabled?: boolean; passwordExpiresAt?: TimeFilter; ids?: string[]; groupId?: string;
}

export async function listUsers(db: Kysely<any>, f: UserFilter = {}): Promise<User[]> {
  let q = db.selectFrom('user').selectAll('user');
  if (f.groupId !== undefined) q = q.innerJoin('user_group', 'user_group.user_id', 'user.id').where('user_group.group_id', '=', f.groupId);
  if (f.name !== undefined) q = q.where('user.name', '=', f.name);
  if (f.domainId !== undefined) q = q.where('user.domain_id', '=', f.domainId);
  if (f.enabled !== undefined) q = q.where('user.enabled', '=', f.enabled);
  if (f.passwordExpiresAt) q = q.where('user.password_expires_at', SQL_OPS[f.passwordExpiresAt.op], f.passwordExpiresAt.at);
  if (f.ids) { if (!f.ids.length) return []; q = q.where('user.id', 'in', f.ids); }
  return (await q.orderBy('user.name').execute()).map(rowToUser);
}

export interface UserInput {
  name: string; domainId: string; enabled?: boolean; defaultProjectId?: string | null; password?: string | null;
  options?: Record<string, unknown>; extra?: Record<string, unknown>;
}

/** Keystone refuses a domain as a default project, and ignores a project that does not exist. */
async function assertNotDomain(db: Kysely<any>, projectId: string | null | undefined): Promise<void> {
  if (!projectId) return;
  const row = await db.selectFrom('project').select('is_domain').where('id', '=', projectId).executeTakeFirst();
  if (row && fromDbBool(row.is_domain)) throw new BadRequest(`User's default project ID cannot be a domain ID: ${projectId}`);
}

const duplicate = (name: string, domainId: string) => new Conflict(`Conflict occurred attempting to store user - Duplicate entry found with name ${name} at domain ID ${domainId}.`);

export async function createUser(db: Kysely<any>, config: Config | undefined, input: UserInput, clock: Clock = systemClock): Promise<User> {
  const sc = securityCompliance(config);
  if (input.password != null) validatePassword(input.password, sc);
  await getProject(db, input.domainId, 'domain');
  await assertNotDomain(db, input.defaultProjectId);
  const now = clock.now();
  const id = hexId();
  const name = input.name.trim();
  const options = mergeOptions({}, input.options);
  const password = await newPasswordValues(input.password ?? null, options, config, now, 'admin');
  try {
    await db.insertInto('user').values({
      id, name, domain_id: input.domainId, enabled: input.enabled ?? true, default_project_id: input.defaultProjectId ?? null,
      extra: toDbJson(input.extra ?? {}), options: toDbJson(options), created_at: now.toISOString(), ...password,
    }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(name, input.domainId);
    throw err;
  }
  return getUser(db, id);
}

export interface UserPatch {
  id?: string; name?: string; domainId?: string; enabled?: boolean; defaultProjectId?: string | null; password?: string | null;
  options?: Record<string, unknown>; extra?: Record<string, unknown>;
}

/** Keystone's update_user; a password set here is an administrator's reset (no history check). */
export async function updateUser(db: Kysely<any>, config: Config | undefined, id: string, patch: UserPatch, revoker?: Revoker, clock: Clock = systemClock): Promise<User> {
  const sc = securityCompliance(config);
  const row = await getUserRow(db, id);
  const before = rowToUser(row);
  if (patch.domainId !== undefined && patch.domainId !== before.domainId) throw new BadRequest('Cannot change Domain ID');
  if (patch.id !== undefined && patch.id !== id) throw new BadRequest('Cannot change user ID');
  if (patch.password != null) validatePassword(patch.password, sc);
  await assertNotDomain(db, patch.defaultProjectId);
  const now = clock.now();
  const options = patch.options !== undefined ? mergeOptions(before.options, patch.options) : before.options;
  const values: Record<string, unknown> = {};
  if (patch.name !== undefined) values.name = patch.name.trim();
  if (patch.defaultProjectId !== undefined) values.default_project_id = patch.defaultProjectId;
  if (patch.options !== undefined) values.options = toDbJson(options);
  if (patch.extra !== undefined) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  if (patch.enabled !== undefined) {
    values.enabled = patch.enabled;
    // Re-enabling (even an enabled user) clears a lockout and restarts the inactivity clock, as in Keystone.
    if (patch.enabled) {
      Object.assign(values, { failed_auth_count: 0, failed_auth_at: null });
      if (sc.disableUserAccountDaysInactive) values.last_active_at = now.toISOString();
    }
  }
  const passwordChanged = patch.password !== undefined;
  try {
    await db.transaction().execute(async (tx) => {
      if (passwordChanged) Object.assign(values, await rememberAndReplace(tx, row, patch.password ?? null, options, config, now, 'admin'));
      if (Object.keys(values).length) await tx.updateTable('user').set(values).where('id', '=', id).execute();
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(values.name as string, before.domainId);
    throw err;
  }
  if ((patch.enabled === false && before.enabled) || patch.password != null) await revoker?.revoke({ userId: id });
  return getUser(db, id);
}

/** Deletes a user and everything that hangs off it; their tokens are revoked. */
export async function deleteUser(db: Kysely<any>, id: string, revoker?: Revoker, clock: Clock = systemClock): Promise<void> {
  await getUserRow(db, id);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('assignment').where('actor_id', '=', id).where('type', 'in', ['UserProject', 'UserDomain', 'UserSystem']).execute();
    await tx.deleteFrom('user_group').where('user_id', '=', id).execute();
    await tx.deleteFrom('credential').where('user_id', '=', id).execute();
    await tx.deleteFrom('application_credential').where('user_id', '=', id).execute();
    await tx.deleteFrom('access_rule').where('user_id', '=', id).execute();
    await tx.deleteFrom('password_history').where('user_id', '=', id).execute();
    // Keystone deletes the trusts a user gave or received when the user goes.
    await tx.updateTable('trust').set({ deleted_at: clock.now().toISOString() })
      .where((eb) => eb.or([eb('trustor_user_id', '=', id), eb('trustee_user_id', '=', id)])).where('deleted_at', 'is', null).execute();
    await tx.deleteFrom('user').where('id', '=', id).execute();
  });
  await revoker?.revoke({ userId: id });
}

/**
 * Ids of the projects a user has a role on: directly or through a group, on the project, or
 * inherited from a domain (every project in it) or from a parent project (its subtree).
 */
export async function listUserProjectIds(db: Kysely<any>, userId: string): Promise<string[]> {
  const groups = (await db.selectFrom('user_group').select('group_id').where('user_id', '=', userId).execute()).map((r) => r.group_id);
  const rows = await db.selectFrom('assignment').select(['type', 'target_id', 'inherited'])
    .where((eb) => eb.or([
      eb.and([eb('actor_id', '=', userId), eb('type', 'in', ['UserProject', 'UserDomain'])]),
      ...(groups.length ? [eb.and([eb('actor_id', 'in', groups), eb('type', 'in', ['GroupProject', 'GroupDomain'])])] : []),
    ])).execute();
  const ids = new Set<string>();
  let inheritedDomains: string[] = [];
  let inheritedParents: string[] = [];
  for (const r of rows) {
    const inherited = fromDbBool(r.inherited);
    const onProject = r.type.endsWith('Project');
    if (onProject && !inherited) ids.add(r.target_id);
    else if (onProject) inheritedParents.push(r.target_id);
    else if (inherited) inheritedDomains.push(r.target_id);
  }
  inheritedDomains = [...new Set(inheritedDomains)];
  if (inheritedDomains.length) {
    const inDomains = await db.selectFrom('project').select('id').where('domain_id', 'in', inheritedDomains).where('is_domain', '=', 0).execute();
    for (const p of inDomains) ids.add(p.id);
  }
  inheritedParents = [...new Set(inheritedParents)];
  while (inheritedParents.length) {
    const children = await db.selectFrom('project').select('id').where('parent_id', 'in', inheritedParents).where('is_domain', '=', 0).execute();
    inheritedParents = children.map((c) => c.id).filter((c) => !ids.has(c));
    for (const c of inheritedParents) ids.add(c);
  }
  return [...ids];
}
