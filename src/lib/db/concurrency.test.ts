import assert from 'node:assert/strict';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { dbTest } from '../../../test/helpers/db.ts';
import type { Database } from './database.ts';
import { inTransaction } from './transaction.ts';

async function createTables({ db }: Database): Promise<void> {
  await db.schema.createTable('items').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('kind', 'text').execute();
  await db.schema.createTable('counters').addColumn('name', 'text', (c) => c.primaryKey()).addColumn('n', 'integer', (c) => c.notNull()).execute();
  await db.insertInto('counters').values({ name: 'tx', n: 0 }).execute();
}

// On SQLite, Kysely serialises everything on its one connection; a transaction that awaits in
// the middle must not let another request's query in (that query would join the transaction or
// hit "database is locked"). 200 requests at once, half of them transactions, a tenth rolled back.
dbTest('200 concurrent inserts and transactions neither lock up nor interleave', async (database) => {
  await createTables(database);
  const { db } = database;
  const work = Array.from({ length: 200 }, (_, i) => {
    if (i % 2 === 0) return db.insertInto('items').values({ id: `plain-${i}`, kind: 'plain' }).execute().then(() => 'ok');
    return inTransaction(database, async (trx) => {
      await trx.insertInto('items').values({ id: `tx-${i}`, kind: 'tx' }).execute();
      await yieldToLoop(); // let the other 199 requests try to get in
      await trx.updateTable('counters').set((eb) => ({ n: eb('n', '+', 1) })).where('name', '=', 'tx').execute();
      if (i % 10 === 1) throw new Error(`rollback ${i}`);
      return 'ok';
    }).catch((err: Error) => err.message);
  });
  const results = await Promise.all(work);

  const rolledBack = results.filter((r) => r.startsWith('rollback'));
  assert.equal(rolledBack.length, 20);
  assert.equal(results.filter((r) => r === 'ok').length, 180, results.find((r) => r !== 'ok' && !r.startsWith('rollback')));
  const counts = await db.selectFrom('items').select(['kind', (eb) => eb.fn.countAll().as('n')]).groupBy('kind').orderBy('kind').execute();
  assert.deepEqual(counts, [{ kind: 'plain', n: 100 }, { kind: 'tx', n: 80 }]);
  const counter = await db.selectFrom('counters').select('n').where('name', '=', 'tx').executeTakeFirstOrThrow();
  assert.equal(counter.n, 80, 'rolled-back increments are gone, committed ones all counted');
  const ghosts = await db.selectFrom('items').select('id').where('id', 'in', ['tx-1', 'tx-11', 'tx-191']).execute();
  assert.deepEqual(ghosts, []);
}, { timeout: 60_000 });

dbTest('inTransaction commits, rolls back, and joins an enclosing transaction', async (database) => {
  await createTables(database);
  const { db } = database;
  assert.equal(await inTransaction(database, async (trx) => {
    await trx.insertInto('items').values({ id: 'a', kind: 'x' }).execute();
    return 'result';
  }), 'result');

  await assert.rejects(inTransaction(db, async (trx) => {
    await trx.insertInto('items').values({ id: 'b', kind: 'x' }).execute();
    throw new Error('no');
  }), /no/);

  // Nested: the inner call runs in the outer transaction, so the outer rollback undoes both.
  await assert.rejects(inTransaction(database, async (outer) => {
    await outer.insertInto('items').values({ id: 'c', kind: 'x' }).execute();
    await inTransaction(outer, (inner) => {
      assert.equal(inner, outer);
      return inner.insertInto('items').values({ id: 'd', kind: 'x' }).execute();
    });
    throw new Error('outer fails');
  }), /outer fails/);

  const ids = await db.selectFrom('items').select('id').orderBy('id').execute();
  assert.deepEqual(ids.map((r) => r.id), ['a']);
});
