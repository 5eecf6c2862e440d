// Application credentials: a secret (hashed like a password) that authenticates as its user
// on one project with a fixed subset of the user's roles, optionally limited to access rules.
// The records use Keystone's snake_case keys, as the token code consumes them.
import type { Kysely } from 'kysely';
import type { Config } from '../../../lib/config.ts';
import { BadRequest, Conflict, Forbidden, NotFound, Unauthorized } from '../../../lib/errors.ts';
import { fromDbBool, fromDbJson, toDbJson } from '../../../lib/db/values.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { hexId, randomSecret } from '../../../lib/ids.ts';
import { systemClock, type Clock } from '../../../lib/clock.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { userLimit } from './password-policy.ts';
import { parseIsoTime } from './users.ts';
import { AUTH_FAILED } from './user-passwords.ts';
import type { Revoker } from './user-rows.ts';
import { resolveAccessRules, accessRulesByIds, type AccessRule, type AccessRuleInput } from './access-rules.ts';

export interface RoleRef { id: string; name: string; domain_id: string | null }

export interface AppCredential {
  id: string;
  name: string;
  description: string | null;
  user_id: string;
  /** undefined for a credential made without a project-scoped token. */
  project_id: string | undefined;
  system: string | null;
  /** ISO 8601 UTC with microseconds (`2026-01-01T12:00:00.123456Z`), or null: never expires. */
  expires_at: string | null;
  unrestricted: boolean;
  roles: RoleRef[];
  access_rules: AccessRule[] | null;
}

export const appCredNotFound = (id: string) => new NotFound(`Could not find Application Credential: ${id}.`, { type: 'application_credential' });

async function rolesByIds(db: Kysely<any>, ids: string[]): Promise<RoleRef[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('role').select(['id', 'name', 'domain_id']).where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, domain_id: r.domain_id || null }]));
  // Keep the stored order; a role deleted since is simply gone.
  return ids.flatMap((id) => byId.get(id) ?? []);
}

async function toAppCred(db: Kysely<any>, row: any): Promise<AppCredential> {
  const ruleIds = fromDbJson<string[]>(row.access_rules);
  return {
    id: row.id, name: row.name, description: row.description ?? null, user_id: row.user_id, project_id: row.project_id ?? undefined,
    system: row.system ?? null, expires_at: row.expires_at ?? null, unrestricted: fromDbBool(row.unrestricted),
    roles: await rolesByIds(db, fromDbJson<string[]>(row.roles) ?? []),
    access_rules: ruleIds ? await accessRulesByIds(db, ruleIds) : null,
  };
}

export async function getAppCred(db: Kysely<any>, id: string): Promise<AppCredential> {
  const row = await db.selectFrom('application_credential').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw appCredNotFound(id);
  return toAppCred(db, row);
}

export async function listAppCreds(db: Kysely<any>, userId: string, f: { name?: string } = {}): Promise<AppCredential[]> {
  let q = db.selectFrom('application_credential').selectAll().where('user_id', '=', userId);
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  const rows = await q.orderBy('name').execute();
  return Promise.all(rows.map((r) => toAppCred(db, r)));
}

/** `expires_at` of a new credential, kept to the microsecond (clients compare it as sent). */
export function parseExpiresAt(value: string, now: Date): string {
  const stamp = value.trim();
  const at = parseIsoTime(stamp);
  if (!at) throw new BadRequest('Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.');
  if (at.getTime() <= now.getTime()) throw new BadRequest("The 'expires_at' must not be before now. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.");
  const micros = /\.(\d{4,6})/.exec(stamp)?.[1]?.padEnd(6, '0').slice(3) ?? '000';
  return at.toISOString().replace(/Z$/, `${micros}Z`);
}

export interface AppCredInput {
  userId: string;
  projectId: string | null;
  name: string;
  description?: string | null;
  secret?: string | null;
  expiresAt?: string | null;
  /** By id or by name; default: every role of the caller's token. */
  roles?: Array<{ id?: string; name?: string }>;
  unrestricted?: boolean;
  accessRules?: AccessRuleInput[];
}

/** The roles the credential gets: each must be one of the token's roles; no duplicates. */
async function chooseRoles(db: Kysely<any>, wanted: AppCredInput['roles'], tokenRoleIds: string[]): Promise<string[]> {
  if (!wanted?.length) return [...new Set(tokenRoleIds)];
  const ids: string[] = [];
  for (const r of wanted) {
    let id = r.id;
    if (!id) {
      const row = await db.selectFrom('role').select('id').where('name', '=', r.name ?? '').where('domain_id', '=', '').executeTakeFirst();
      if (!row) throw new NotFound(`Could not find role: ${r.name}.`, { type: 'role' });
      id = row.id as string;
    }
    if (!tokenRoleIds.includes(id)) throw new BadRequest('Invalid application credential: Cannot create an application credential with unassigned role');
    ids.push(id);
  }
  // Keystone 22 stores a role twice when it is asked for twice (or implied twice) and fails.
  return [...new Set(ids)];
}

