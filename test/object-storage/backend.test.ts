// The backend contract for the filesystem backend, the service's tiered one (small objects in
// the database) and the in-memory reference, plus what only the filesystem shows: a crashed
// write leaves its partial data in tmp/ only, and recovery drops it. And the database blobs on
// both engines: where each size goes, ids that only grow.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createFsBackend } from '../../src/services/object-storage/storage/fs-backend.ts';
import { createMemoryBackend } from '../../src/services/object-storage/storage/memory-backend.ts';
import { createDbBlobs } from '../../src/services/object-storage/storage/db-blobs.ts';
import { createTieredBackend, SMALL_MAX } from '../../src/services/object-storage/storage/tiered-backend.ts';
import { migrate, openDatabase, type Database } from '../../src/lib/db/index.ts';
import { migrations } from '../../src/services/object-storage/db/migrations.ts';
import { backendConformance } from './backend-conformance.ts';
import { dbTest } from '../helpers/db.ts';

const dirs: string[] = [];
const fresh = () => { const d = mkdtempSync(join(tmpdir(), 'swift-backend-')); dirs.push(d); return d; };
const databases: Database[] = [];
after(async () => {
  for (const db of databases) await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function tiered(database?: Database) {
  const root = fresh();
  if (!database) {
    database = await openDatabase(`sqlite://${join(root, 'os.db')}`, { service: 'object-storage' });
    databases.push(database);
    await migrate(database, migrations);
  }
  return createTieredBackend(await createDbBlobs(database.db), createFsBackend({ root }));
}

backendConformance('fs', async () => createFsBackend({ root: fresh() }));
backendConformance('fs without fsync', async () => createFsBackend({ root: fresh(), fsync: false }));
backendConformance('tiered (SQLite + fs)', () => tiered());
backendConformance('memory', async () => createMemoryBackend());

async function* pieces(data: Buffer) { for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000); }

dbTest('tiered: objects up to SMALL_MAX bytes live in the database, larger ones in files; ids only grow', async (database) => {
  await migrate(database, migrations);
  const b = await tiered(database);
  await b.recover();
  const atMax = randomBytes(SMALL_MAX);
  const over = randomBytes(SMALL_MAX + 1);
  const small = await b.write(pieces(atMax), { maxSize: 1 << 20 });
  const big = await b.write(pieces(over), { maxSize: 1 << 20 });
  assert.match(small.id!, /^db:\d+$/);
  assert.match(big.id!, /^[0-9a-f]{32}$/);
  assert.deepEqual(await b.readBuffer(small.id!, 0, SMALL_MAX - 1), atMax);
  assert.deepEqual(await b.readBuffer(big.id!, 0, SMALL_MAX), over);
  const rows = await database.db.selectFrom('small_blob').select(['id', 'data']).execute();
  assert.equal(rows.length, 1);
  assert.deepEqual(Buffer.from(rows[0]!.data), atMax);
  // ids only grow: after a removal, and for a new handle on the database (a restart)
  await b.remove(small.id!);
  const next = await b.write(pieces(Buffer.from('x')), { maxSize: 10 });
  const restarted = await (await tiered(database)).write(pieces(Buffer.from('y')), { maxSize: 10 });
  const n = (id: string | null) => Number(id!.slice(3));
  assert.ok(n(small.id) < n(next.id) && n(next.id) < n(restarted.id));
});

test('fs: an interrupted write never appears under data/, and recovery empties tmp/', async () => {
  const root = fresh();
  const b = createFsBackend({ root });
  await b.recover();
  // what a crash mid-write leaves behind
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, 'tmp', 'deadbeef'), 'partial');
  async function* stalls() { yield Buffer.alloc(2 * 1024 * 1024, 120); await new Promise(() => {}); }
  void b.write(stalls(), { maxSize: 1 << 30 });
  await new Promise((r) => setTimeout(r, 50));
  const ids: string[] = [];
  for await (const id of b.ids()) ids.push(id);
  assert.deepEqual(ids, []);
  assert.equal(readdirSync(join(root, 'tmp')).length, 2);
  await createFsBackend({ root }).recover();
  assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  assert.ok(existsSync(join(root, 'data')));
});
