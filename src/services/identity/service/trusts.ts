// OS-TRUST: a trustor delegates some of their roles on a project to a trustee, who can then get
// trust-scoped tokens (keystone/trust/core.py, keystone/api/trusts.py). A trust may be limited in
// time and uses, and re-delegated along a chain of at most MAX_REDELEGATION_COUNT links.
import type { Kysely } from 'kysely';
import { BadRequest, Forbidden, NotFound } from '../../../lib/errors.ts';
import { fromDbBool, fromDbJson, toDbJson } from '../../../lib/db/values.ts';
import { hexId } from '../../../lib/ids.ts';
import { getProject } from './projects.ts';
import { findUniqueRoleByName, impliedRoleMap, rolesById } from './roles.ts';
import { addImpliedRoles } from './role-assignments.ts';
import { effectiveRoles, type EffectiveRole } from './assignments.ts';
import type { RevocationList } from './revocations.ts';

/** Keystone's [trust] max_redelegation_count default. */
export const MAX_REDELEGATION_COUNT = 3;

/** A trust as Keystone's trust_api returns it (snake_case, as the token code and bodies use it). */
export interface Trust {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: boolean;
  /** ISO-8601 UTC, or null for no expiry. */
  expires_at: string | null;
  remaining_uses: number | null;
  deleted_at: string | null;
  redelegated_trust_id: string | null;
  redelegation_count: number | null;
  roles: Array<{ id: string }>;
  /** Unknown request properties, echoed back as Keystone keeps them. */
  extra: Record<string, unknown>;
}

/** Keystone's generic 403 text: exception.Forbidden hides its detail outside insecure_debug. */
const FORBIDDEN = 'You are not authorized to perform the requested action.';
const forbiddenAction = (action: string) => new Forbidden(`You are not authorized to perform the requested action: ${action}.`);
const trustNotFound = (id: string) => new NotFound(`Could not find trust: ${id}.`, { type: 'trust' });

function rowToTrust(r: any): Trust {
  return {
    id: r.id, trustor_user_id: r.trustor_user_id, trustee_user_id: r.trustee_user_id, project_id: r.project_id ?? null,
    impersonation: fromDbBool(r.impersonation), expires_at: r.expires_at ?? null,
    remaining_uses: r.remaining_uses == null ? null : Number(r.remaining_uses), deleted_at: r.deleted_at ?? null,
    redelegated_trust_id: r.redelegated_trust_id ?? null, redelegation_count: r.redelegation_count == null ? null : Number(r.redelegation_count),
    roles: fromDbJson<Array<{ id: string }>>(r.roles) ?? [], extra: fromDbJson<Record<string, unknown>>(r.extra) ?? {},
  };
}

/** The stored trust, whatever its state (the driver's get_trust with deleted=True). */
async function loadTrust(db: Kysely<any>, id: string): Promise<Trust> {
  const row = await db.selectFrom('trust').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw trustNotFound(id);
  return rowToTrust(row);
}

/** The driver's get_trust: 404 when deleted, expired or used up. */
async function loadUsable(db: Kysely<any>, id: string): Promise<Trust> {
  const trust = await loadTrust(db, id);
  if (trust.deleted_at) throw trustNotFound(id);
  if (trust.expires_at && Date.now() > Date.parse(trust.expires_at)) throw trustNotFound(id);
  if (trust.remaining_uses !== null && trust.remaining_uses <= 0) throw trustNotFound(id);
  return trust;
}

/** A usable trust (see loadUsable) whose redelegation chain still holds (403 otherwise). */
export async function getTrust(db: Kysely<any>, id: string): Promise<Trust> {
  const trust = await loadUsable(db, id);
  if (trust.redelegated_trust_id) {
    const chain = await trustPedigree(db, id);
    for (let i = 1; i < chain.length; i++) {
      validateRedelegation(chain[i]!, chain[i - 1]!);
      const agent = await db.selectFrom('user').select('enabled').where('id', '=', chain[i]!.trustee_user_id).executeTakeFirst();
      if (!agent || !fromDbBool(agent.enabled)) throw new Forbidden(FORBIDDEN); // "One of the trust agents is disabled or deleted"
    }
  }
  return trust;
}

