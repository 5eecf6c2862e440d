// Roles and implied roles (Keystone's role_api). A role is global (domain_id null) or belongs to
// a domain; names are unique per domain. Global roles are stored with domain_id '' so the
// (name, domain_id) unique constraint holds on every engine. An implied role is a rule "whoever
// has role A also has role B"; a domain role may imply a global one, never the reverse.
import type { Kysely } from 'kysely';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../lib/errors.ts';
import { fromDbJson, toDbJson } from '../../../lib/db/values.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';

export interface Role {
  id: string;
  name: string;
  domainId: string | null;
  description: string | null;
  options: Record<string, unknown>;
  extra: Record<string, unknown>;
}

/** Keystone's [assignment] prohibited_implied_role default. */
export const PROHIBITED_IMPLIED_ROLES: readonly string[] = ['admin'];
/** The only role option Keystone registers. */
export const ROLE_OPTIONS = ['immutable'] as const;

const GLOBAL = '';

export function rowToRole(row: any): Role {
  return {
    id: row.id, name: row.name, domainId: row.domain_id === GLOBAL || row.domain_id == null ? null : row.domain_id,
    description: row.description ?? null,
    options: fromDbJson<Record<string, unknown>>(row.options) ?? {},
    extra: fromDbJson<Record<string, unknown>>(row.extra) ?? {},
  };
}

export async function getRole(db: Kysely<any>, id: string): Promise<Role> {
  const row = await db.selectFrom('role').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound(`Could not find role: ${id}.`, { type: 'role' });
  return rowToRole(row);
}

/** Roles by id (missing ids are skipped), keyed by id. */
export async function rolesById(db: Kysely<any>, ids: Iterable<string>): Promise<Map<string, Role>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, Role>();
  if (!unique.length) return out;
  const rows = await db.selectFrom('role').selectAll().where('id', 'in', unique).execute();
  for (const r of rows) out.set(r.id, rowToRole(r));
  return out;
}

export interface RoleFilter {
  name?: string;
  /** A domain id, or null for global roles only (Keystone's default when no domain_id filter). */
  domainId?: string | null;
}

export async function listRoles(db: Kysely<any>, f: RoleFilter = {}): Promise<Role[]> {
  let q = db.selectFrom('role').selectAll();
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId ?? GLOBAL);
  return (await q.orderBy('name').execute()).map(rowToRole);
}

/** Keystone's get_unique_role_by_name: any domain, exact name; 404 or 400 when ambiguous. */
export async function findUniqueRoleByName(db: Kysely<any>, name: string): Promise<Role> {
  const found = await listRoles(db, { name });
  if (!found.length) throw new NotFound(`Role ${name} is not defined`);
  if (found.length > 1) throw new BadRequest(`There are multiple role entities named '${name}'. Please use ID instead of names to resolve the ambiguity.`);
  return found[0]!;
}

export interface RoleInput {
  id?: string; name: string; domainId?: string | null; description?: string | null;
  options?: Record<string, unknown>; extra?: Record<string, unknown>;
}

/** Keeps set options, drops the ones set to null (Keystone deletes an option set to None). */
function mergeOptions(before: Record<string, unknown>, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...before };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function duplicate(name: string, domainId: string | null | undefined): Conflict {
  const where = domainId ? ` at domain ID ${domainId}` : '';
  return new Conflict(`Conflict occurred attempting to store role - Duplicate entry found with name ${name}${where}.`);
}

export async function createRole(db: Kysely<any>, input: RoleInput): Promise<Role> {
  const id = input.id ?? hexId();
  try {
    await db.insertInto('role').values({
      id, name: input.name, domain_id: input.domainId ?? GLOBAL, description: input.description ?? null,
      options: toDbJson(mergeOptions({}, input.options)), extra: toDbJson(input.extra ?? {}),
    }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(input.name, input.domainId);
    throw err;
  }
  return getRole(db, id);
}

const immutableError = (verb: 'update' | 'delete', id: string) =>
  new Forbidden(`Unable to ${verb} immutable role resource: \`${id}. Set resource option "immutable" to false first.`);

/** `patch` holds only the keys the request named (Keystone's immutability check counts them). */
export async function updateRole(db: Kysely<any>, id: string, patch: Partial<RoleInput>): Promise<Role> {
  const before = await getRole(db, id);
  if (before.options.immutable === true) {
    const keys = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined && !(k === 'extra' && !Object.keys(patch.extra ?? {}).length));
    const imm = patch.options?.immutable;
    if (keys.length > 1 || !patch.options || !('immutable' in patch.options) || (imm !== false && imm !== null)) throw immutableError('update', id);
  }
  if (patch.domainId !== undefined && patch.domainId !== before.domainId) throw new BadRequest('Update of `domain_id` is not allowed.');
  const values: Record<string, unknown> = {};
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.description !== undefined) values.description = patch.description;
  if (patch.options !== undefined) values.options = toDbJson(mergeOptions(before.options, patch.options));
  if (patch.extra !== undefined && Object.keys(patch.extra).length) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  if (Object.keys(values).length) {
    try {
      await db.updateTable('role').set(values).where('id', '=', id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(patch.name ?? before.name, before.domainId);
      throw err;
    }
  }
  return getRole(db, id);
}

