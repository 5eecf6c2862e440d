// The requests of object versioning: GET/HEAD/DELETE ?version-id=<id> and GET <container>?versions.
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import type { ContainerRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import { deleteVersion, getVersion, listVersions } from '../db/versions.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { pyList, renderContainerListing, type ListingQuery } from '../service/listing-format.ts';
import { collectGarbage, liveObject, type ObjectKey } from '../service/objects.ts';
import { promoteNewest, versionIdOf, VERSION_ID } from '../service/object-versions.ts';
import { isoTs, normalTs, parseTs } from '../service/timestamp.ts';
import { cleanContentType, serveObject } from './object-read.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';

function versionParam(req: SwiftRequest): string {
  const vid = req.query.get('version-id') ?? '';
  if (vid !== 'null' && !/^\d{10}\.\d{5}$/.test(vid)) throw new BadRequest('Invalid version-id');
  return vid;
}

export async function versionedRead(deps: SwiftDeps, req: SwiftRequest, _c: ContainerRow, key: ObjectKey): Promise<SwiftResponse> {
  const vid = versionParam(req);
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

export async function versionedDelete(deps: SwiftDeps, req: SwiftRequest, _c: ContainerRow, key: ObjectKey): Promise<SwiftResponse> {
  const vid = versionParam(req);
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
