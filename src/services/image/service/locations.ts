// The 2.17 locations API: a service (Nova, Cinder) that put data into one of our stores itself
// registers it as a queued image's location. Only URLs inside an enabled store are accepted;
// the data's size is read from the store and its hashes are taken from validation_data or
// computed by reading it, in a background task, as Glance's location_import flow does.
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { BadRequest, Conflict, Forbidden } from '../../../lib/errors.ts';
import { uuid } from '../../../lib/ids.ts';
import type { ImageDeps } from '../deps.ts';
import { IMPORT_TASK, claimProperty, dropProperty } from './image-props.ts';
import { addLocation, setStatus } from './image-repo.ts';
import type { Image } from './model.ts';
import { createTask, setTaskStatus } from './tasks.ts';

const HASH_LENGTHS: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

export async function addServiceLocation(deps: ImageDeps, ctx: RequestContext, image: Image, body: Record<string, unknown>): Promise<void> {
  const url = body.url;
  if (typeof url !== 'string' || !url) throw new BadRequest("'url' is a required property");
  const validation = (body.validation_data ?? {}) as Record<string, unknown>;
  if (typeof validation !== 'object' || Array.isArray(validation)) throw new BadRequest('validation_data must be an object');
  if (image.status !== 'queued') throw new Conflict(`It's not allowed to add locations if image status is ${image.status}.`);
  if (![...ctx.roles, ...ctx.serviceRoles].includes('service')) throw new Forbidden('http store must be enabled to use location API by normal user.');
  const algo = validation.os_hash_algo as string | undefined;
  const value = validation.os_hash_value as string | undefined;
  if ((algo === undefined) !== (value === undefined)) throw new BadRequest('os_hash_algo and os_hash_value go together in validation_data');
  if (algo !== undefined) {
    if (algo !== 'sha512') throw new BadRequest(`os_hash_algo must be sha512, the algorithm of this cloud, not ${String(algo)}`);
    if (typeof value !== 'string' || !/^[0-9a-f]+$/i.test(value) || value.length !== HASH_LENGTHS[algo]) throw new BadRequest(`os_hash_value: ${String(value)} is not a valid hexadecimal value`);
  }
  const store = deps.stores.forUrl(url);
  if (!store) throw new BadRequest(`Invalid location: ${url} is in none of the enabled stores`);
  const task = await createTask(deps.db, ctx, image.id, { image_id: image.id, loc_url: url, validation_data: validation });
  if (!(await claimProperty(deps.db, image.id, IMPORT_TASK, task.id))) {
    await setTaskStatus(deps.db, task.id, 'failure', { message: 'Another operation holds the image' });
    throw new Conflict(`New operation on image '${image.id}' is not permitted as prior operation is still in progress`);
  }
  deps.background((async () => {
    const transfer = await deps.transfers.begin(image.id, ['queued'], 'importing');
    try {
      if (!transfer) throw new Error('The image is no longer queued');
      await setTaskStatus(deps.db, task.id, 'processing');
      const size = await store.size(url);
      let md5: string | null = null;
      let sha512 = value ?? null;
      if (!sha512) {
        const h = deps.hashers.hasher();
        for await (const chunk of await store.get(url) as Readable) { const w = h.update(chunk as Buffer); if (w) await w; }
        const d = await h.digest();
        md5 = d.md5;
        sha512 = d.sha512;
      }
      const ok = await inTransaction(deps.db, async (trx) => {
        const done = await setStatus(trx, image.id, ['importing'], { status: 'active', size, checksum: md5, os_hash_algo: 'sha512', os_hash_value: sha512, lock_token: null, lock_heartbeat: null }, transfer.token);
        if (done) await addLocation(trx, image.id, { id: uuid(), store: store.id, url, metadata: { store: store.id } }, 0);
        return done;
      });
      if (!ok) throw new Error('The image was deleted');
      await setTaskStatus(deps.db, task.id, 'success', { result: { image_id: image.id } });
    } catch (err) {
      if (transfer) await setStatus(deps.db, image.id, ['importing'], { status: 'queued', lock_token: null, lock_heartbeat: null }, transfer.token).catch(() => undefined);
      await setTaskStatus(deps.db, task.id, 'failure', { message: (err as Error).message });
    } finally {
      transfer?.end();
      await dropProperty(deps.db, image.id, IMPORT_TASK, task.id).catch(() => undefined);
    }
  })());
}