/** Deletes a role with its assignments and inference rules; returns the assignments removed. */
export async function deleteRole(db: Kysely<any>, id: string): Promise<Array<{ type: string; actor_id: string; target_id: string; inherited: number }>> {
  const role = await getRole(db, id);
  if (role.options.immutable === true) throw immutableError('delete', id);
  return db.transaction().execute(async (tx) => {
    const removed = await tx.selectFrom('assignment').select(['type', 'actor_id', 'target_id', 'inherited']).where('role_id', '=', id).execute();
    await tx.deleteFrom('assignment').where('role_id', '=', id).execute();
    await tx.deleteFrom('implied_role').where((eb) => eb.or([eb('prior_role_id', '=', id), eb('implied_role_id', '=', id)])).execute();
    await tx.deleteFrom('role').where('id', '=', id).execute();
    return removed;
  });
}

// ---- implied roles ----

export interface ImpliedRule { priorRoleId: string; impliedRoleId: string }

export async function createImpliedRole(db: Kysely<any>, priorId: string, impliedId: string): Promise<void> {
  const implied = await getRole(db, impliedId);
  const prior = await getRole(db, priorId);
  if (PROHIBITED_IMPLIED_ROLES.includes(implied.name)) throw new Forbidden(`${impliedId} cannot be an implied roles.`);
  // Keystone: "Global role cannot imply a domain-specific role" (rendered with its generic text).
  if (prior.domainId === null && implied.domainId !== null) throw new Forbidden(`${impliedId} cannot be an implied roles.`);
  try {
    await db.insertInto('implied_role').values({ prior_role_id: priorId, implied_role_id: impliedId }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('Conflict occurred attempting to store implied_role - Duplicate entry.');
    throw err;
  }
}

export async function getImpliedRole(db: Kysely<any>, priorId: string, impliedId: string): Promise<void> {
  const row = await db.selectFrom('implied_role').select('prior_role_id')
    .where('prior_role_id', '=', priorId).where('implied_role_id', '=', impliedId).executeTakeFirst();
  if (!row) throw new NotFound(`${priorId} does not imply ${impliedId}.`);
}

export async function deleteImpliedRole(db: Kysely<any>, priorId: string, impliedId: string): Promise<void> {
  const res = await db.deleteFrom('implied_role').where('prior_role_id', '=', priorId).where('implied_role_id', '=', impliedId).executeTakeFirst();
  if (!Number(res.numDeletedRows)) throw new NotFound(`${priorId} does not imply ${impliedId}.`);
}

/** Direct inference rules, all of them or those of one prior role. */
export async function listImpliedRules(db: Kysely<any>, priorId?: string): Promise<ImpliedRule[]> {
  let q = db.selectFrom('implied_role').select(['prior_role_id', 'implied_role_id']);
  if (priorId !== undefined) q = q.where('prior_role_id', '=', priorId);
  return (await q.execute()).map((r) => ({ priorRoleId: r.prior_role_id, impliedRoleId: r.implied_role_id }));
}

/** prior role id → the role ids it directly implies (one query; the table is small). */
export async function impliedRoleMap(db: Kysely<any>): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  for (const r of await listImpliedRules(db)) map.set(r.priorRoleId, [...(map.get(r.priorRoleId) ?? []), r.impliedRoleId]);
  return map;
}

/** The role ids plus every role they imply, transitively (cycles are harmless). */
export async function expandImplied(db: Kysely<any>, roleIds: Iterable<string>): Promise<Set<string>> {
  const map = await impliedRoleMap(db);
  const out = new Set<string>();
  const todo = [...roleIds];
  while (todo.length) {
    const id = todo.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    todo.push(...(map.get(id) ?? []));
  }
  return out;
}
