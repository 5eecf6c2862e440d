// OS-OAUTH1 consumers: the registered OAuth 1.0a clients. Only their management is served;
// the secret is shown once, when the consumer is created.
import type { Kysely } from 'kysely';
import { NotFound } from '../../../lib/errors.ts';
import { fromDbJson, toDbJson } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';

export interface Consumer { id: string; description: string | null; secret: string; extra: Record<string, unknown> }

const rowToConsumer = (r: any): Consumer => ({
  id: r.id, description: r.description ?? null, secret: r.secret, extra: fromDbJson<Record<string, unknown>>(r.extra) ?? {},
});

export async function getConsumer(db: Kysely<any>, id: string): Promise<Consumer> {
  const row = await db.selectFrom('consumer').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound('Consumer not found', { type: 'consumer' });
  return rowToConsumer(row);
}

export async function listConsumers(db: Kysely<any>): Promise<Consumer[]> {
  return (await db.selectFrom('consumer').selectAll().execute()).map(rowToConsumer);
}

export async function createConsumer(db: Kysely<any>, input: { description?: string | null; extra?: Record<string, unknown> }): Promise<Consumer> {
  const id = hexId();
  await db.insertInto('consumer').values({ id, description: input.description ?? null, secret: hexId(), extra: toDbJson(input.extra ?? {}) }).execute();
  return getConsumer(db, id);
}

export async function updateConsumer(db: Kysely<any>, id: string, patch: { description?: string | null; extra?: Record<string, unknown> }): Promise<Consumer> {
  const before = await getConsumer(db, id);
  const values: Record<string, unknown> = {};
  if (patch.description !== undefined) values.description = patch.description;
  if (patch.extra && Object.keys(patch.extra).length) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  if (Object.keys(values).length) await db.updateTable('consumer').set(values).where('id', '=', id).execute();
  return getConsumer(db, id);
}

export async function deleteConsumer(db: Kysely<any>, id: string): Promise<void> {
  await getConsumer(db, id);
  await db.deleteFrom('consumer').where('id', '=', id).execute();
}
