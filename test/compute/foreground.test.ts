// The all-in-one's priority rule: background tasks wait while the API is busy (one moves every
// starveMs, so none starves) and run side by side when it is idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Foreground } from '../../src/services/compute/service/foreground.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('background work waits for a busy API, moves one step per starveMs, then runs freely', async () => {
  const fg = new Foreground({ starveMs: 30, graceMs: 5 });
  const done: number[] = [];
  fg.enter();
  const tasks = [1, 2, 3].map((n) => fg.run(async () => { done.push(n); }));
  await sleep(10);
  assert.deepEqual(done, [], 'nothing runs while a request is in flight');
  await sleep(45);
  // one moves after starveMs (two, if this machine is so loaded that the sleep overran by 15 ms)
  assert.ok(done.length >= 1 && done.length < 3, `one task moves after starveMs, not ${done.length}`);
  fg.leave();
  await Promise.all(tasks);
  assert.deepEqual(done.sort(), [1, 2, 3]);
});

test('checkpoints pause a running task only while the API is busy', async () => {
  // starveMs is a minute: a task that waited for it where it should not would miss the 2 s race.
  const fg = new Foreground({ starveMs: 60_000, graceMs: 1 });
  const soon = async <T>(p: Promise<T>) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('waited for starveMs')), 2000); });
    try { return await Promise.race([p, late]); } finally { clearTimeout(timer); }
  };
  let passed = false;
  const t = fg.run(async () => { fg.enter(); setTimeout(() => fg.leave(), 20); await sleep(1); await fg.checkpoint(); passed = true; });
  await sleep(10);
  assert.equal(passed, false);
  await soon(t);
  assert.equal(passed, true, 'released when the request left, not after starveMs');
  // idle: no wait at all
  await soon(fg.run(async () => { await fg.checkpoint(); }));
});

test('a task that pauses in the grace after a request looks again when the grace ends', async () => {
  // leave() armed nothing (nothing was waiting then): the pause itself must arm the grace's end,
  // not starveMs (a minute here), as when a loaded event loop runs the two back to back
  const fg = new Foreground({ starveMs: 60_000, graceMs: 50 });
  let passed = false;
  const t = fg.run(async () => { fg.enter(); fg.leave(); await fg.checkpoint(); passed = true; });
  await sleep(10);
  assert.equal(passed, false, 'paused during the grace');
  await Promise.race([t, sleep(2000)]);
  assert.equal(passed, true, 'released as the grace ended, not after starveMs');
});
