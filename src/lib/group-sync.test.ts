import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupSync } from './group-sync.ts';

/** A sync whose runs are counted and held until released. */
function heldSync() {
  const runs: Array<{ release: (err?: Error) => void }> = [];
  const run = () => new Promise<void>((resolve, reject) => runs.push({ release: (err) => (err ? reject(err) : resolve()) }));
  return { runs, run };
}
const settled = () => new Promise((r) => setImmediate(r));

test('callers during a running sync share the next one, which starts only when it ends', async () => {
  const { runs, run } = heldSync();
  const sync = groupSync(run);
  const first = sync();
  assert.equal(runs.length, 1);
  let laterDone = 0;
  const later = [sync(), sync(), sync()].map((p) => p.then(() => { laterDone++; }));
  await settled();
  assert.equal(runs.length, 1, 'no second sync while one runs');
  runs[0]!.release();
  await first;
  await settled();
  assert.equal(runs.length, 2, 'one more sync for the three that arrived meanwhile');
  assert.equal(laterDone, 0, 'they wait for the sync that began after them');
  runs[1]!.release();
  await Promise.all(later);
  assert.equal(runs.length, 2);
});

test('a caller the running sync covers joins it', async () => {
  const { runs, run } = heldSync();
  let covered = true;
  const sync = groupSync(run, () => covered);
  const first = sync();
  const joined = sync();
  covered = false;
  const next = sync();
  runs[0]!.release();
  await Promise.all([first, joined]);
  await settled();
  assert.equal(runs.length, 2);
  runs[1]!.release();
  await next;
});

test('a failed sync fails its callers, and the next call starts a new one', async () => {
  const { runs, run } = heldSync();
  const sync = groupSync(run);
  const failed = sync();
  runs[0]!.release(new Error('EIO'));
  await assert.rejects(failed, /EIO/);
  const again = sync();
  assert.equal(runs.length, 2);
  runs[1]!.release();
  await again;
});
