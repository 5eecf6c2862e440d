// Interoperable image import (Glance 2.6+): PUT /stage puts data in the staging area (image
// `uploading`); POST /import starts a task that brings data into the stores — glance-direct
// from staging, web-download from a URL, copy-image from the image's own data to more stores.
// The request answers 202 at once; the task runs here in the background, with the same data
// path (hashing, inspection, quotas, atomic stores) as a direct upload.
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { BadRequest, Conflict, NotFound, PayloadTooLarge } from '../../../lib/errors.ts';
import { uuid } from '../../../lib/ids.ts';
import type { ImageDeps } from '../deps.ts';
import type { ImageStore } from '../stores/index.ts';
import { imageTarget } from './access.ts';
import { checkFormat } from './format-inspector.ts';
import { dataRequest, transferError, type DataRequest } from './image-data.ts';
import { FAILED, IMPORTING, IMPORT_TASK, claimProperty, dropProperty, setProperty } from './image-props.ts';
import { addLocation, getImage, setStatus } from './image-repo.ts';
import { ingest, type Ingested } from './ingest.ts';
import type { Image } from './model.ts';
import { createTask, getTask, setTaskStatus, type Task } from './tasks.ts';
import { fetchImage, validateImportUri } from './web-download.ts';

export interface ImportRequest {
  method: string;
  uri?: URL;
  stores?: string[];
  allStores: boolean;
  allStoresMustSucceed: boolean;
  body: Record<string, unknown>;
}

/** Glance's RequestDeserializer._validate_import_body. */
export function parseImportBody(body: unknown, enabled: string[]): ImportRequest {
  if (body === undefined || body === null) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest("Import request requires a 'method' field.");
  const b = body as Record<string, any>;
  if (!b.method || typeof b.method !== 'object') throw new BadRequest("Import request requires a 'method' field.");
  if (!('name' in b.method)) throw new BadRequest("Import request requires a 'name' field.");
  if (!enabled.includes(b.method.name)) throw new BadRequest(`Unknown import method name '${String(b.method.name)}'.`);
  const mustSucceed = b.all_stores_must_succeed ?? true;
  if (typeof mustSucceed !== 'boolean') throw new BadRequest("'all_stores_must_succeed' must be boolean value only");
  const allStores = b.all_stores ?? false;
  if (typeof allStores !== 'boolean') throw new BadRequest("'all_stores' must be boolean value only");
  if (b.stores !== undefined && (!Array.isArray(b.stores) || b.stores.some((s: unknown) => typeof s !== 'string'))) throw new BadRequest("'stores' must be a list of store identifiers");
  if (b.stores !== undefined && allStores) throw new BadRequest('All_stores parameter can\'t be used with x-image-meta-store header or stores parameter');
  return { method: b.method.name, stores: b.stores, allStores, allStoresMustSucceed: mustSucceed, body: b };
}

/** PUT /v2/images/{id}/stage: queued → uploading, data in the staging area, size recorded. */
export async function stageImageData(deps: ImageDeps, image: Image, req: DataRequest): Promise<void> {
  if (!deps.settings.importMethods.includes('glance-direct')) throw new NotFound("'glance-direct' method is not available at this site.");
  const { stream, declaredSize } = dataRequest(req);
  if (image.status !== 'queued') throw new Conflict(`Image status transition from ${image.status} to uploading is not allowed`);
  const reservation = await deps.quotas.reserve(deps.db, image.owner ?? undefined, 'stage', declaredSize);
  await deps.quotas.checkUploading(deps.db, image.owner ?? undefined).catch((e) => { reservation.release(); throw e; });
  const transfer = await deps.transfers.begin(image.id, ['queued'], 'uploading');
  if (!transfer) {
    reservation.release();
    throw new Conflict(`Image ${image.id} is being uploaded or is no longer queued`);
  }
  let staged: Ingested | undefined;
  try {
    staged = await ingest({ imageId: image.id, source: stream, store: deps.staging, reservation, sizeCap: deps.settings.imageSizeCap, signal: transfer.signal })
      .catch((err) => { throw err instanceof Conflict ? new Conflict(`The image ${image.id} has data on staging`) : err; });
    if (!(await setStatus(deps.db, image.id, ['uploading'], { size: staged.size, lock_token: null, lock_heartbeat: null }, transfer.token))) {
      throw new NotFound(`Image ${image.id} was deleted while its data was staged`);
    }
    reservation.release(true);
  } catch (err) {
    reservation.release();
    if (staged) await deps.staging.delete(staged.url).catch(() => undefined);
    await setStatus(deps.db, image.id, ['uploading'], { status: 'queued', size: null, lock_token: null, lock_heartbeat: null }, transfer.token).catch(() => undefined);
    throw transferError(err, req, transfer.signal);
  } finally {
    transfer.end();
  }
}

