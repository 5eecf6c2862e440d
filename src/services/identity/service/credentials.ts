// Credentials (/v3/credentials) and the EC2 view of them (/v3/users/{id}/credentials/OS-EC2).
// As in Keystone, an ec2 credential's id is the sha256 hex of its access key, so the key alone
// finds it; a credential made with a trust- or app-credential-scoped token records that scope
// in its blob, and the scope can never be changed afterwards.
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../../../lib/config.ts';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../lib/errors.ts';
import { fromDbJson, toDbJson } from '../../../lib/db/values.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';
import { userLimit } from './password-policy.ts';

export interface Credential {
  id: string;
  userId: string;
  projectId: string | null;
  type: string;
  /** Always a string on the API (for ec2, JSON text holding access and secret). */
  blob: string;
  extra: Record<string, unknown>;
}

/** Keystone's utils.hash_access_key: the id of an ec2 credential. */
export const ec2CredentialId = (access: string): string => createHash('sha256').update(access, 'utf8').digest('hex');

const isEc2 = (type: unknown) => typeof type === 'string' && type.toLowerCase() === 'ec2';
const expecting = (attribute: string) => new BadRequest(`Expecting to find ${attribute} in credential. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);

export function rowToCredential(row: any): Credential {
  return { id: row.id, userId: row.user_id, projectId: row.project_id ?? null, type: row.type, blob: row.blob, extra: fromDbJson<Record<string, unknown>>(row.extra) ?? {} };
}

export const credentialNotFound = (id: string) => new NotFound(`Could not find credential: ${id}.`, { type: 'credential' });

export async function getCredential(db: Kysely<any>, id: string): Promise<Credential> {
  const row = await db.selectFrom('credential').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw credentialNotFound(id);
  return rowToCredential(row);
}

export async function listCredentials(db: Kysely<any>, f: { userId?: string; type?: string } = {}): Promise<Credential[]> {
  let q = db.selectFrom('credential').selectAll();
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  return (await q.orderBy('id').execute()).map(rowToCredential);
}

/** The ec2 blob as an object with an access key, or the 400 Keystone gives. */
export function parseEc2Blob(blob: unknown): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(blob));
  } catch {
    throw new BadRequest('Invalid blob in credential');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.keys(parsed).length) throw expecting('blob');
  if ((parsed as Record<string, unknown>).access == null) throw expecting('access');
  return parsed as Record<string, unknown>;
}

/** What the caller's token was scoped by, recorded in an ec2 blob. */
export interface CredentialScope { trustId?: string; appCredId?: string }

export interface CredentialInput { userId: string; projectId?: string | null; type: string; blob: string; extra?: Record<string, unknown> }

async function assertUnderLimit(db: Kysely<any>, config: Config | undefined, userId: string): Promise<void> {
  const limit = userLimit(config, 'credential');
  if (limit < 0) return;
  const row = await db.selectFrom('credential').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirst();
  if (Number(row?.n ?? 0) >= limit) throw new Forbidden(`Unable to create additional credentials, maximum of ${limit} already exceeded for user.`);
}

export async function createCredential(db: Kysely<any>, config: Config | undefined, input: CredentialInput, scope: CredentialScope = {}): Promise<Credential> {
  let id = hexId();
  let blob = input.blob;
  if (isEc2(input.type)) {
    if (!input.projectId) throw expecting('project_id');
    const parsed = parseEc2Blob(blob);
    id = ec2CredentialId(String(parsed.access));
    if (scope.trustId) parsed.trust_id = scope.trustId;
    if (scope.appCredId) parsed.app_cred_id = scope.appCredId;
    if (scope.trustId || scope.appCredId) blob = JSON.stringify(parsed);
  }
  await assertUnderLimit(db, config, input.userId);
  try {
    await db.insertInto('credential').values({
      id, user_id: input.userId, project_id: input.projectId ?? null, type: input.type, blob, extra: toDbJson(input.extra ?? {}),
    }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store credential - Duplicate entry found with ID ${id}.`);
    throw err;
  }
  return getCredential(db, id);
}

export interface CredentialPatch { id?: string; userId?: string; projectId?: string | null; type?: string; blob?: string; extra?: Record<string, unknown> }

const SCOPE_KEYS = ['trust_id', 'app_cred_id', 'access_token_id', 'access_id'];

export async function updateCredential(db: Kysely<any>, id: string, patch: CredentialPatch): Promise<Credential> {
  const current = await getCredential(db, id);
  if (isEc2(current.type) && patch.blob !== undefined) {
    const next = parseEc2Blob(patch.blob);
    const old = (() => { try { return JSON.parse(current.blob) ?? {}; } catch { return {}; } })();
    for (const key of SCOPE_KEYS) if ((old[key] ?? null) !== (next[key] ?? null)) throw new BadRequest(`${key} can not be updated for credential`);
  }
  if (patch.id !== undefined && patch.id !== id) throw new BadRequest('Cannot change ID');
  if (isEc2(patch.type) && !patch.projectId && !current.projectId) throw expecting('project_id');
  const values: Record<string, unknown> = {};
  if (patch.userId !== undefined) values.user_id = patch.userId;
  if (patch.projectId !== undefined) values.project_id = patch.projectId;
  if (patch.type !== undefined) values.type = patch.type;
  if (patch.blob !== undefined) values.blob = patch.blob;
  if (patch.extra !== undefined) values.extra = toDbJson({ ...current.extra, ...patch.extra });
  if (Object.keys(values).length) await db.updateTable('credential').set(values).where('id', '=', id).execute();
  return getCredential(db, id);
}

export async function deleteCredential(db: Kysely<any>, id: string): Promise<void> {
  const result = await db.deleteFrom('credential').where('id', '=', id).executeTakeFirst();
  if (!Number(result.numDeletedRows)) throw credentialNotFound(id);
}

// --- OS-EC2 -------------------------------------------------------------------------------

/** The EC2 view of a credential: {user_id, tenant_id, access, secret, trust_id}. */
export interface Ec2Credential { user_id: string; tenant_id: string | null; access: string; secret: string | null; trust_id: string | null }

export function toEc2(c: Credential): Ec2Credential {
  const blob = (() => { try { return JSON.parse(c.blob) ?? {}; } catch { return {}; } })();
  return { user_id: c.userId, tenant_id: c.projectId, access: blob.access ?? null, secret: blob.secret ?? null, trust_id: blob.trust_id ?? null };
}

/** POST /v3/users/{id}/credentials/OS-EC2: random access and secret keys for a project. */
export async function createEc2Credential(db: Kysely<any>, config: Config | undefined, userId: string, projectId: string, trustId?: string): Promise<Ec2Credential> {
  const blob = { access: randomUUID().replaceAll('-', ''), secret: randomUUID().replaceAll('-', ''), trust_id: trustId ?? null };
  const id = ec2CredentialId(blob.access);
  await assertUnderLimit(db, config, userId);
  await db.insertInto('credential').values({ id, user_id: userId, project_id: projectId, type: 'ec2', blob: JSON.stringify(blob), extra: '{}' }).execute();
  return toEc2(await getCredential(db, id));
}

/** The user's ec2 credential with this access key (404 when unknown or someone else's). */
export async function getEc2Credential(db: Kysely<any>, userId: string, access: string): Promise<Credential> {
  const row = await db.selectFrom('credential').selectAll().where('id', '=', ec2CredentialId(access)).executeTakeFirst();
  if (!row || !isEc2(row.type) || row.user_id !== userId) throw credentialNotFound(ec2CredentialId(access));
  return rowToCredential(row);
}
