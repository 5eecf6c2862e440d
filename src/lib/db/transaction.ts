// Run a function in a transaction: committed if it resolves, rolled back if it throws.
import { Kysely, type Transaction } from 'kysely';
import type { Database } from './database.ts';

/**
 * `inTransaction(database, async (trx) => { … })`. Given a Kysely that already IS a transaction,
 * runs `fn` inside it instead of failing, so repository functions that need atomicity compose.
 *
 * Inside `fn`, use only `trx`. On SQLite the single connection is held by the transaction, so a
 * query on the outer `db` would wait for it forever.
 */
export async function inTransaction<T>(
  target: Database | Kysely<any>,
  fn: (trx: Transaction<any>) => Promise<T>,
): Promise<T> {
  const db = target instanceof Kysely ? target : target.db;
  if (db.isTransaction) return fn(db as Transaction<any>);
  return db.transaction().execute(fn);
}