/** The stores an import targets (glance.common.utils.get_stores_from_request). */
function targetStores(deps: ImageDeps, req: ImportRequest, headerStore: string | undefined): ImageStore[] {
  if (req.allStores) return deps.stores.all.filter((s) => !s.readOnly);
  const ids = req.stores ?? (headerStore ? [headerStore] : [deps.stores.default.id]);
  return ids.map((id) => {
    const s = deps.stores.get(id);
    if (!s) throw new Conflict(`Store for identifier ${id} not found`);
    if (s.readOnly) throw new Conflict(`Store ${id} is read-only`);
    return s;
  });
}

/** Glance's import lock: a held os_glance_import_task blocks a new import unless it is stale. */
async function bustStaleLock(deps: ImageDeps, image: Image): Promise<void> {
  const held = image.properties[IMPORT_TASK];
  if (!held) return;
  const task = await getTask(deps.db, held);
  const age = task ? Date.now() - Date.parse(task.updated_at) : Infinity;
  const expiry = (task?.status === 'pending' ? 120 : 60) * 60_000;
  if (!task || task.status === 'success' || task.status === 'failure' || age >= expiry) {
    await dropProperty(deps.db, image.id, IMPORT_TASK, held);
    return;
  }
  throw new Conflict('Image has active task');
}

/** POST /v2/images/{id}/import: checks, takes the import lock, starts the task; answers 202. */
export async function startImport(deps: ImageDeps, ctx: RequestContext, image: Image, body: unknown, headerStore?: string): Promise<void> {
  const req = parseImportBody(body, deps.settings.importMethods);
  const limits = deps.quotas.limits(image.owner ?? undefined);
  if (limits.image_size_total >= 0 && image.owner) {
    const usage = await deps.quotas.usage(deps.db, image.owner);
    if (usage.image_size_total > limits.image_size_total) throw new PayloadTooLarge(`Project quota image_size_total exceeded: limit ${limits.image_size_total}, usage ${usage.image_size_total} MiB`);
  }
  const m = req.method;
  if (image.status === 'active' && m !== 'copy-image') throw new Conflict('Image with status active cannot be target for import');
  if (image.status !== 'active' && m === 'copy-image') throw new Conflict('Only images with status active can be targeted for copying');
  if (image.status !== 'queued' && (m === 'web-download' || m === 'glance-download')) throw new Conflict(`Image needs to be in 'queued' state to use '${m}' method`);
  if (image.status !== 'uploading' && m === 'glance-direct') throw new Conflict("Image needs to be staged before 'glance-direct' method can be used");
  if (!image.container_format) throw new Conflict("'container_format' needs to be set before import");
  if (!image.disk_format) throw new Conflict("'disk_format' needs to be set before import");
  deps.access.enforce(m === 'copy-image' ? 'copy_image' : 'modify_image', imageTarget(image, ctx), ctx);
  await bustStaleLock(deps, image);
  let stores = targetStores(deps, req, headerStore);
  if (m === 'copy-image') {
    const have = new Set(image.locations.map((l) => l.store));
    if (!req.allStores) {
      const dup = stores.find((s) => have.has(s.id));
      if (dup) throw new BadRequest(`Image is already present at store '${dup.id}'`);
    }
    stores = stores.filter((s) => !have.has(s.id));
    if (stores.length === 0) {
      // Nothing to copy: say so the way a finished copy does, so waiters see it complete.
      await setProperty(deps.db, image.id, IMPORTING, '');
      await setProperty(deps.db, image.id, FAILED, image.properties[FAILED] ?? '');
      return;
    }
  }
  if (m === 'web-download') req.uri = validateImportUri((req.body.method as Record<string, unknown>).uri, { allowed: deps.settings.webDownloadAllowed, allowPrivate: deps.settings.webDownloadAllowPrivate });
  const task = await createTask(deps.db, ctx, image.id, { image_id: image.id, import_req: req.body, backend: stores.map((s) => s.id) });
  if (!(await claimProperty(deps.db, image.id, IMPORT_TASK, task.id))) {
    await setTaskStatus(deps.db, task.id, 'failure', { message: 'Another operation holds the image' });
    throw new Conflict(`New operation on image '${image.id}' is not permitted as prior operation is still in progress`);
  }
  deps.background(runImport(deps, ctx, image, req, task, stores).catch((err) => deps.log.error({ err, imageId: image.id }, 'image import crashed')));
}

