import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFernetKey } from './fernet.ts';
import { createDirectoryKeyRepo, defaultKeyRepoDir } from './key-repository-dir.ts';
import { createInMemoryKeyRepo, planRotation } from './key-repository.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const base = mkdtempSync(join(tmpdir(), 'stratus-fernet-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return base;
}

const files = (dir: string) => readdirSync(dir).sort((a, b) => Number(a) - Number(b));

test('planRotation follows rotate_keys: 0 → max+1, oldest secondaries beyond max-1 go', () => {
  assert.deepEqual(planRotation([0], 3), { newPrimary: 1, purge: [] });
  assert.deepEqual(planRotation([0, 1], 3), { newPrimary: 2, purge: [] });
  assert.deepEqual(planRotation([0, 1, 2], 3), { newPrimary: 3, purge: [1] });
  assert.deepEqual(planRotation([0, 2, 5, 7], 3), { newPrimary: 8, purge: [2, 5] });
  assert.deepEqual(planRotation([0, 3, 4], 5), { newPrimary: 5, purge: [] });
  assert.throws(() => planRotation([1, 2], 3), /staged key 0/);
  assert.throws(() => planRotation([0, 1], 0), /maxActiveKeys/);
});

test('directory: setup creates 0 and 1, owner-only, in a 0700 directory', (t) => {
  const dir = defaultKeyRepoDir(tempDir(t));
  assert.match(dir, /fernet-keys$/);
  const repo = createDirectoryKeyRepo(dir);
  repo.setup();
  assert.deepEqual(files(dir), ['0', '1']);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const f of files(dir)) {
    assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
    assert.match(readFileSync(join(dir, f), 'utf8'), /^[A-Za-z0-9_-]{43}=$/);
  }
  const [primary, staged] = repo.load();
  assert.equal(primary, readFileSync(join(dir, '1'), 'utf8'));
  assert.equal(staged, readFileSync(join(dir, '0'), 'utf8'));
});

test('directory: setup is a no-op once key 0 exists', (t) => {
  const dir = tempDir(t);
  const repo = createDirectoryKeyRepo(dir);
  repo.setup();
  const before = repo.load();
  repo.setup();
  assert.deepEqual(repo.load(), before);
});

test('directory: rotation layout and key movement match keystone-manage fernet_rotate', (t) => {
  const dir = tempDir(t);
  const repo = createDirectoryKeyRepo(dir);
  repo.setup();
  const staged = readFileSync(join(dir, '0'), 'utf8');
  const primary = readFileSync(join(dir, '1'), 'utf8');
  repo.rotate(3);
  assert.deepEqual(files(dir), ['0', '1', '2']);
  assert.equal(readFileSync(join(dir, '2'), 'utf8'), staged, 'the staged key is promoted');
  assert.equal(readFileSync(join(dir, '1'), 'utf8'), primary, 'the old primary stays as a secondary');
  assert.notEqual(readFileSync(join(dir, '0'), 'utf8'), staged, 'a new staged key');
  repo.rotate(3);
  assert.deepEqual(files(dir), ['0', '2', '3']);
  repo.rotate(3);
  assert.deepEqual(files(dir), ['0', '3', '4']);
  repo.rotate(5);
  repo.rotate(5);
  assert.deepEqual(files(dir), ['0', '3', '4', '5', '6']);
  repo.rotate(2);
  assert.deepEqual(files(dir), ['0', '7']);
  assert.equal(statSync(join(dir, '0')).mode & 0o777, 0o600);
  assert.equal(repo.load()[0], readFileSync(join(dir, '7'), 'utf8'));
});

test('directory: load orders by number, skips empty, non-numeric and temporary files', (t) => {
  const dir = tempDir(t);
  const [k0, k2, k10] = [generateFernetKey(), generateFernetKey(), generateFernetKey()];
  writeFileSync(join(dir, '0'), k0);
  writeFileSync(join(dir, '2'), k2);
  writeFileSync(join(dir, '10'), k10); // numeric order, not lexical
  writeFileSync(join(dir, '3'), '');
  writeFileSync(join(dir, '0.tmp'), generateFernetKey());
  writeFileSync(join(dir, 'README'), 'x');
  mkdirSync(join(dir, '4'));
  assert.deepEqual(createDirectoryKeyRepo(dir).load(), [k10, k2, k0]);
});

test('directory: a missing repository has no keys', (t) => {
  assert.deepEqual(createDirectoryKeyRepo(join(tempDir(t), 'absent')).load(), []);
});

test('directory: revision moves on own rotation at once, on outside changes after the check interval', (t) => {
  const dir = tempDir(t);
  let clock = 0;
  const repo = createDirectoryKeyRepo(dir, { checkIntervalMs: 1000, now: () => clock });
  repo.setup();
  const r0 = repo.revision();
  assert.equal(repo.revision(), r0, 'stable without changes');
  repo.rotate();
  const r1 = repo.revision();
  assert.notEqual(r1, r0);
  // Another process (keystone-manage, a key sync) rotates behind our back.
  createDirectoryKeyRepo(dir).rotate();
  clock += 500;
  assert.equal(repo.revision(), r1, 'not looked at within the interval');
  clock += 600;
  assert.notEqual(repo.revision(), r1);
});

test('in memory: same rotation semantics, keys primary first', () => {
  const repo = createInMemoryKeyRepo();
  assert.deepEqual(repo.load(), []);
  repo.setup();
  assert.deepEqual([...repo.snapshot().keys()].sort(), [0, 1]);
  const staged = repo.snapshot().get(0);
  const rev = repo.revision();
  repo.rotate();
  repo.rotate();
  assert.deepEqual([...repo.snapshot().keys()].sort(), [0, 2, 3]);
  assert.equal(repo.snapshot().get(2), staged);
  assert.equal(repo.load()[0], repo.snapshot().get(3));
  assert.equal(repo.load().at(-1), repo.snapshot().get(0));
  assert.notEqual(repo.revision(), rev);
});
