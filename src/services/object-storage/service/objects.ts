// Writing and deleting objects: the data goes to a new blob first (streamed, MD5 on the way),
// then one transaction switches the object row to it, updates the container's stats and queues
// the replaced blob for unlinking. Readers see the old object or the new one, never a mix;
// of two concurrent PUTs the one that commits last wins.
import { inTransaction } from '../../../lib/db/index.ts';
import { NotFound, PayloadTooLarge, PreconditionFailed, Unprocessable } from '../../../lib/errors.ts';
import { isPostgres, type AccountRow, type ContainerRow, type ObjectRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import { BlobTooLarge } from '../storage/backend.ts';
import { normalizeEtag } from './conditional.ts';
import type { SwiftDeps } from './deps.ts';
import { headerPath, type HeaderMap } from './metadata.ts';
import { normalTs } from './timestamp.ts';
import { afterDelete, beforeOverwrite, type VersioningMode } from './versioned-writes.ts';
import { deleteWithMarker, keepReplaced, VERSION_ID, versionsEnabled } from './object-versions.ts';
import { plain } from './errors.ts';

export interface ObjectKey { account: string; container: string; name: string }

/** Where the new data comes from: a request body, or an existing blob (copies: a hard link). */
export type Source = { stream: AsyncIterable<Buffer> } | { blob: { id: string | null; size: number; etag: string } };

export interface PutSpec extends ObjectKey {
  source: Source;
  contentType: string;
  headers: HeaderMap;
  sysmeta?: HeaderMap;
  deleteAt: number | null;
  /** The client's ETag header: 422 when the data does not hash to it. */
  etag?: string;
  /** If-None-Match: * — 412 when the object exists. */
  ifNoneMatch?: boolean;
  /** Force this etag on the row (SLO manifests carry their own). */
  rowEtag?: string;
  /** Keep this timestamp (container sync): the write is skipped when the object is not older. */
  ts?: string;
  /** false: the account had no quota when the request came in (skips the account sums). */
  accountQuota?: boolean;
  /** The container as read when the request came in. */
  known?: ContainerRow;
}

/**
 * Whether the transaction may use the container row read at request start instead of reading it
 * again under lock: on SQLite (the transaction holds the write lock anyway) and when nothing in
 * it needs current numbers (quotas) or moves versions. Its disappearance is still caught: the
 * stats update then changes no row and the transaction rolls back.
 */
const plainContainer = (c: ContainerRow | undefined, trx: any): c is ContainerRow =>
  c !== undefined && !isPostgres(trx) && !Object.keys(c.headers).some((k) =>
    k.startsWith('X-Container-Meta-Quota-') || k === 'X-Versions-Location' || k === 'X-History-Location' || k === 'X-Versions-Enabled');

const QUOTA_KEYS = ['X-Account-Quota-Bytes', 'X-Account-Meta-Quota-Bytes', 'X-Account-Quota-Count'];
export const hasAccountQuota = (a: AccountRow | undefined) => a === undefined || QUOTA_KEYS.some((k) => a.headers[k] !== undefined);

export const isExpired = (o: ObjectRow, now: number) => o.delete_at !== null && o.delete_at <= now;

/** The live object (expired ones count as gone, as Swift's object server treats them). */
export async function liveObject(deps: SwiftDeps, key: ObjectKey): Promise<ObjectRow | undefined> {
  const o = await store.getObject(deps.db, key.account, key.container, key.name);
  return o && !isExpired(o, deps.now()) ? o : undefined;
}

/** Unlinks blobs whose rows are gone; the garbage table remembers them until it is done. */
export async function collectGarbage(deps: SwiftDeps, ids: Array<string | null>): Promise<void> {
  for (const id of ids) {
    if (!id) continue;
    try {
      await deps.backend.remove(id);
      await store.dropGarbage(deps.db, id);
    } catch (err) {
      deps.log.warn({ err, id }, 'could not remove an unused blob; it stays queued');
    }
  }
}

function quotaOf(headers: HeaderMap, key: string): number | undefined {
  const v = headers[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** The versioning mode a container's headers ask for (legacy versioned_writes). */
export function versioningOf(headers: HeaderMap): VersioningMode | undefined {
  if (headers['X-History-Location']) return { mode: 'history', location: headerPath(headers['X-History-Location']) };
  if (headers['X-Versions-Location']) return { mode: 'stack', location: headerPath(headers['X-Versions-Location']) };
  return undefined;
}

export async function putObject(deps: SwiftDeps, spec: PutSpec): Promise<ObjectRow> {
  let blob: { id: string | null; size: number; etag: string };
  if ('stream' in spec.source) {
    try {
      const w = await deps.backend.write(spec.source.stream, { maxSize: deps.constraints.max_file_size });
      blob = { id: w.id, size: w.size, etag: w.md5 };
    } catch (err) {
      if (err instanceof BlobTooLarge) throw plain(new PayloadTooLarge('Your request is too large.'));
      throw err;
    }
  } else {
    const src = spec.source.blob;
    blob = { id: src.id ? await deps.backend.link(src.id) : null, size: src.size, etag: src.etag };
  }
  const garbage: Array<string | null> = [];
  try {
    if (spec.etag !== undefined && normalizeEtag(spec.etag).toLowerCase() !== blob.etag) {
      throw new Unprocessable('');
    }
    const row = await inTransaction(deps.db, async (trx) => {
      const container = plainContainer(spec.known, trx) ? spec.known : await store.lockContainer(trx, spec.account, spec.container);
      if (!container) throw new NotFound('');
      const now = deps.now();
      const old = await store.getObject(trx, spec.account, spec.container, spec.name);
      const live = old && !isExpired(old, now) ? old : undefined;
      if (spec.ifNoneMatch && live) throw new PreconditionFailed('');
      if (spec.ts !== undefined && old && old.ts >= spec.ts) return undefined;
      const dCount = old ? 0 : 1;
      const dBytes = blob.size - (old?.size ?? 0);
      const qBytes = quotaOf(container.headers, 'X-Container-Meta-Quota-Bytes');
      const qCount = quotaOf(container.headers, 'X-Container-Meta-Quota-Count');
      if (qBytes !== undefined && dBytes > 0 && container.bytes_used + dBytes > qBytes) throw new PayloadTooLarge('Upload exceeds quota.');
      if (qCount !== undefined && dCount > 0 && container.object_count + dCount > qCount) throw new PayloadTooLarge('Upload exceeds quota.');
      if (spec.accountQuota !== false) await checkAccountQuota(deps, trx, spec.account, dBytes, dCount);
      const versioning = versioningOf(container.headers);
      const archived = versioning && live ? await beforeOverwrite(deps, trx, versioning, live, garbage)
        : await keepReplaced(trx, container, live);
      const ts = spec.ts ?? normalTs(deps.ts.next());
      const sysmeta = { ...spec.sysmeta };
      delete sysmeta[VERSION_ID];
      if (versionsEnabled(container)) sysmeta[VERSION_ID] = ts;
      const row: ObjectRow = {
        account: spec.account, container: spec.container, name: spec.name, ts,
        size: blob.size, etag: spec.rowEtag ?? blob.etag, content_type: spec.contentType, data_id: blob.id,
        headers: spec.headers, sysmeta, delete_at: spec.deleteAt,
      };
      if (old) {
        await store.replaceObject(trx, row);
        if (old.data_id && !archived) garbage.push(old.data_id);
      } else {
        await store.insertObject(trx, row);
      }
      if (!(await store.adjustContainer(trx, spec.account, spec.container, dCount, dBytes))) throw new NotFound('');
      await store.addGarbage(trx, garbage, row.ts);
      return row;
    });
    if (row === undefined) {
      if (blob.id) await deps.backend.remove(blob.id);
      return (await store.getObject(deps.db, spec.account, spec.container, spec.name))!;
    }
    await collectGarbage(deps, garbage);
    return row;
  } catch (err) {
    if (blob.id) await deps.backend.remove(blob.id).catch(() => {});
    throw err;
  }
}

/** Account quotas (account_quotas middleware): X-Account-Quota-Bytes/-Count or the legacy meta. */
async function checkAccountQuota(deps: SwiftDeps, trx: any, account: string, dBytes: number, dCount: number) {
  const acc = await store.getAccount(trx, account);
  if (!acc) return;
  const qBytes = quotaOf(acc.headers, 'X-Account-Quota-Bytes') ?? quotaOf(acc.headers, 'X-Account-Meta-Quota-Bytes');
  const qCount = quotaOf(acc.headers, 'X-Account-Quota-Count');
  if (qBytes === undefined && qCount === undefined) return;
  const stats = await store.accountStats(trx, account);
  if (qBytes !== undefined && dBytes > 0 && stats.bytes + dBytes > qBytes) throw new PayloadTooLarge('Upload exceeds quota.');
  if (qCount !== undefined && dCount > 0 && stats.objects + dCount > qCount) throw new PayloadTooLarge('Upload exceeds quota.');
}

/**
 * DELETE: 404 when there is nothing live. With legacy versioning an archived version may be
 * restored; with object versioning a delete marker is written (its version id is returned).
 */
export async function deleteObject(deps: SwiftDeps, key: ObjectKey): Promise<{ versionId?: string }> {
  const garbage: Array<string | null> = [];
  const outcome = await inTransaction(deps.db, async (trx) => {
    const container = await store.lockContainer(trx, key.account, key.container);
    if (!container) return { missing: true };
    const old = await store.getObject(trx, key.account, key.container, key.name);
    const expired = old !== undefined && isExpired(old, deps.now());
    if (versionsEnabled(container)) {
      if (expired) { await store.deleteObjectRow(trx, key.account, key.container, key.name); garbage.push(old!.data_id); }
      const versionId = await deleteWithMarker(deps, trx, key, expired ? undefined : old);
      if (expired) await store.adjustContainer(trx, key.account, key.container, -1, -old!.size);
      await store.addGarbage(trx, garbage, versionId);
      return { missing: !old || expired, versionId };
    }
    if (!old) return { missing: true };
    const versioning = versioningOf(container.headers);
    if (versioning && !expired && await afterDelete(deps, trx, versioning, old, garbage)) {
      await store.addGarbage(trx, garbage, normalTs(deps.ts.next()));
      return { missing: false };
    }
    const archived = !expired && await keepReplaced(trx, container, old);
    await store.deleteObjectRow(trx, key.account, key.container, key.name);
    await store.adjustContainer(trx, key.account, key.container, -1, -old.size);
    if (!archived) garbage.push(old.data_id);
    await store.addGarbage(trx, garbage, normalTs(deps.ts.next()));
    // an expired object goes all the same, but the client hears 404 as if it were gone
    return { missing: expired };
  });
  await collectGarbage(deps, garbage);
  if (outcome.missing && !outcome.versionId) throw new NotFound('');
  return { versionId: outcome.versionId };
}

/** POST: replaces the metadata (user meta and the headers a POST may set), keeps the data. */
export async function updateObjectMetadata(deps: SwiftDeps, key: ObjectKey, change: { headers: HeaderMap; contentType?: string; deleteAt: number | null }): Promise<ObjectRow> {
  return inTransaction(deps.db, async (trx) => {
    const old = await store.getObject(trx, key.account, key.container, key.name);
    if (!old || isExpired(old, deps.now())) throw new NotFound('');
    const row: ObjectRow = { ...old, ts: normalTs(deps.ts.next()), headers: change.headers, content_type: change.contentType ?? old.content_type, delete_at: change.deleteAt };
    await store.updateObjectMeta(trx, row);
    return row;
  });
}

/** Removes an object only if it is still the version the expirer saw (X-Delete-At passed). */
export async function expireObject(deps: SwiftDeps, key: ObjectKey, deleteAt: number): Promise<boolean> {
  const garbage: Array<string | null> = [];
  const done = await inTransaction(deps.db, async (trx) => {
    await store.lockContainer(trx, key.account, key.container);
    const o = await store.getObject(trx, key.account, key.container, key.name);
    if (!o || o.delete_at !== deleteAt) return false;
    await store.deleteObjectRow(trx, key.account, key.container, key.name);
    await store.adjustContainer(trx, key.account, key.container, -1, -o.size);
    garbage.push(o.data_id);
    await store.addGarbage(trx, garbage, normalTs(deps.ts.next()));
    return true;
  });
  await collectGarbage(deps, garbage);
  return done;
}