/** Creates an application credential; the result carries the secret, shown this once only. */
export async function createAppCred(
  db: Kysely<any>, config: Config | undefined, input: AppCredInput, tokenRoleIds: string[], clock: Clock = systemClock,
): Promise<AppCredential & { secret: string }> {
  const now = clock.now();
  const expiresAt = input.expiresAt ? parseExpiresAt(input.expiresAt, now) : null;
  const roleIds = await chooseRoles(db, input.roles, tokenRoleIds);
  const limit = userLimit(config, 'application_credential');
  if (limit >= 0) {
    const row = await db.selectFrom('application_credential').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', input.userId).executeTakeFirst();
    if (Number(row?.n ?? 0) >= limit) throw new Forbidden(`Unable to create additional application credentials, maximum of ${limit} already exceeded for user.`);
  }
  // Keystone's generator: 64 random bytes, url-safe base64 without padding.
  const secret = input.secret || randomSecret(64);
  const secretHash = await hashPassword(secret, config);
  const id = hexId();
  try {
    await db.transaction().execute(async (tx) => {
      const rules = input.accessRules?.length ? await resolveAccessRules(tx, input.userId, input.accessRules) : null;
      await tx.insertInto('application_credential').values({
        id, name: input.name, secret_hash: secretHash, description: input.description ?? null, user_id: input.userId,
        project_id: input.projectId, system: null, expires_at: expiresAt, unrestricted: !!input.unrestricted,
        roles: toDbJson(roleIds), access_rules: rules ? toDbJson(rules.map((r) => r.id)) : null, created_at: now.toISOString(),
      }).execute();
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store application_credential - Duplicate entry found with name ${input.name}.`);
    throw err;
  }
  return { ...(await getAppCred(db, id)), secret };
}

/** Deletes an application credential; tokens issued with it stop working. */
export async function deleteAppCred(db: Kysely<any>, id: string, revoker?: Revoker): Promise<void> {
  const result = await db.deleteFrom('application_credential').where('id', '=', id).executeTakeFirst();
  if (!Number(result.numDeletedRows)) throw appCredNotFound(id);
  await revoker?.revoke({ consumerId: id });
}

/** For the grants code: a user losing their roles on a project loses their credentials there. */
export async function deleteAppCredsForUserOnProject(db: Kysely<any>, userId: string, projectId: string, revoker?: Revoker): Promise<void> {
  const rows = await db.selectFrom('application_credential').select('id').where('user_id', '=', userId).where('project_id', '=', projectId).execute();
  if (!rows.length) return;
  await db.deleteFrom('application_credential').where('id', 'in', rows.map((r) => r.id)).execute();
  if (revoker) for (const r of rows) await revoker.revoke({ consumerId: r.id });
}

/** The `application_credential` auth method's payload. */
export interface AppCredAuth {
  id?: string;
  name?: string;
  secret?: string;
  user?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
}

const expecting = (attribute: string, target: string) => new BadRequest(`Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);

/** The id of the enabled user (in an enabled domain) the payload names, or undefined. */
async function enabledUserId(db: Kysely<any>, user: NonNullable<AppCredAuth['user']>): Promise<string | undefined> {
  let q = db.selectFrom('user').innerJoin('project', 'project.id', 'user.domain_id')
    .select(['user.id as id', 'user.enabled as enabled', 'project.enabled as domain_enabled']);
  if (user.id) q = q.where('user.id', '=', user.id);
  else {
    if (!user.domain) throw expecting('domain', 'user');
    q = q.where('user.name', '=', user.name ?? '');
    q = user.domain.id ? q.where('project.id', '=', user.domain.id) : q.where('project.name', '=', user.domain.name ?? '').where('project.is_domain', '=', 1);
  }
  const row = await q.executeTakeFirst();
  return row && fromDbBool(row.enabled) && fromDbBool(row.domain_enabled) ? row.id : undefined;
}

/**
 * Authenticates with an application credential: by id, or by name with its user (by id, or by
 * name and domain). Any failure (unknown credential or user, disabled user or domain, wrong
 * secret, expiry) is the same 401.
 */
export async function authenticateAppCred(db: Kysely<any>, payload: AppCredAuth, secret?: string, clock: Clock = systemClock): Promise<AppCredential> {
  const denied = () => new Unauthorized(AUTH_FAILED);
  if (!payload?.id && !payload?.name) throw expecting('id or name', 'application credential');
  let row: any;
  if (payload.id) {
    row = await db.selectFrom('application_credential').selectAll().where('id', '=', payload.id).executeTakeFirst();
    if (!row) throw denied();
    if (payload.user && (await enabledUserId(db, payload.user)) !== row.user_id) throw denied();
    if (!(await enabledUserId(db, { id: row.user_id }))) throw denied();
  } else {
    if (!payload.user) throw expecting('user', 'application_credential');
    if (!payload.user.id && !payload.user.name) throw expecting('id or name', 'user');
    const userId = await enabledUserId(db, payload.user);
    if (!userId) throw denied();
    row = await db.selectFrom('application_credential').selectAll().where('user_id', '=', userId).where('name', '=', payload.name!).executeTakeFirst();
    if (!row) throw denied();
  }
  if (!(await verifyPassword(secret ?? payload.secret ?? '', row.secret_hash))) throw denied();
  if (row.expires_at && clock.now().getTime() >= Date.parse(row.expires_at)) throw denied();
  return toAppCred(db, row);
}
