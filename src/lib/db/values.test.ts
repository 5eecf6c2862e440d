import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { dbTest } from '../../../test/helpers/db.ts';
import { fromDbBool, fromDbJson, fromDbTime, toDbJson, toDbTime, toDbValue } from './values.ts';

// The table a migration would create, using only the portable types of README.md.
dbTest('booleans, JSON, timestamps and integers round-trip the same way on both engines', async ({ db }) => {
  await db.schema.createTable('images')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(false))
    .addColumn('properties', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint')
    .execute();

  const created = new Date('2024-02-29T23:59:58.123Z');
  await db.insertInto('images').values([
    { id: 'a', name: 'cirros', protected: true, properties: toDbJson({ os: 'linux', tags: ['x', 'ü'], n: 1.5, nested: { ok: true } }), created_at: created, size: 5_000_000_000 },
    { id: 'c', name: 'fedora', protected: false, properties: toDbJson([]), created_at: new Date('2023-12-31T23:00:00.000Z') },
  ]).execute();
  // Alone: in a multi-row insert SQLite fills a missing column with NULL, not its default.
  await db.insertInto('images').values({ id: 'b', name: 'Cirros', properties: null, created_at: toDbTime(new Date('2024-03-01T00:00:00.000Z')) }).execute();

  const a = await db.selectFrom('images').selectAll().where('id', '=', 'a').executeTakeFirstOrThrow();
  // Plain objects on both drivers, so deepEqual works on rows.
  assert.deepEqual(a, {
    id: 'a', name: 'cirros', protected: 1,
    properties: '{"os":"linux","tags":["x","ü"],"n":1.5,"nested":{"ok":true}}',
    created_at: '2024-02-29T23:59:58.123Z', size: 5_000_000_000,
  });
  assert.equal(fromDbBool(a.protected), true);
  assert.deepEqual(fromDbJson(a.properties), { os: 'linux', tags: ['x', 'ü'], n: 1.5, nested: { ok: true } });
  assert.deepEqual(fromDbTime(a.created_at), created);

  const b = await db.selectFrom('images').selectAll().where('id', '=', 'b').executeTakeFirstOrThrow();
  assert.equal(b.protected, 0, 'defaultTo(false) stored as 0');
  assert.equal(fromDbBool(b.protected), false);
  assert.equal(fromDbJson(b.properties), null);
  assert.equal(b.size, null);

  // Booleans in conditions, ISO text sorting chronologically, counts as numbers.
  const protectedIds = await db.selectFrom('images').select('id').where('protected', '=', true).execute();
  assert.deepEqual(protectedIds, [{ id: 'a' }]);
  const byTime = await db.selectFrom('images').select('id').orderBy('created_at').execute();
  assert.deepEqual(byTime.map((r) => r.id), ['c', 'a', 'b']);
  const since = await db.selectFrom('images').select('id').where('created_at', '>=', new Date('2024-01-01T00:00:00Z')).orderBy('id').execute();
  assert.deepEqual(since.map((r) => r.id), ['a', 'b']);
  const { n } = await db.selectFrom('images').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  assert.equal(n, 3);
  const { total } = await db.selectFrom('images').select((eb) => eb.fn.sum('size').as('total')).executeTakeFirstOrThrow();
  assert.equal(Number(total), 5_000_000_000); // sum(bigint) is numeric on PostgreSQL: a string there

  // Raw SQL parameters go through the same conversion.
  const raw = await sql<{ id: string }>`select id from images where protected = ${false} order by id`.execute(db);
  assert.deepEqual(raw.rows, [{ id: 'b' }, { id: 'c' }]);
});

dbTest('LIKE is case-sensitive on both engines; lower() gives the case-insensitive match', async ({ db }) => {
  await db.schema.createTable('names').addColumn('name', 'text').execute();
  await db.insertInto('names').values([{ name: 'cirros' }, { name: 'Cirros' }]).execute();
  const exact = await db.selectFrom('names').select('name').where('name', 'like', 'cir%').execute();
  assert.deepEqual(exact, [{ name: 'cirros' }]);
  const folded = await db.selectFrom('names').select('name').where((eb) => eb(eb.fn('lower', ['name']), 'like', 'cir%')).orderBy('name').execute();
  assert.equal(folded.length, 2);
});

test('toDbValue converts booleans and Dates only', () => {
  assert.equal(toDbValue(true), 1);
  assert.equal(toDbValue(false), 0);
  assert.equal(toDbValue(new Date(0)), '1970-01-01T00:00:00.000Z');
  for (const v of ['true', 1, null, undefined, 2n]) assert.equal(toDbValue(v), v);
  const buf = Buffer.from('x');
  assert.equal(toDbValue(buf), buf);
});

test('fromDb helpers read NULL and reject garbage', () => {
  assert.equal(fromDbBool(null), false);
  assert.equal(fromDbBool(0), false);
  assert.equal(fromDbBool(true), true);
  assert.equal(fromDbTime(null), null);
  assert.throws(() => fromDbTime('yesterday'), /Not a timestamp/);
  assert.throws(() => fromDbJson(42), /Expected JSON text/);
  assert.equal(toDbJson(undefined), null);
});
