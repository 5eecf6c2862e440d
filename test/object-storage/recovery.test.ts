// Start-up recovery on its own: queued garbage is unlinked, and after an unclean stop blobs that
// no row points at are swept, while referenced ones stay: files and database blobs alike.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { Config } from '../../src/lib/config.ts';
import { migrate, openDatabase } from '../../src/lib/db/index.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { constraintsFrom, objectStorageConfig } from '../../src/services/object-storage/config.ts';
import { migrations } from '../../src/services/object-storage/db/migrations.ts';
import * as store from '../../src/services/object-storage/db/store.ts';
import type { SwiftDeps } from '../../src/services/object-storage/service/deps.ts';
import { putObject } from '../../src/services/object-storage/service/objects.ts';
import { markCleanShutdown, recover } from '../../src/services/object-storage/service/recovery.ts';
import { createTimestampSource } from '../../src/services/object-storage/service/timestamp.ts';
import { createFsBackend } from '../../src/services/object-storage/storage/fs-backend.ts';
import { createDbBlobs } from '../../src/services/object-storage/storage/db-blobs.ts';
import { createTieredBackend } from '../../src/services/object-storage/storage/tiered-backend.ts';

test('recovery unlinks queued garbage and, after an unclean stop, unreferenced blobs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'swift-recover-'));
  const database = await openDatabase(`sqlite://${join(root, 'os.db')}`, { service: 'object-storage' });
  try {
    await migrate(database, migrations);
    const defaults = Object.fromEntries(Object.entries(objectStorageConfig).map(([k, v]) => [k, v.default]));
    const config = new Config(defaults);
    const deps: SwiftDeps = {
      db: database.db, backend: createTieredBackend(await createDbBlobs(database.db), createFsBackend({ root })), syncCommits: database.durableCommits(), policy: { authorize() {}, isRegistered: () => true },
      constraints: constraintsFrom(config), config, ts: createTimestampSource(), log: silentLogger(), now: () => Date.now() / 1000,
    };
    await recover(deps, root);
    await store.insertContainer(deps.db, { account: 'AUTH_x', name: 'c', created_at: '1', put_timestamp: '1', policy: 'Policy-0', headers: {} });
    const row = await putObject(deps, { account: 'AUTH_x', container: 'c', name: 'o', source: { stream: Readable.from([Buffer.from('data')]) }, contentType: 'x/y', headers: {}, deleteAt: null });
    const big = Buffer.alloc(100_000, 1); // past the database's share: a file
    const orphan = (await deps.backend.write(Readable.from([Buffer.from('orphan')]), { maxSize: 1e6 })).id!;
    const orphanFile = (await deps.backend.write(Readable.from([big]), { maxSize: 1e6 })).id!;
    const queued = (await deps.backend.write(Readable.from([Buffer.from('queued')]), { maxSize: 1e6 })).id!;
    const queuedFile = (await deps.backend.write(Readable.from([big]), { maxSize: 1e6 })).id!;
    assert.deepEqual([orphan, queued].map((id) => id.startsWith('db:')), [true, true]);
    assert.deepEqual([orphanFile, queuedFile].map((id) => id.startsWith('db:')), [false, false]);
    await store.addGarbage(deps.db, [queued, queuedFile], '1');
    await markCleanShutdown(root);
    // a clean stop: garbage goes, nothing is swept
    assert.deepEqual(await recover(deps, root), { garbage: 2, orphans: 0, unclean: false });
    // no marker (crash): the orphans go, the object's blob stays
    assert.deepEqual(await recover(deps, root), { garbage: 0, orphans: 2, unclean: true });
    const ids: string[] = [];
    for await (const id of deps.backend.ids()) ids.push(id);
    assert.deepEqual(ids, [row.data_id]);
    assert.ok(!ids.includes(orphan) && !ids.includes(orphanFile));
    assert.equal(existsSync(join(root, 'clean-shutdown')), false);
  } finally {
    await database.close();
    rmSync(root, { recursive: true, force: true });
  }
});
