// The data lock of an image. A transfer (upload, stage, import) takes the image from a status it
// may start from to its busy status in one conditional UPDATE that also records a lock token;
// a second transfer finds the status changed and gets 409. While data flows the holder renews a
// heartbeat; when the heartbeat stops (killed process) the sweeper puts the image back to
// `queued`, so no image stays stuck in `saving`. Deleting an image aborts its transfer here, and
// a holder that finds its lock gone (image deleted elsewhere) aborts too.
import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import { Gone } from '../../../lib/errors.ts';
import type { Logger } from '../../../lib/log.ts';
import { setStatus } from './image-repo.ts';
import type { ImageStatus } from './model.ts';

export interface Transfer {
  token: string;
  signal: AbortSignal;
  end(): void;
}

export interface Transfers {
  /** Takes the lock: `from` → `to`; false when the image was not in `from` (or is locked). */
  begin(imageId: string, from: ImageStatus[], to: ImageStatus, extra?: Record<string, unknown>): Promise<Transfer | undefined>;
  /** Aborts this process's transfer of the image (it is being deleted). */
  abort(imageId: string): void;
  /** Returns images whose holder died to `queued` (and fails their tasks); returns their ids. */
  sweep(): Promise<string[]>;
  stop(): void;
}

/** How often the holder renews its heartbeats (and learns that its image was deleted). */
const BEAT_MS = 10_000;

export function createTransfers(db: Kysely<any>, log: Logger, opts: { staleSeconds: number; onStale?: (imageId: string, status: string) => Promise<void> }): Transfers {
  const active = new Map<string, { controller: AbortController; token: string }>();

  const transfers: Transfers = {
    async begin(imageId, from, to, extra = {}) {
      const token = randomBytes(16).toString('hex');
      const ok = await setStatus(db, imageId, from, { status: to, lock_token: token, lock_heartbeat: new Date().toISOString(), ...extra }, null);
      if (!ok) return undefined;
      const controller = new AbortController();
      active.set(imageId, { controller, token });
      return {
        token,
        signal: controller.signal,
        end() { if (active.get(imageId)?.token === token) active.delete(imageId); },
      };
    },
    abort(imageId) {
      active.get(imageId)?.controller.abort(new Gone(`Image ${imageId} was deleted during the transfer`));
    },
    async sweep() {
      const cutoff = new Date(Date.now() - opts.staleSeconds * 1000).toISOString();
      const stale = await db.selectFrom('images').select(['id', 'status', 'lock_token']).where('deleted', '=', 0)
        .where('lock_token', 'is not', null).where('lock_heartbeat', '<', cutoff).execute();
      const reset: string[] = [];
      for (const row of stale) {
        if (active.has(row.id)) continue;
        // A stage that finished keeps `uploading` without a lock; a dead one goes back to queued.
        if (await setStatus(db, row.id, [row.status], { status: 'queued', lock_token: null, lock_heartbeat: null, size: null, virtual_size: null }, row.lock_token)) {
          log.warn({ imageId: row.id, status: row.status }, 'image transfer holder died; image back to queued');
          await opts.onStale?.(row.id, row.status).catch((err) => log.error({ err, imageId: row.id }, 'cleanup after dead transfer failed'));
          reset.push(row.id);
        }
      }
      return reset;
    },
    stop() { clearInterval(timer); for (const t of active.values()) t.controller.abort(new Gone('The image service is stopping')); },
  };
  async function renew(): Promise<void> {
    const now = new Date().toISOString();
    for (const [imageId, t] of active) {
      const r = await db.updateTable('images').set({ lock_heartbeat: now }).where('id', '=', imageId).where('lock_token', '=', t.token).where('deleted', '=', 0).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) t.controller.abort(new Gone(`Image ${imageId} was deleted during the transfer`));
    }
  }
  let ticks = 0;
  const timer = setInterval(() => {
    renew().catch((err) => log.warn({ err }, 'image transfer heartbeat failed'));
    if (++ticks % 3 === 0) transfers.sweep().catch((err) => log.error({ err }, 'image transfer sweep failed'));
  }, BEAT_MS);
  timer.unref();
  return transfers;
}