/** The trust and the trusts it was redelegated from, nearest first. */
export async function trustPedigree(db: Kysely<any>, id: string): Promise<Trust[]> {
  const chain = [await loadUsable(db, id)];
  while (chain.at(-1)!.redelegated_trust_id && chain.length <= MAX_REDELEGATION_COUNT + 1) chain.push(await loadUsable(db, chain.at(-1)!.redelegated_trust_id!));
  return chain;
}

/** Keystone's _validate_redelegation: may `child` be (or have been) redelegated from `parent`? */
function validateRedelegation(parent: Trust, child: Pick<Trust, 'remaining_uses' | 'expires_at' | 'roles' | 'impersonation'>): void {
  const depth = parent.redelegation_count ?? 0;
  if (!(depth > 0 && depth <= MAX_REDELEGATION_COUNT)) throw new Forbidden(FORBIDDEN);
  if (child.remaining_uses !== null && child.remaining_uses !== undefined) throw new Forbidden(FORBIDDEN);
  if (child.expires_at) {
    if (parent.expires_at && Date.parse(parent.expires_at) < Date.parse(child.expires_at)) throw new Forbidden(FORBIDDEN);
  } else {
    child.expires_at = parent.expires_at;
  }
  const parentRoles = new Set(parent.roles.map((r) => r.id));
  if (!child.roles.every((r) => parentRoles.has(r.id))) throw new Forbidden(FORBIDDEN);
  if (!parent.impersonation && child.impersonation) throw new Forbidden(FORBIDDEN);
}

export interface TrustFilter { trustorUserId?: string; trusteeUserId?: string; redelegatedTrustId?: string }

/** Trusts not deleted (expired or used-up ones included, as Keystone lists them). */
export async function listTrusts(db: Kysely<any>, f: TrustFilter = {}): Promise<Trust[]> {
  let q = db.selectFrom('trust').selectAll().where('deleted_at', 'is', null);
  if (f.trustorUserId !== undefined) q = q.where('trustor_user_id', '=', f.trustorUserId);
  if (f.trusteeUserId !== undefined) q = q.where('trustee_user_id', '=', f.trusteeUserId);
  if (f.redelegatedTrustId !== undefined) q = q.where('redelegated_trust_id', '=', f.redelegatedTrustId);
  return (await q.orderBy('id').execute()).map(rowToTrust);
}

/** The body of POST /v3/OS-TRUST/trusts (schema-validated). */
export interface TrustRequest {
  trustor_user_id: string;
  trustee_user_id: string;
  impersonation: boolean;
  project_id?: string | null;
  roles?: Array<{ id?: string; name?: string }>;
  expires_at?: string | null;
  remaining_uses?: number | null;
  allow_redelegation?: boolean | null;
  redelegation_count?: number | null;
  extra?: Record<string, unknown>;
}

/** Who asks: the token's user, and the trust / application credential it was issued through. */
export interface TrustCaller { userId?: string; trustId?: string; appCredId?: string }

const TIMESTAMP_ERROR = 'Timestamp not in expected format. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

/** Keystone's parse_expiration_date: ISO 8601 in UTC ('Z' appended when missing), in the future. */
export function parseExpiresAt(value: string, now = new Date()): Date {
  const text = value.endsWith('Z') ? value : `${value}Z`;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?Z$/.exec(text);
  if (!m) throw new BadRequest(TIMESTAMP_ERROR);
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7) as Array<string | undefined>;
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  const date = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s, ms));
  const fields = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  if (fields.some((v, i) => v !== [+y!, +mo!, +d!, +h, +mi, +s][i])) throw new BadRequest(TIMESTAMP_ERROR);
  if (date.getTime() < now.getTime()) {
    throw new BadRequest("The 'expires_at' must not be before now. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.");
  }
  return date;
}

