import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { sql, type Kysely } from 'kysely';
import { dbTest } from '../../../test/helpers/db.ts';
import { appliedIds, migrate, type Migration } from './migrate.ts';

// Looks in the test's own schema only: Kysely's introspector reads every schema, and other test
// files drop theirs concurrently, which PostgreSQL reports as "schema … does not exist".
async function tableExists(db: Kysely<any>, name: string): Promise<boolean> {
  try {
    await sql`select 1 from ${sql.id(name)} limit 0`.execute(db);
    return true;
  } catch (err) {
    if (/no such table|does not exist/.test((err as Error).message)) return false;
    throw err;
  }
}

function recording(calls: string[], ids: string[]): Migration[] {
  return ids.map((id) => ({
    id,
    up: async (db) => {
      calls.push(id);
      await db.schema.createTable(`t_${id}`).addColumn('id', 'text', (c) => c.primaryKey()).execute();
    },
  }));
}

dbTest('migrate applies pending migrations once, in array order', async (database) => {
  const { db } = database;
  const calls: string[] = [];
  const migrations = recording(calls, ['0002_b', '0001_a', '0003_c']);
  assert.deepEqual(await migrate(database, migrations), ['0002_b', '0001_a', '0003_c']);
  assert.deepEqual(calls, ['0002_b', '0001_a', '0003_c']);
  assert.deepEqual(await migrate(database, migrations), []);
  assert.deepEqual(calls, ['0002_b', '0001_a', '0003_c'], 'a second run applies nothing');
  assert.deepEqual([...await appliedIds(db)].sort(), ['0001_a', '0002_b', '0003_c']);

  // A migration added later (even between known ones) is applied on the next run.
  const more = recording(calls, ['0002_b', '0002_x', '0001_a', '0003_c']);
  assert.deepEqual(await migrate(database, more), ['0002_x']);
  assert.ok(await tableExists(db, 't_0002_x'));
});

dbTest('a failing migration rolls back, is not recorded, and stops the run', async (database) => {
  const { db } = database;
  const calls: string[] = [];
  const failing: Migration = {
    id: '0002_broken',
    up: async (trx) => {
      calls.push('0002_broken');
      await trx.schema.createTable('half_made').addColumn('id', 'text').execute();
      await trx.insertInto('half_made').values({ id: 'x' }).execute();
      throw new Error('boom');
    },
  };
  const migrations = [...recording(calls, ['0001_a']), failing, ...recording(calls, ['0003_c'])];

  await assert.rejects(migrate(database, migrations), (err: Error) => {
    assert.match(err.message, /Migration 0002_broken failed: boom/);
    assert.equal((err.cause as Error).message, 'boom');
    return true;
  });
  assert.deepEqual(calls, ['0001_a', '0002_broken'], '0003 is not attempted after a failure');
  assert.equal(await tableExists(db, 'half_made'), false, 'DDL of the failed migration rolled back');
  assert.equal(await tableExists(db, 't_0001_a'), true, 'earlier migration kept');
  assert.deepEqual([...await appliedIds(db)], ['0001_a']);

  // Fixed, it runs on the next start.
  const fixed = [...recording([], ['0001_a']), { id: '0002_broken', up: async () => {} }, ...recording(calls, ['0003_c'])];
  assert.deepEqual(await migrate(database, fixed), ['0002_broken', '0003_c']);
});

dbTest('duplicate migration ids are refused before anything runs', async (database) => {
  const calls: string[] = [];
  await assert.rejects(migrate(database, recording(calls, ['0001_a', '0001_a'])), /Duplicate migration id 0001_a/);
  assert.deepEqual(calls, []);
});

// Two PROCESSES, not two handles in one process: SQLite's busy wait is synchronous, so two
// connections in one thread would block each other; separate processes is the real case anyway.
// Each child opens the database, says "ready", and migrates when the parent says "go", so both
// read the (empty) list of applied migrations before either has applied one.
const CHILD = `
  import { openDatabase, migrate } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)};
  import { once } from 'node:events';
  import { setTimeout as sleep } from 'node:timers/promises';
  const [url, service] = process.argv.slice(-2);
  const database = await openDatabase(url, { service });
  const step = (id) => ({ id, up: async (db) => {
    await sleep(30); // hold the lock a while: the other process must wait, then see this applied
    await db.schema.createTable('t_' + id).addColumn('id', 'text', (c) => c.primaryKey()).execute();
    await db.insertInto('ran').values({ id, pid: String(process.pid) }).execute();
  } });
  const migrations = [
    { id: '0000_ran', up: (db) => db.schema.createTable('ran').addColumn('id', 'text').addColumn('pid', 'text').execute() },
    step('0001'), step('0002'), step('0003'),
  ];
  process.stdout.write('ready\\n');
  await once(process.stdin, 'data');
  const ran = await migrate(database, migrations);
  await database.close();
  process.stdout.write(JSON.stringify(ran));
  process.exit(0);
`;

function startChild(url: string, service: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, '--', url, service], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => { if (stdout.startsWith('ready\n')) resolve(); });
    child.on('exit', () => reject(new Error(`child exited before ready: ${stderr}`)));
  });
  const done = new Promise<string[]>((resolve, reject) => {
    child.on('exit', (code) => code === 0
      ? resolve(JSON.parse(stdout.slice('ready\n'.length)))
      : reject(new Error(`child failed (${code}): ${stderr}`)));
  });
  done.catch(() => {}); // reported where awaited; do not also crash as unhandled
  return { ready, done, go: () => child.stdin.end('go\n') };
}

const RACED = ['0000_ran', '0001', '0002', '0003'];

dbTest('two processes migrating a fresh database at once apply each migration exactly once', async (database, { url, service }) => {
  const [ranA, ranB] = await raceTwoChildren(url, service);
  assert.deepEqual([...ranA, ...ranB].sort(), RACED, `a=${ranA} b=${ranB}`);
  const rows = await database.db.selectFrom('ran').select('id').orderBy('id').execute();
  assert.deepEqual(rows.map((r) => r.id), ['0001', '0002', '0003']);
}, { timeout: 30_000 });

// The upgrade case: the table exists, so both children read "nothing new applied" without a lock
// at the same moment and must rely on the lock plus the re-check inside it.
dbTest('two processes upgrading at once apply each new migration exactly once', async (database, { url, service }) => {
  await migrate(database, [{ id: '0000_ran', up: (db) => db.schema.createTable('ran').addColumn('id', 'text').addColumn('pid', 'text').execute() }]);
  const [ranA, ranB] = await raceTwoChildren(url, service);
  assert.deepEqual([...ranA, ...ranB].sort(), RACED.slice(1), `a=${ranA} b=${ranB}`);
  const rows = await database.db.selectFrom('ran').select('id').orderBy('id').execute();
  assert.deepEqual(rows.map((r) => r.id), ['0001', '0002', '0003']);
}, { timeout: 30_000 });

async function raceTwoChildren(url: string, service: string): Promise<string[][]> {
  const children = [startChild(url, service), startChild(url, service)];
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  return Promise.all(children.map((c) => c.done));
}
