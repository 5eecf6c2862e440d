// Container sync (X-Container-Sync-To: //<realm>/<cluster>/<account>/<container> with a shared
// X-Container-Sync-Key). Realms listed in object_storage.sync_realms name this cloud, so a sync
// is a local copy: every object newer than the container's sync point is copied to the
// destination with its timestamp kept (a hard link, no data copied); the destination keeps
// whichever version is newer, so two containers syncing to each other converge. Deletions are
// not propagated (there are no tombstones).
import * as store from '../db/store.ts';
import type { SwiftDeps } from './deps.ts';
import { putObject } from './objects.ts';
import { VERSION_ID } from './object-versions.ts';

const SYNC_POINT = 'X-Container-Sysmeta-Sync-Point';

export interface ContainerSync { stop(): Promise<void>; runOnce(): Promise<number> }

function localTarget(deps: SwiftDeps, to: string): { account: string; container: string } | undefined {
  if (!to.startsWith('//')) return undefined;
  const [realm, cluster, account, container] = to.slice(2).split('/');
  if (!realm || !cluster || !account || !container) return undefined;
  const known = deps.config.list('object_storage.sync_realms') ?? [];
  if (!known.some((r) => r.toLowerCase() === `${realm}/${cluster}`.toLowerCase())) return undefined;
  return { account: decodeURIComponent(account), container: decodeURIComponent(container) };
}

export function startContainerSync(deps: SwiftDeps, intervalSeconds: number): ContainerSync {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function runOnce(): Promise<number> {
    let copied = 0;
    for (const src of await store.containersWithHeader(deps.db, 'X-Container-Sync-To')) {
      const key = src.headers['X-Container-Sync-Key'];
      const target = localTarget(deps, src.headers['X-Container-Sync-To'] ?? '');
      if (!key || !target) continue;
      const dest = await store.getContainer(deps.db, target.account, target.container);
      if (!dest || dest.headers['X-Container-Sync-Key'] !== key) continue;
      let point = src.headers[SYNC_POINT] ?? '0';
      for (;;) {
        const batch = await store.objectsSince(deps.db, src.account, src.name, point, 200);
        for (const o of batch) {
          const sysmeta = { ...o.sysmeta };
          delete sysmeta[VERSION_ID];
          await putObject(deps, {
            account: target.account, container: target.container, name: o.name, ts: o.ts,
            source: { blob: { id: o.data_id, size: o.size, etag: o.etag } }, contentType: o.content_type,
            headers: o.headers, sysmeta, deleteAt: o.delete_at, rowEtag: o.etag,
          }).then(() => { copied += 1; }, (err) => deps.log.warn({ err, object: o.name }, 'container sync could not copy an object'));
          point = o.ts;
        }
        if (batch.length < 200) break;
      }
      const fresh = await store.getContainer(deps.db, src.account, src.name);
      if (fresh && point !== (fresh.headers[SYNC_POINT] ?? '0')) {
        await store.setContainerSysmeta(deps.db, src.account, src.name, { ...fresh.headers, [SYNC_POINT]: point });
      }
    }
    return copied;
  }

  const tick = () => {
    running = runOnce().catch((err) => { deps.log.warn({ err }, 'container sync pass failed'); return 0; });
    running.finally(() => { if (!stopped) { timer = setTimeout(tick, intervalSeconds * 1000); timer.unref(); } });
  };
  timer = setTimeout(tick, intervalSeconds * 1000);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