/** Tokens from a restricted application credential may not create or delete trusts. */
export async function assertNotRestrictedAppCred(db: Kysely<any>, caller: TrustCaller): Promise<void> {
  if (!caller.appCredId) return;
  const ac = await db.selectFrom('application_credential').select('unrestricted').where('id', '=', caller.appCredId).executeTakeFirst();
  if (!ac || !fromDbBool(ac.unrestricted)) throw forbiddenAction("Using method 'application_credential' is not allowed for managing trusts");
}

/** POST /v3/OS-TRUST/trusts after policy: Keystone's checks, in Keystone's order. */
export async function createTrust(db: Kysely<any>, body: TrustRequest, caller: TrustCaller): Promise<Trust> {
  await assertNotRestrictedAppCred(db, caller);
  if (body.project_id && !body.roles?.length) throw forbiddenAction('At least one role should be specified');
  if (caller.userId !== body.trustor_user_id) throw forbiddenAction('The authenticated user should match the trustor');
  if (!await db.selectFrom('user').select('id').where('id', '=', body.trustee_user_id).executeTakeFirst()) {
    throw new NotFound(`Could not find user: ${body.trustee_user_id}.`, { type: 'user' });
  }
  const roles: Array<{ id: string }> = [];
  for (const r of body.roles ?? []) roles.push({ id: r.id ?? (await findUniqueRoleByName(db, r.name!)).id });
  await requireTrustorHasRoles(db, body.trustor_user_id, body.project_id ?? null, roles);
  const expiresAt = body.expires_at == null ? null : parseExpiresAt(body.expires_at).toISOString();
  const redelegated = caller.trustId ? await getTrust(db, caller.trustId) : undefined;

  // keystone/trust/core.py create_trust
  const trust: Omit<Trust, 'id' | 'deleted_at' | 'extra'> = {
    trustor_user_id: body.trustor_user_id, trustee_user_id: body.trustee_user_id, project_id: body.project_id ?? null,
    impersonation: body.impersonation, expires_at: expiresAt, remaining_uses: body.remaining_uses ?? null,
    redelegated_trust_id: null, redelegation_count: null, roles,
  };
  let requested = body.redelegation_count;
  const countGiven = Object.hasOwn(body, 'redelegation_count');
  const redelegatable = !!body.allow_redelegation && requested !== 0;
  if (!redelegatable) {
    trust.redelegation_count = requested = 0;
  } else {
    if (requested && requested > MAX_REDELEGATION_COUNT) throw new Forbidden(FORBIDDEN);
    if (trust.remaining_uses !== null) throw new BadRequest('remaining_uses must not be set if redelegation is allowed');
    trust.redelegation_count = countGiven ? (requested ?? null) : MAX_REDELEGATION_COUNT;
  }
  if (redelegated) {
    trust.redelegated_trust_id = redelegated.id;
    const remaining = (redelegated.redelegation_count ?? 0) - 1;
    if (redelegatable && requested && requested !== remaining) throw new Forbidden(FORBIDDEN);
    if (redelegatable && !countGiven) trust.redelegation_count = remaining;
    for (const t of await trustPedigree(db, redelegated.id)) validateRedelegation(t, trust);
  }
  const id = hexId();
  await db.insertInto('trust').values({
    id, trustor_user_id: trust.trustor_user_id, trustee_user_id: trust.trustee_user_id, project_id: trust.project_id,
    impersonation: trust.impersonation, expires_at: trust.expires_at, remaining_uses: trust.remaining_uses,
    redelegated_trust_id: trust.redelegated_trust_id, redelegation_count: trust.redelegation_count,
    roles: toDbJson(roles), extra: toDbJson(body.extra ?? {}), deleted_at: null,
  }).execute();
  return loadTrust(db, id);
}

