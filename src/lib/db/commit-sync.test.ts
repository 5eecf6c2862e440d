import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { walCommitSync } from './commit-sync.ts';
import { adaptDatabaseSync, openSqliteFile } from './sqlite.ts';

/** A WAL database whose log syncs are counted, and can be held open to see what queues. */
function setup(t: { after(fn: () => void | Promise<void>): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-commit-sync-'));
  const file = join(dir, 'db.sqlite');
  const raw = openSqliteFile(file);
  const calls: Array<{ release: () => void }> = [];
  let hold = false;
  const syncs = walCommitSync(raw, file, {
    datasync: async (fh: FileHandle) => {
      await fh.datasync();
      if (hold) await new Promise<void>((release) => calls.push({ release }));
      else calls.push({ release: () => {} });
    },
  });
  const db = adaptDatabaseSync(raw, syncs.afterStatement);
  db.prepare('CREATE TABLE t (v INTEGER)').run([]);
  const exec = (sql: string) => db.prepare(sql).run([]);
  t.after(async () => {
    await syncs.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { syncs, exec, calls, holdSyncs: (on: boolean) => { hold = on; } };
}

test('a commit is synced once; with nothing new committed, sync() touches no file', async (t) => {
  const { syncs, exec, calls } = setup(t);
  await syncs.sync();
  assert.equal(calls.length, 0);
  exec('INSERT INTO t VALUES (1)');
  await syncs.sync();
  assert.equal(calls.length, 1);
  await syncs.sync();
  assert.equal(calls.length, 1);
});

test('changes inside an open transaction are not committed: no sync until COMMIT', async (t) => {
  const { syncs, exec, calls } = setup(t);
  exec('BEGIN IMMEDIATE');
  exec('INSERT INTO t VALUES (1)');
  await syncs.sync();
  assert.equal(calls.length, 0);
  exec('COMMIT');
  await syncs.sync();
  assert.equal(calls.length, 1);
});

test('group commit: callers share a running sync, and a commit made during it gets the next one', async (t) => {
  const { syncs, exec, calls, holdSyncs } = setup(t);
  holdSyncs(true);
  exec('INSERT INTO t VALUES (1)');
  const first = [syncs.sync(), syncs.sync(), syncs.sync()];
  await until(() => calls.length === 1);
  exec('INSERT INTO t VALUES (2)'); // committed after the running sync began
  let laterDone = false;
  const later = [syncs.sync(), syncs.sync()].map((p) => p.then(() => { laterDone = true; }));
  calls[0].release();
  await Promise.all(first);
  await until(() => calls.length === 2);
  assert.equal(laterDone, false, 'the later commit waits for a sync that started after it');
  calls[1].release();
  await Promise.all(later);
  assert.equal(calls.length, 2, 'five callers, two syncs');
});

test('a failed sync fails its callers, and the next sync() tries again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-commit-sync-'));
  const file = join(dir, 'db.sqlite');
  const raw = openSqliteFile(file);
  let fail = true;
  const syncs = walCommitSync(raw, file, { datasync: async (fh) => { if (fail) throw new Error('EIO'); await fh.datasync(); } });
  const db = adaptDatabaseSync(raw, syncs.afterStatement);
  t.after(async () => { await syncs.close(); db.close(); rmSync(dir, { recursive: true, force: true }); });
  db.prepare('CREATE TABLE t (v INTEGER)').run([]);
  db.prepare('INSERT INTO t VALUES (1)').run([]);
  await assert.rejects(syncs.sync(), /EIO/);
  fail = false;
  await syncs.sync();
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
}
