// The requests of object versioning: GET/HEAD/DELETE ?version-id=<id>, PUT ?version-id=<id>
// (that version becomes the current one again) and GET <container>?versions.
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import type { ContainerRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import { deleteVersion, getVersion, insertVersion, listVersions } from '../db/versions.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { pyList, renderContainerListing, type ListingQuery } from '../service/listing-format.ts';
import { collectGarbage, liveObject, type ObjectKey } from '../service/objects.ts';
import { promoteNewest, versionIdOf, VERSION_ID } from '../service/object-versions.ts';
import { isoTs, normalTs, parseTs } from '../service/timestamp.ts';
import { cleanContentType, serveObject } from './object-read.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';
import { plain } from '../service/errors.ts';

/**
 * The version a request names, in stored form, checked in Swift's order: only a container that
 * has had versioning on (enabled or suspended) knows versions other than "null", and an id is
 * any Swift timestamp ("1700000000.1", "1700000000.12345_0").
 */
function versionParam(req: SwiftRequest, container: ContainerRow): string {
  const vid = req.query.get('version-id') ?? '';
  if (vid === 'null') return vid;
  if (container.headers['X-Versions-Enabled'] === undefined) throw new BadRequest('version-aware operations require that the container is versioned');
  const [base = '', offset = ''] = vid.split('_', 2);
  const t = Number(base);
  if (!/^\s*(\d+\.?\d*|\.\d+)\s*$/.test(base) || t >= 1e10 || !/^[0-9a-f]*$/i.test(offset)) throw new BadRequest('Invalid version parameter');
  return normalTs(t);
}

export async function versionedRead(deps: SwiftDeps, req: SwiftRequest, container: ContainerRow, key: ObjectKey): Promise<SwiftResponse> {
  const vid = versionParam(req, container);
  const current = await liveObject(deps, key);
  if (current && versionIdOf(current) === vid) return serveObject(deps, req, current, { [VERSION_ID]: vid });
  const v = await getVersion(deps.db, key.account, key.container, key.name, vid);
  if (!v) throw new NotFound('');
  if (v.deleted) {
    const err = new NotFound('');
    err.headers = { [VERSION_ID]: vid, 'Content-Type': cleanContentType(v.content_type) };
    throw err;
  }
  return serveObject(deps, req, v, { [VERSION_ID]: vid });
}

export async function versionedDelete(deps: SwiftDeps, req: SwiftRequest, container: ContainerRow, key: ObjectKey): Promise<SwiftResponse> {
  const vid = versionParam(req, container);
  const garbage: Array<string | null> = [];
  await inTransaction(deps.db, async (trx) => {
    await store.lockContainer(trx, key.account, key.container);
    const current = await store.getObject(trx, key.account, key.container, key.name);
    if (current && versionIdOf(current) === vid) {
      await store.deleteObjectRow(trx, key.account, key.container, key.name);
      await store.adjustContainer(trx, key.account, key.container, -1, -current.size);
      garbage.push(current.data_id);
    } else {
      const v = await getVersion(trx, key.account, key.container, key.name, vid);
      if (v) {
        await deleteVersion(trx, key.account, key.container, key.name, vid);
        garbage.push(v.data_id);
      }
    }
    await promoteNewest(trx, key);
    await store.addGarbage(trx, garbage, normalTs(deps.ts.next()));
  });
  await collectGarbage(deps, garbage);
  return { status: 204, headers: { [VERSION_ID]: vid } };
}

/**
 * PUT ?version-id=<id> with no body: that version becomes the current one, and the current one
 * an archived version (Swift points its latest-version link at the named version).
 */
export async function versionedPut(deps: SwiftDeps, req: SwiftRequest, container: ContainerRow, key: ObjectKey): Promise<SwiftResponse> {
  const vid = versionParam(req, container);
  const length = req.headers['content-length'];
  if ((length !== undefined && length !== '0') || (length === undefined && req.headers['transfer-encoding'] !== undefined)) {
    throw plain(new BadRequest('PUT version-id requests require a zero byte body'));
  }
  // no blob changes hands: each row keeps its own, and nothing becomes garbage
  const restored = await inTransaction(deps.db, async (trx) => {
    await store.lockContainer(trx, key.account, key.container);
    const current = await store.getObject(trx, key.account, key.container, key.name);
    if (current && versionIdOf(current) === vid) return current;
    const v = await getVersion(trx, key.account, key.container, key.name, vid);
    if (!v || v.deleted) throw plain(new NotFound('The specified version does not exist'));
    if (current) {
      await insertVersion(trx, { ...current, version_id: versionIdOf(current), deleted: false });
      await store.deleteObjectRow(trx, key.account, key.container, key.name);
    }
    await deleteVersion(trx, key.account, key.container, key.name, vid);
    const { version_id: _v, deleted: _d, ...row } = v;
    const sysmeta = { ...row.sysmeta };
    if (vid === 'null') delete sysmeta[VERSION_ID]; else sysmeta[VERSION_ID] = vid;
    await store.insertObject(trx, { ...row, sysmeta });
    await store.adjustContainer(trx, key.account, key.container, current ? 0 : 1, row.size - (current?.size ?? 0));
    return row;
  });
  return { status: 201, headers: { ETag: restored.etag, [VERSION_ID]: vid } };
}

/** GET <container>?versions: every version, newest first within a name. */
export async function objectVersionsListing(deps: SwiftDeps, req: SwiftRequest, row: ContainerRow, q: ListingQuery, contentType: string, headers: Record<string, string>): Promise<SwiftResponse> {
  const versionMarker = req.query.get('version_marker') ?? undefined;
  const current = await store.listObjects(deps.db, row.account, row.name, { prefix: q.prefix, marker: q.marker, limit: q.limit });
  const archived = await listVersions(deps.db, row.account, row.name, { prefix: q.prefix, marker: q.marker, limit: q.limit + 1 });
  type Entry = { name: string; ts: string; record: Record<string, string | number | boolean> };
  const entries: Entry[] = [];
  for (const e of current) {
    if (!('row' in e) || (q.marker && versionMarker && e.row.name === q.marker)) continue;
    const o = await store.getObject(deps.db, row.account, row.name, e.row.name);
    if (!o) continue;
    entries.push({ name: o.name, ts: o.ts, record: record(o, versionIdOf(o), true) });
  }
  const latestSeen = new Set(entries.map((e) => e.name));
  for (const v of archived) {
    if (q.marker && v.name === q.marker && (!versionMarker || v.version_id >= versionMarker)) continue;
    if (q.marker && v.name < q.marker) continue;
    const latest = !latestSeen.has(v.name);
    latestSeen.add(v.name);
    entries.push({ name: v.name, ts: v.ts, record: record(v, v.version_id, latest) });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.ts < b.ts ? 1 : -1));
  const records = entries.slice(0, q.limit).map((e) => e.record);
  if (contentType === 'application/json') return { status: 200, headers, body: pyList(records) };
  const out = renderContainerListing(contentType, row.name, records);
  return { status: out.empty ? 204 : 200, headers, body: out.body };
}

function record(o: { name: string; ts: string; size: number; etag: string; content_type: string }, versionId: string, latest: boolean) {
  return {
    name: o.name, bytes: o.size, hash: o.etag, content_type: cleanContentType(o.content_type),
    last_modified: isoTs(parseTs(o.ts)), version_id: versionId, is_latest: latest,
  };
}