/** Every delegated role must be one the trustor has on the project (domain roles included). */
async function requireTrustorHasRoles(db: Kysely<any>, trustorId: string, projectId: string | null, roles: Array<{ id: string }>): Promise<void> {
  let held = new Set<string>();
  if (projectId) {
    await getProject(db, projectId);
    held = new Set((await effectiveRoles(db, { userId: trustorId, projectId, keepDomainRoles: true })).map((r) => r.id));
  }
  for (const r of roles) if (!held.has(r.id)) throw new NotFound(`Could not find role: ${r.id}.`, { type: 'role' });
}

/** Soft-deletes a trust and the trusts redelegated from it; revokes their tokens. */
export async function deleteTrust(db: Kysely<any>, revocations: RevocationList, id: string): Promise<void> {
  const trust = await loadUsable(db, id);
  for (const child of await listTrusts(db, { trustorUserId: trust.trustor_user_id, redelegatedTrustId: id })) {
    await deleteTrust(db, revocations, child.id).catch((err) => { if (!(err instanceof NotFound)) throw err; });
  }
  await db.updateTable('trust').set({ deleted_at: new Date().toISOString() }).where('id', '=', id).execute();
  await revocations.revoke({ trustId: id });
}

/** Keystone's delete_trusts_for_project, for when a project goes: its trusts go with it. */
export async function deleteTrustsForProject(db: Kysely<any>, revocations: RevocationList, projectId: string): Promise<void> {
  const ids = (await db.selectFrom('trust').select('id').where('project_id', '=', projectId).where('deleted_at', 'is', null).execute()).map((r) => r.id);
  if (!ids.length) return;
  await db.updateTable('trust').set({ deleted_at: new Date().toISOString() }).where('id', 'in', ids).execute();
  for (const id of ids) await revocations.revoke({ trustId: id });
}

/** Spends one use of a limited trust (token issue); 404 when deleted, expired or used up. */
export async function consumeTrust(db: Kysely<any>, id: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const row = await db.selectFrom('trust').select(['remaining_uses', 'expires_at']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row || (row.expires_at && Date.now() > Date.parse(row.expires_at))) throw trustNotFound(id);
    if (row.remaining_uses == null) return;
    const left = Number(row.remaining_uses);
    if (left <= 0) throw trustNotFound(id);
    // Optimistic: only the request that saw this count may decrement it.
    const res = await db.updateTable('trust').set({ remaining_uses: left - 1 })
      .where('id', '=', id).where('deleted_at', 'is', null).where('remaining_uses', '=', left).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return;
  }
  throw trustNotFound(id);
}

/**
 * The roles a trust-scoped token carries (keystone/models/token_model.py _get_trust_roles): the
 * delegated roles and those they imply, which the original trustor must all still hold on the
 * project (403 otherwise); domain roles are left out.
 */
export async function trustRoles(db: Kysely<any>, trust: Trust): Promise<EffectiveRole[]> {
  const trustorId = trust.redelegated_trust_id ? (await trustPedigree(db, trust.id)).at(-1)!.trustor_user_id : trust.trustor_user_id;
  const delegated = new Set(addImpliedRoles(trust.roles.map((r) => ({ roleId: r.id })), await impliedRoleMap(db)).map((r) => r.roleId));
  const held = new Set(trust.project_id ? (await effectiveRoles(db, { userId: trustorId, projectId: trust.project_id, keepDomainRoles: true })).map((r) => r.id) : []);
  const roles = await rolesById(db, delegated);
  const out: EffectiveRole[] = [];
  for (const id of delegated) {
    if (!held.has(id)) throw new Forbidden(FORBIDDEN); // "Trustee has no delegated roles."
    const role = roles.get(id);
    if (role && role.domainId === null) out.push({ id: role.id, name: role.name, domain_id: null });
  }
  return out;
}
