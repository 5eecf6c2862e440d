// Start-up recovery. Half-written uploads live only in tmp/ and are dropped; blobs queued for
// unlinking (garbage) are unlinked. After an unclean stop (no clean-shutdown marker), blobs no
// row points at (a crash between placing a blob and committing its row) are removed too — before
// the service takes requests, so no upload in flight can be mistaken for an orphan.
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as store from '../db/store.ts';
import type { SwiftDeps } from './deps.ts';

export interface RecoveryReport { garbage: number; orphans: number; unclean: boolean }

export async function recover(deps: SwiftDeps, root: string): Promise<RecoveryReport> {
  const marker = join(root, 'clean-shutdown');
  const unclean = !existsSync(marker);
  await deps.backend.recover();
  let garbage = 0;
  for (;;) {
    const ids = await store.listGarbage(deps.db, 500);
    if (ids.length === 0) break;
    for (const id of ids) { await deps.backend.remove(id); await store.dropGarbage(deps.db, id); garbage += 1; }
  }
  let orphans = 0;
  if (unclean) {
    for await (const id of deps.backend.ids()) {
      if (!(await store.blobInUse(deps.db, id))) { await deps.backend.remove(id); orphans += 1; }
    }
  }
  await rm(marker, { force: true });
  return { garbage, orphans, unclean };
}

/** Written on a clean stop: the next start can skip the orphan sweep. */
export async function markCleanShutdown(root: string): Promise<void> {
  await writeFile(join(root, 'clean-shutdown'), new Date().toISOString());
}
