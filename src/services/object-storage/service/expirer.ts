// The object expirer: objects whose X-Delete-At has passed are removed in the background (reads
// already treat them as gone the moment they expire).
import * as store from '../db/store.ts';
import type { SwiftDeps } from './deps.ts';
import { expireObject } from './objects.ts';

export interface Expirer { stop(): Promise<void>; runOnce(): Promise<number> }

export function startExpirer(deps: SwiftDeps, intervalSeconds: number): Expirer {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function runOnce(): Promise<number> {
    let removed = 0;
    for (;;) {
      const batch = await store.expiredObjects(deps.db, Math.floor(deps.now()), 500);
      if (batch.length === 0) return removed;
      for (const o of batch) if (await expireObject(deps, o, o.delete_at!)) removed += 1;
      if (batch.length < 500) return removed;
    }
  }

  const tick = () => {
    running = runOnce().catch((err) => { deps.log.warn({ err }, 'object expirer pass failed'); return 0; });
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
