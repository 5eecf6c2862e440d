// PUT /v2/images/{id}/file and GET /v2/images/{id}/file (glance.api.v2.image_data).
// Upload safety: the image leaves `queued` only through the data lock (one uploader wins, the
// other gets 409); the data reaches the store under a temporary name and becomes the image's
// location in the same transaction that makes the image active; on any failure — client gone,
// size or checksum mismatch, quota, deletion — the partial data is discarded and the image is
// `queued` again (or stays deleted, with nothing left behind).
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { BadRequest, CloudError, Conflict, Forbidden, Gone, NotFound, PayloadTooLarge, RangeNotSatisfiable, UnsupportedMediaType } from '../../../lib/errors.ts';
import { uuid } from '../../../lib/ids.ts';
import type { ImageDeps } from '../deps.ts';
import type { ImageStore } from '../stores/index.ts';
import { checkFormat } from './format-inspector.ts';
import { addLocation, getImage, setStatus } from './image-repo.ts';
import { ingest, type Ingested } from './ingest.ts';
import { missingFormats, type Image } from './model.ts';

export interface DataRequest {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The raw request, to tell a vanished client from a bad stream. */
  aborted(): boolean;
}

const header = (h: DataRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Glance's deserializer: application/octet-stream only, and an optional declared size. */
export function dataRequest(req: DataRequest): { stream: AsyncIterable<Buffer>; declaredSize?: number } {
  const type = (header(req.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/octet-stream' || !req.body || typeof (req.body as Readable).pipe !== 'function') {
    throw new UnsupportedMediaType(`Content type ${type || 'None'} not supported`);
  }
  const sizeHeader = header(req.headers, 'x-openstack-image-size');
  let declaredSize: number | undefined;
  if (sizeHeader !== undefined) {
    if (!/^\d+$/.test(sizeHeader.trim())) throw new BadRequest('Invalid or missing image size in request headers.');
    declaredSize = Number(sizeHeader);
  }
  // When we stop reading early (quota, size cap, a bad checksum…) the request must stay alive:
  // Node then reads and discards the rest of the body and the client gets our answer, where a
  // destroyed request would only show it a reset connection.
  return { stream: (req.body as Readable).iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>, declaredSize };
}

/** Content-MD5 as a client may send it: hex, or base64 as RFC 1864 says. */
function expectedMd5(h: DataRequest['headers']): string | undefined {
  const v = header(h, 'content-md5')?.trim();
  if (!v) return undefined;
  if (/^[0-9a-fA-F]{32}$/.test(v)) return v.toLowerCase();
  const b = Buffer.from(v, 'base64');
  if (b.length !== 16) throw new BadRequest(`Invalid Content-MD5 header: ${v}`);
  return b.toString('hex');
}

export function storeFor(deps: ImageDeps, id: string | undefined): ImageStore {
  if (!id) return deps.stores.default;
  const s = deps.stores.get(id);
  if (!s) throw new BadRequest(`Store for identifier ${id} not found`);
  if (s.readOnly) throw new Forbidden(`Store ${id} is read-only`);
  return s;
}

export async function uploadImageData(deps: ImageDeps, ctx: RequestContext, image: Image, req: DataRequest): Promise<void> {
  const { stream, declaredSize } = dataRequest(req);
  const store = storeFor(deps, header(req.headers, 'x-image-meta-store'));
  if (image.status !== 'queued') throw new Conflict(`Image status transition from ${image.status} to saving is not allowed`);
  const missing = missingFormats(image);
  if (missing) throw new BadRequest(missing);
  if (declaredSize !== undefined && declaredSize > deps.settings.imageSizeCap) throw new PayloadTooLarge(`The incoming image is too large: the limit is ${deps.settings.imageSizeCap} bytes`);
  const md5 = expectedMd5(req.headers);
  await deps.quotas.checkUploading(deps.db, image.owner ?? undefined);
  const reservation = await deps.quotas.reserve(deps.db, image.owner ?? undefined, 'store', declaredSize);
  const transfer = await deps.transfers.begin(image.id, ['queued'], 'saving');
  if (!transfer) {
    reservation.release();
    if (!(await getImage(deps.db, image.id))) throw new NotFound(`No image found with ID ${image.id}`);
    throw new Conflict(`Image ${image.id} is being uploaded or is no longer queued`);
  }
  let stored: Ingested | undefined;
  try {
    stored = await ingest({
      imageId: image.id, source: stream, store, reservation, sizeCap: deps.settings.imageSizeCap,
      hashers: deps.hashers, inspect: image.container_format === 'bare', signal: transfer.signal,
    });
    if (declaredSize !== undefined && stored.size !== declaredSize) throw new BadRequest(`Size of uploaded data (${stored.size}) does not match the declared image size (${declaredSize})`);
    if (md5 && stored.digests!.md5 !== md5) throw new BadRequest(`Checksum verification failed: the data's MD5 is ${stored.digests!.md5}, Content-MD5 said ${md5}`);
    const virtualSize = stored.inspection ? checkFormat(image.disk_format, stored.inspection, stored.size, deps.settings.requireFormatMatch) : null;
    const committed = await activate(deps, image.id, transfer.token, store.id, stored, virtualSize);
    if (!committed) throw new Gone(`Image ${image.id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`);
    reservation.release(true);
    const after = await getImage(deps.db, image.id);
    if (after) { deps.notify(ctx, 'image.upload', after); deps.notify(ctx, 'image.activate', after); }
  } catch (err) {
    reservation.release();
    if (stored) await store.delete(stored.url).catch((e) => deps.log.error({ err: e, imageId: image.id }, 'could not remove data of a failed upload'));
    await setStatus(deps.db, image.id, ['saving'], { status: 'queued', lock_token: null, lock_heartbeat: null, size: null, virtual_size: null }, transfer.token)
      .catch((e) => deps.log.error({ err: e, imageId: image.id }, 'could not restore image to queued'));
    throw transferError(err, req, transfer.signal);
  } finally {
    transfer.end();
  }
}

/** saving → active with the data's facts and its location, atomically; false if the lock is gone. */
export async function activate(deps: ImageDeps, imageId: string, token: string, storeId: string, data: Ingested, virtualSize: number | null): Promise<boolean> {
  return inTransaction(deps.db, async (trx) => {
    const ok = await setStatus(trx, imageId, ['saving', 'importing'], {
      status: 'active', size: data.size, virtual_size: virtualSize, checksum: data.digests?.md5 ?? null,
      os_hash_algo: data.digests ? 'sha512' : null, os_hash_value: data.digests?.sha512 ?? null, lock_token: null, lock_heartbeat: null,
    }, token);
    if (!ok) return false;
    await addLocation(trx, imageId, { id: uuid(), store: storeId, url: data.url, metadata: { store: storeId } }, 0);
    return true;
  });
}

/**
 * After a transfer stopped early, reads and throws away the rest of the request body so the
 * client, still sending, gets to read our error instead of a stalled or reset connection. A
 * client that keeps sending for too long is cut off.
 */
function discardRest(body: unknown): void {
  const msg = body as (Readable & { complete?: boolean }) | undefined;
  if (!msg || typeof msg.resume !== 'function' || msg.complete || msg.destroyed) return;
  const timer = setTimeout(() => msg.destroy(), DISCARD_MS);
  timer.unref();
  msg.once('end', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
  msg.resume();
}
const DISCARD_MS = 30_000;

/** The error to answer with after a failed transfer (and the rest of the body discarded). */
export function transferError(err: unknown, req: DataRequest, signal: AbortSignal): unknown {
  discardRest(req.body);
  if (signal.aborted && signal.reason instanceof CloudError) return signal.reason;
  if (err instanceof CloudError) return err;
  if (req.aborted() || (err as NodeJS.ErrnoException)?.code === 'ECONNRESET' || (err as Error)?.message === 'aborted') {
    return new BadRequest('The client disconnected before the data was complete');
  }
  return err;
}

export interface Download {
  status: 200 | 204 | 206;
  body?: Readable;
  headers: Record<string, string>;
}

/** Parses a Range header against the image size (bytes=a-b, a-, -n); 416 when unsatisfiable. */
export function parseRange(value: string | undefined, size: number): { offset: number; length: number } | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new RangeNotSatisfiable(`Invalid range: ${value}`);
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) throw new RangeNotSatisfiable(`Invalid range: ${value}`);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) {
    const e = new RangeNotSatisfiable(`Requested range not satisfiable: ${value}`);
    e.headers = { 'Content-Range': `bytes */${size}` };
    throw e;
  }
  return { offset: start, length: end - start + 1 };
}

export async function downloadImageData(deps: ImageDeps, image: Image, headers: Record<string, string | string[] | undefined>, prefer?: string[]): Promise<Download> {
  const locations = [...image.locations];
  if (prefer?.length) locations.sort((a, b) => Number(!prefer.includes(a.store)) - Number(!prefer.includes(b.store)));
  if (locations.length === 0 || image.size === null) return { status: 204, headers: {} };
  const range = parseRange(header(headers, 'range'), image.size);
  for (const loc of locations) {
    const store = deps.stores.get(loc.store) ?? deps.stores.forUrl(loc.url);
    if (!store) continue;
    try {
      const body = await store.get(loc.url, range);
      const out: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
      if (image.checksum) out['Content-MD5'] = image.checksum;
      if (range) {
        out['Content-Range'] = `bytes ${range.offset}-${range.offset + range.length - 1}/${image.size}`;
        out['Content-Length'] = String(range.length);
        return { status: 206, body, headers: out };
      }
      out['Content-Length'] = String(image.size);
      return { status: 200, body, headers: out };
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      deps.log.warn({ imageId: image.id, url: loc.url }, 'image location has no data');
    }
  }
  return { status: 204, headers: {} };
}