async function runImport(deps: ImageDeps, ctx: RequestContext, image: Image, req: ImportRequest, task: Task, stores: ImageStore[]): Promise<void> {
  await setTaskStatus(deps.db, task.id, 'processing');
  await setProperty(deps.db, image.id, IMPORTING, stores.map((s) => s.id).join(','));
  await setProperty(deps.db, image.id, FAILED, req.method === 'copy-image' ? image.properties[FAILED] ?? '' : '');
  try {
    if (req.method === 'copy-image') await copyToStores(deps, task, image, req, stores);
    else await importToStores(deps, ctx, task, image, req, stores);
  } finally {
    await dropProperty(deps.db, image.id, IMPORT_TASK, task.id).catch(() => undefined);
  }
}

/** glance-direct and web-download: the image goes importing → active, or back to queued. */
async function importToStores(deps: ImageDeps, ctx: RequestContext, task: Task, image: Image, req: ImportRequest, stores: ImageStore[]): Promise<void> {
  const from = req.method === 'glance-direct' ? 'uploading' : 'queued';
  const transfer = await deps.transfers.begin(image.id, [from], 'importing');
  if (!transfer) {
    await setTaskStatus(deps.db, task.id, 'failure', { message: `Image ${image.id} is no longer ${from}` });
    return;
  }
  const written: Array<{ store: ImageStore; data: Ingested }> = [];
  const failed: string[] = [];
  const reservation = await deps.quotas.reserve(deps.db, image.owner ?? undefined, 'store', image.size ?? undefined);
  try {
    let first: Ingested | undefined;
    for (const store of stores) {
      try {
        const source: AsyncIterable<Buffer> = first
          ? await written[0]!.store.get(first.url) as Readable
          : req.method === 'glance-direct'
            ? await deps.staging.get(deps.staging.locate(image.id)) as Readable
            : await fetchImage(req.uri!, { allowed: deps.settings.webDownloadAllowed, allowPrivate: deps.settings.webDownloadAllowPrivate }, transfer.signal);
        const data = await ingest({
          imageId: image.id, source, store, reservation: first ? noReservation : reservation, sizeCap: deps.settings.imageSizeCap,
          hashers: first ? undefined : deps.hashers, inspect: !first && image.container_format === 'bare', signal: transfer.signal,
          onProgress: (n) => { setTaskStatus(deps.db, task.id, 'processing', { message: `Copied ${Math.floor(n / 1048576)} MiB` }).catch(() => undefined); },
        });
        first ??= data;
        written.push({ store, data });
      } catch (err) {
        if (transfer.signal.aborted) throw err;
        deps.log.warn({ err, imageId: image.id, store: store.id }, 'image import to store failed');
        failed.push(store.id);
        if (req.allStoresMustSucceed) throw err;
      }
      await setProperty(deps.db, image.id, IMPORTING, stores.slice(stores.indexOf(store) + 1).map((s) => s.id).join(','));
    }
    if (!first) throw new Error('The data could not be imported to any store');
    const virtualSize = first.inspection ? checkFormat(image.disk_format, first.inspection, first.size, deps.settings.requireFormatMatch) : null;
    // the staged copy is no longer needed whatever happens next (a failure below removes it too)
    if (req.method === 'glance-direct') await deps.staging.delete(deps.staging.locate(image.id)).catch(() => undefined);
    const ok = await inTransaction(deps.db, async (trx) => {
      const done = await setStatus(trx, image.id, ['importing'], {
        status: 'active', size: first.size, virtual_size: virtualSize, checksum: first.digests!.md5, os_hash_algo: 'sha512',
        os_hash_value: first.digests!.sha512, lock_token: null, lock_heartbeat: null,
      }, transfer.token);
      if (!done) return false;
      for (const [i, w] of written.entries()) await addLocation(trx, image.id, { id: uuid(), store: w.store.id, url: w.data.url, metadata: { store: w.store.id } }, i);
      // one commit: whoever sees the image active sees the import finished, lock and task too
      await setProperty(trx, image.id, FAILED, failed.join(','));
      await setProperty(trx, image.id, IMPORTING, '');
      await dropProperty(trx, image.id, IMPORT_TASK, task.id);
      await setTaskStatus(trx, task.id, 'success', { result: { image_id: image.id }, message: '' });
      return true;
    });
    if (!ok) throw new NotFound(`Image ${image.id} was deleted during the import`);
    reservation.release(true);
    const after = await getImage(deps.db, image.id);
    if (after) deps.notify(ctx, 'image.activate', after);
  } catch (err) {
    reservation.release();
    for (const w of written) await w.store.delete(w.data.url).catch(() => undefined);
    await deps.staging.delete(deps.staging.locate(image.id)).catch(() => undefined);
    const reverted = await setStatus(deps.db, image.id, ['importing'], { status: 'queued', size: null, virtual_size: null, lock_token: null, lock_heartbeat: null }, transfer.token);
    if (reverted) {
      await setProperty(deps.db, image.id, FAILED, [...new Set([...failed, ...stores.map((s) => s.id)])].join(','));
      await setProperty(deps.db, image.id, IMPORTING, '');
    }
    await setTaskStatus(deps.db, task.id, 'failure', { message: (transferError(err, { body: null, headers: {}, aborted: () => false }, transfer.signal) as Error).message });
  } finally {
    transfer.end();
  }
}

