// Writes go through `write()`: one transaction, retried on a PostgreSQL deadlock or serialization
// failure, that ends by stamping the providers it touched with the next change sequence number.
//
// Why a global counter row: the UPDATE of placement_seq is the last statement of every write
// transaction, and its row lock is held until commit, so sequence numbers are handed out in commit
// order. A reader that has seen number N therefore knows every change numbered below N is
// committed, and "providers with change_seq > N" is a complete list of what changed since —
// which is what the per-process provider model (service/model.ts) refreshes from.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../../lib/db/index.ts';
import { RetryTransaction } from '../errors.ts';

export interface WriteTx {
  trx: Transaction<any>;
  /** Providers whose model state (inventory, usage, traits, aggregates, tree, name) changed. */
  touch(...uuids: string[]): void;
  /** Providers deleted in this transaction. */
  tombstone(uuid: string): void;
  now: string;
}

const RETRYABLE_PG = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 8;

function isRetryable(err: unknown): boolean {
  if (err instanceof RetryTransaction) return true;
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && RETRYABLE_PG.has(e.code)) return true;
  }
  return false;
}

export async function write<T>(database: Database, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.db.transaction().execute(async (trx) => {
        const touched = new Set<string>();
        const removed: string[] = [];
        const tx: WriteTx = { trx, touch: (...u) => { for (const x of u) touched.add(x); }, tombstone: (u) => { removed.push(u); }, now: new Date().toISOString() };
        const result = await fn(tx);
        if (touched.size || removed.length) await stamp(trx, [...touched].sort(), removed);
        return result;
      });
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

async function stamp(trx: Transaction<any>, touched: string[], removed: string[]): Promise<void> {
  const row = await sql<{ value: number }>`update placement_seq set value = value + 1 where id = 1 returning value`.execute(trx);
  const seq = Number(row.rows[0]!.value);
  if (touched.length) await trx.updateTable('resource_providers').set({ change_seq: seq }).where('uuid', 'in', touched).execute();
  for (const uuid of removed) {
    await trx.deleteFrom('provider_tombstones').where('uuid', '=', uuid).execute();
    await trx.insertInto('provider_tombstones').values({ uuid, seq }).execute();
  }
}

/** Changes after `since`: providers to reload and providers deleted, with the highest number seen. */
export async function changesSince(db: Kysely<any>, since: number): Promise<{ changed: string[]; deleted: string[]; seq: number }> {
  const [changed, deleted] = await Promise.all([
    db.selectFrom('resource_providers').select(['uuid', 'change_seq']).where('change_seq', '>', since).execute(),
    db.selectFrom('provider_tombstones').select(['uuid', 'seq']).where('seq', '>', since).execute(),
  ]);
  let seq = since;
  for (const r of changed) seq = Math.max(seq, Number(r.change_seq));
  for (const r of deleted) seq = Math.max(seq, Number(r.seq));
  return { changed: changed.map((r) => r.uuid as string), deleted: deleted.map((r) => r.uuid as string), seq };
}

/** The current change number (read once at a full load). */
export async function currentSeq(db: Kysely<any>): Promise<number> {
  const row = await db.selectFrom('placement_seq').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(row.value);
}
