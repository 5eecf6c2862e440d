import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { dbTest } from '../../../test/helpers/db.ts';
import { openDatabase } from './database.ts';
import { migrate } from './migrate.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-db-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

dbTest('a reopened database keeps its data and applied migrations', async (database, { reopen }) => {
  const migrations = [{ id: '0001', up: (db: typeof database.db) => db.schema.createTable('kept').addColumn('id', 'text').execute() }];
  assert.deepEqual(await migrate(database, migrations), ['0001']);
  await database.db.insertInto('kept').values({ id: 'x' }).execute();
  await database.close();
  await database.close(); // idempotent

  const again = await reopen();
  assert.deepEqual(await migrate(again, migrations), []);
  assert.deepEqual(await again.db.selectFrom('kept').selectAll().execute(), [{ id: 'x' }]);
});

test('sqlite: the file gets WAL, busy timeout, foreign keys, NORMAL sync', async (t) => {
  const file = join(tempDir(t), 'nested', 'dir', 'identity.db');
  const database = await openDatabase(`sqlite://${file}`, { service: 'identity' });
  t.after(() => database.close());
  assert.equal(database.dialect, 'sqlite');
  assert.ok(existsSync(file), 'missing parent directories are created');
  const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0];
  assert.equal(await pragma('journal_mode'), 'wal');
  assert.equal(await pragma('busy_timeout'), 5000);
  assert.equal(await pragma('foreign_keys'), 1);
  assert.equal(await pragma('synchronous'), 1); // NORMAL
});

test('sqlite: relative paths and :memory:', async (t) => {
  const dir = tempDir(t);
  const rel = relative(process.cwd(), join(dir, 'rel.db'));
  const onDisk = await openDatabase(`sqlite:${rel}`, { service: 'image' });
  await sql`create table t (id text)`.execute(onDisk.db);
  await onDisk.close();
  assert.ok(existsSync(join(dir, 'rel.db')));

  const a = await openDatabase('sqlite::memory:', { service: 'image' });
  const b = await openDatabase('sqlite::memory:', { service: 'image' });
  await sql`create table only_in_a (id text)`.execute(a.db);
  await assert.rejects(sql`select * from only_in_a`.execute(b.db), /no such table/);
  await a.close();
  await b.close();
});

// Kysely's destroy() does not close a database it never used; close() must still release the file.
test('sqlite: a database never queried is still closed', { skip: existsSync('/proc/self/fd') ? false : 'needs /proc' }, async (t) => {
  const file = join(tempDir(t), 'x.db');
  const openFds = () => readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false; // closed meanwhile (the listing's own fd)
    }
  }).length;
  const unused = await openDatabase(`sqlite://${file}`, { service: 'x' });
  assert.equal(openFds(), 1);
  await unused.close();
  assert.equal(openFds(), 0);
});

test('an unreachable PostgreSQL fails at open, with the password redacted', async () => {
  await assert.rejects(openDatabase('postgres://stratus:s3cret@127.0.0.1:1/nothing', { service: 'identity' }), (err: Error) => {
    assert.match(err.message, /Cannot open PostgreSQL database postgres:\/\/stratus:\*\*\*@127\.0\.0\.1:1\/nothing/);
    assert.doesNotMatch(err.message, /s3cret/);
    return true;
  });
});

test('unknown schemes and bad service names are refused', async () => {
  await assert.rejects(openDatabase('mysql://h/db', { service: 'identity' }), /Unsupported database URL/);
  await assert.rejects(openDatabase('postgres://127.0.0.1:1/x', { service: 'Bad Name' }), /cannot name a database schema/);
});

const pgUrl = process.env.STRATUS_TEST_PG_URL;
test('postgres: each service gets its own schema, used unqualified', { skip: pgUrl ? false : 'STRATUS_TEST_PG_URL not set' }, async (t) => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const [first, second] = [`t_${suffix}_a`, `t_${suffix}-b`];
  const a = await openDatabase(pgUrl!, { service: first });
  const b = await openDatabase(pgUrl!, { service: second });
  t.after(async () => {
    await sql`drop schema if exists ${sql.id(first)} cascade`.execute(a.db);
    await sql`drop schema if exists ${sql.id(second.replace('-', '_'))} cascade`.execute(a.db);
    await a.close();
    await b.close();
  });
  await sql`create table things (id text)`.execute(a.db);
  await sql`create table things (id text)`.execute(b.db); // same name, other schema: no clash
  await sql`insert into things values ('from-a')`.execute(a.db);
  assert.deepEqual((await sql`select * from things`.execute(b.db)).rows, []);
  const where = await sql<{ schema: string }>`select table_schema as schema from information_schema.tables where table_name = 'things' order by 1`.execute(a.db);
  assert.deepEqual(where.rows.map((r) => r.schema), [first, `t_${suffix}_b`].sort());
  // Every pooled connection uses the schema, not just the first one.
  const schemas = await Promise.all(Array.from({ length: 8 }, () => a.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ s: string }>`select current_schema() as s, pg_sleep(0.02)`.execute(trx);
    return rows[0]!.s;
  })));
  assert.deepEqual(new Set(schemas), new Set([first]));
});

dbTest('rows are plain objects, and a repeated `select *` follows a schema change', async (database) => {
  const { db } = database;
  await db.schema.createTable('shape').addColumn('id', 'text').execute();
  await db.insertInto('shape').values({ id: 'a' }).execute();
  const rows = await sql`select * from shape`.execute(database.db);
  assert.deepEqual(rows.rows, [{ id: 'a' }]); // strict: an object's prototype is compared too
  // the same SQL text again reuses the prepared statement, which now yields one more column
  await db.schema.alterTable('shape').addColumn('note', 'text').execute();
  assert.deepEqual((await sql`select * from shape`.execute(database.db)).rows, [{ id: 'a', note: null }]);
});
