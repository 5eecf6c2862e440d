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
  await sleep(35);
  assert.equal(done.length, 1, 'one task moves after starveMs');
  fg.leave();
  await Promise.all(tasks);
  assert.deepEqual(done.sort(), [1, 2, 3]);
});

test('checkpoints pause a running task only while the API is busy', async () => {
  const fg = new Foreground({ starveMs: 1000, graceMs: 1 });
  let passed = false;
  const t = fg.run(async () => { fg.enter(); setTimeout(() => fg.leave(), 20); await sleep(1); await fg.checkpoint(); passed = true; });
  await sleep(10);
  assert.equal(passed, false);
  await t;
  assert.equal(passed, true);
  // idle: no wait at all
  const t0 = Date.now();
  await fg.run(async () => { await fg.checkpoint(); });
  assert.ok(Date.now() - t0 < 50);
});
