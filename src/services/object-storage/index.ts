// The object storage service (Swift API, /v1/AUTH_<project_id>): accounts, containers and
// objects in the service's database, object data as immutable blobs on the filesystem (small
// ones in the database).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineService } from '../../lib/service.ts';
import { constraintsFrom, objectStorageConfig } from './config.ts';
import { migrations } from './db/migrations.ts';
import { objectStoragePolicies } from './policies.ts';
import { badPathReply, swiftRoutes } from './api/router.ts';
import { createFsBackend } from './storage/fs-backend.ts';
import { createDbBlobs } from './storage/db-blobs.ts';
import { createTieredBackend } from './storage/tiered-backend.ts';
import type { SwiftDeps } from './service/deps.ts';
import { startExpirer } from './service/expirer.ts';
import { markCleanShutdown, recover } from './service/recovery.ts';
import { createTimestampSource } from './service/timestamp.ts';
import { startContainerSync } from './service/container-sync.ts';

export const PREFIX = '/object-store';

export default defineService({
  id: 'object-storage',
  prefix: PREFIX,
  catalog: { type: 'object-store', name: 'swift', path: '/v1/AUTH_$(project_id)s' },
  config: objectStorageConfig,
  migrations,
  async init({ config, log, db, dataDir, makePolicy }) {
    const root = join(dataDir, 'object-storage');
    mkdirSync(root, { recursive: true });
    const fsync = config.bool('object_storage.fsync');
    const policy = makePolicy(objectStoragePolicies);
    const deps: SwiftDeps = {
      db: db.db,
      // small objects in the database (one log sync per write), the rest as files
      backend: createTieredBackend(await createDbBlobs(db.db), createFsBackend({ root, fsync })),
      // The row is the object: with fsync on, a reply to a write waits for its commit to be on
      // disk (the shared default, synchronous=NORMAL in WAL mode, alone may lose the last commits
      // on power loss).
      syncCommits: fsync ? db.durableCommits() : async () => {},
      policy,
      constraints: constraintsFrom(config),
      config,
      ts: createTimestampSource(),
      log,
      now: () => Date.now() / 1000,
    };
    const report = await recover(deps, root);
    if (report.unclean || report.garbage) log.info(report, 'object storage recovered its data directory');
    const expirer = startExpirer(deps, config.int('object_storage.expirer_interval'));
    const sync = startContainerSync(deps, config.int('object_storage.sync_interval'));
    return {
      routes: swiftRoutes(deps, PREFIX),
      policy,
      faultStyle: 'swift',
      streamTypes: ['*'],
      badPath: badPathReply,
      async stop() {
        await expirer.stop();
        await sync.stop();
        await deps.backend.close?.();
        await markCleanShutdown(root);
      },
    };
  },
});
