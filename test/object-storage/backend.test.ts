// The backend contract for the filesystem backend and the in-memory reference, plus what only
// the filesystem shows: a crashed write leaves its partial data in tmp/ only, and recovery drops it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createFsBackend } from '../../src/services/object-storage/storage/fs-backend.ts';
import { createMemoryBackend } from '../../src/services/object-storage/storage/memory-backend.ts';
import { backendConformance } from './backend-conformance.ts';

const dirs: string[] = [];
const fresh = () => { const d = mkdtempSync(join(tmpdir(), 'swift-backend-')); dirs.push(d); return d; };
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

backendConformance('fs', async () => createFsBackend({ root: fresh() }));
backendConformance('fs without fsync', async () => createFsBackend({ root: fresh(), fsync: false }));
backendConformance('memory', async () => createMemoryBackend());

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
