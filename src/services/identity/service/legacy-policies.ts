// The legacy /v3/policies store: opaque policy blobs Keystone keeps but never enforces
// (deprecated since Queens; Tempest and some deployments still use it).
import type { Kysely } from 'kysely';
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import { fromDbJson, toDbJson } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';

export interface PolicyBlob { id: string; type: string; blob: string; extra: Record<string, unknown> }

const rowToPolicy = (r: any): PolicyBlob => ({ id: r.id, type: r.type, blob: r.blob, extra: fromDbJson<Record<string, unknown>>(r.extra) ?? {} });

export async function getPolicyBlob(db: Kysely<any>, id: string): Promise<PolicyBlob> {
  const row = await db.selectFrom('policy').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound(`Could not find policy: ${id}.`, { type: 'policy' });
  return rowToPolicy(row);
}

export async function listPolicyBlobs(db: Kysely<any>, f: { type?: string } = {}): Promise<PolicyBlob[]> {
  let q = db.selectFrom('policy').selectAll();
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  return (await q.execute()).map(rowToPolicy);
}

export async function createPolicyBlob(db: Kysely<any>, input: { type: string; blob: string; extra?: Record<string, unknown> }): Promise<PolicyBlob> {
  const id = hexId();
  await db.insertInto('policy').values({ id, type: input.type, blob: input.blob, extra: toDbJson(input.extra ?? {}) }).execute();
  return getPolicyBlob(db, id);
}

export async function updatePolicyBlob(db: Kysely<any>, id: string, patch: { id?: string; type?: string; blob?: string; extra?: Record<string, unknown> }): Promise<PolicyBlob> {
  if (patch.id !== undefined && patch.id !== id) throw new BadRequest('Cannot change policy ID');
  const before = await getPolicyBlob(db, id);
  const values: Record<string, unknown> = {};
  if (patch.type !== undefined) values.type = patch.type;
  if (patch.blob !== undefined) values.blob = patch.blob;
  if (patch.extra && Object.keys(patch.extra).length) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  if (Object.keys(values).length) await db.updateTable('policy').set(values).where('id', '=', id).execute();
  return getPolicyBlob(db, id);
}

export async function deletePolicyBlob(db: Kysely<any>, id: string): Promise<void> {
  await getPolicyBlob(db, id);
  await db.deleteFrom('policy').where('id', '=', id).execute();
}
