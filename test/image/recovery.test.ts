// A process killed mid-upload leaves an image `saving` with a lock nobody renews: the sweeper
// puts it back to `queued`, but never touches a transfer that is alive, and removes what the dead
// writer left. On SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/lib/db/index.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { migrations } from '../../src/services/image/db/migrations.ts';
import { createTransfers } from '../../src/services/image/service/transfers.ts';
import { cleanupDeadTransfer } from '../../src/services/image/service/recovery.ts';
import { buildStores } from '../../src/services/image/stores/index.ts';
import { filesystemStore } from '../../src/services/image/stores/filesystem-store.ts';
import { dbTest } from '../helpers/db.ts';

const image = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id, name: id, status, visibility: 'private', owner: 'p', created_at: new Date().toISOString(), updated_at: new Date().toISOString(), ...extra,
});

dbTest('dead transfers are swept back to queued; live ones are left alone', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const long = new Date(Date.now() - 3600_000).toISOString();
  await db.insertInto('images').values([
    image('dead-upload', 'saving', { lock_token: 't1', lock_heartbeat: long, size: 5 }),
    image('dead-stage', 'uploading', { lock_token: 't2', lock_heartbeat: long }),
    image('staged', 'uploading', { size: 9 }),
    image('fresh', 'saving', { lock_token: 't3', lock_heartbeat: new Date().toISOString() }),
  ]).execute();
  const cleaned: string[] = [];
  const transfers = createTransfers(db, silentLogger(), { staleSeconds: 60, onStale: async (id) => { cleaned.push(id); } });
  try {
    const live = await transfers.begin('staged', ['uploading'], 'importing');
    assert.ok(live);
    await db.updateTable('images').set({ lock_heartbeat: long }).where('id', '=', 'staged').execute();
    const reset = await transfers.sweep();
    assert.deepEqual(reset.sort(), ['dead-stage', 'dead-upload']);
    assert.deepEqual(cleaned.sort(), ['dead-stage', 'dead-upload']);
    const rows = Object.fromEntries((await db.selectFrom('images').select(['id', 'status', 'lock_token', 'size']).execute()).map((r) => [r.id, r]));
    assert.deepEqual([rows['dead-upload'].status, rows['dead-upload'].lock_token, rows['dead-upload'].size], ['queued', null, null]);
    assert.equal(rows['dead-stage'].status, 'queued');
    assert.equal(rows.fresh.status, 'saving');
    assert.equal(rows.staged.status, 'importing', 'this process holds it: not stale');
    // a second transfer cannot take a held image
    assert.equal(await transfers.begin('fresh', ['queued'], 'saving'), undefined);
    live!.end();
  } finally {
    transfers.stop();
  }
});

dbTest('after a dead upload, its unrecorded data and its import lock are removed', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const dir = mkdtempSync(join(tmpdir(), 'stratus-recovery-'));
  try {
    const stores = buildStores(['file:file'], { baseDir: join(dir, 'stores') });
    const staging = filesystemStore('staging', { dir: join(dir, 'staging') });
    for (const s of [...stores.all, staging]) await s.init();
    await db.insertInto('images').values(image('orphan', 'queued')).execute();
    await db.insertInto('tasks').values({ id: 'task-1', type: 'api_image_import', status: 'processing', image_id: 'orphan', created_at: 'x', updated_at: 'x' }).execute();
    await db.insertInto('image_properties').values({ image_id: 'orphan', name: 'os_glance_import_task', value: 'task-1' }).execute();
    // the dead writer stored data but never recorded the location
    await stores.default.add('orphan', (async function* () { yield Buffer.from('bytes'); })());
    await staging.add('orphan', (async function* () { yield Buffer.from('staged'); })());
    await cleanupDeadTransfer(db, stores, staging, 'orphan');
    await assert.rejects(stores.default.size(stores.default.locate('orphan')));
    await assert.rejects(staging.size(staging.locate('orphan')));
    assert.equal((await db.selectFrom('tasks').select('status').where('id', '=', 'task-1').executeTakeFirstOrThrow()).status, 'failure');
    assert.equal((await db.selectFrom('image_properties').selectAll().where('image_id', '=', 'orphan').execute()).length, 0);
    // so the next upload can store its data
    assert.equal((await stores.default.add('orphan', (async function* () { yield Buffer.from('new'); })())).size, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