const noReservation = { add() { /* counted once, on the first store */ }, release() { /* nothing held */ } };

/** copy-image: more locations for an active image; the image stays active throughout. */
async function copyToStores(deps: ImageDeps, task: Task, image: Image, req: ImportRequest, stores: ImageStore[]): Promise<void> {
  const failed = (image.properties[FAILED] ?? '').split(',').filter(Boolean);
  const src = image.locations[0]!;
  const srcStore = deps.stores.get(src.store) ?? deps.stores.forUrl(src.url);
  let position = image.locations.length;
  for (const [i, store] of stores.entries()) {
    try {
      if (!srcStore) throw new Error(`Store of ${src.url} is not enabled`);
      const data = await ingest({ imageId: image.id, source: await srcStore.get(src.url) as Readable, store, reservation: noReservation, sizeCap: deps.settings.imageSizeCap });
      if (data.size !== image.size) { await store.delete(data.url); throw new Error(`Copied ${data.size} bytes, the image has ${image.size}`); }
      if (!(await getImage(deps.db, image.id))) { await store.delete(data.url); throw new NotFound(`Image ${image.id} was deleted during the copy`); }
      await addLocation(deps.db, image.id, { id: uuid(), store: store.id, url: data.url, metadata: { store: store.id } }, position++);
    } catch (err) {
      deps.log.warn({ err, imageId: image.id, store: store.id }, 'copy-image to store failed');
      failed.push(store.id);
      if (err instanceof NotFound) break;
    }
    await setProperty(deps.db, image.id, IMPORTING, stores.slice(i + 1).map((s) => s.id).join(','));
  }
  await setProperty(deps.db, image.id, FAILED, [...new Set(failed)].join(','));
  const allFailed = failed.length > 0 && req.allStoresMustSucceed;
  await setTaskStatus(deps.db, task.id, allFailed ? 'failure' : 'success', { result: { image_id: image.id }, message: allFailed ? `Copy failed for stores: ${failed.join(',')}` : '' });
}
