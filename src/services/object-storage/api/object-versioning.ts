// The requests of object versioning: GET/HEAD/DELETE ?version-id=<id>, PUT ?version-id=<id>
// (that version becomes the current one again) and GET <container>?versions.
import { BadRequest, NotAcceptable, NotFound } from '../../../lib/errors.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { eachListed, type ListEntry } from '../db/listing.ts';
import type { ContainerRow, ObjectRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import { deleteVersion, getVersion, insertVersion, rowsOfNames, versionedNamePage, type VersionRow } from '../db/versions.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { acceptsJson, objectRecord, pyList, type ListingQuery } from '../service/listing-format.ts';
import { collectGarbage, isExpired, liveObject, type ObjectKey } from '../service/objects.ts';
import { symlinkListingFields } from '../service/symlinks.ts';
import { DELETE_MARKER_CONTENT_TYPE } from '../service/versioned-writes.ts';
import { archivedIdOf, promoteNewest, versionIdOf, VERSION_ID } from '../service/object-versions.ts';
import { normalTs } from '../service/timestamp.ts';
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
  const ts = versionTimestamp(vid);
  if (ts === undefined) throw new BadRequest('Invalid version parameter');
  return ts;
}

/** A version id in any Swift timestamp form ("1700000000.1", "1700000000.12345_0"), stored form. */
function versionTimestamp(vid: string): string | undefined {
  const [base = '', offset = ''] = vid.split('_', 2);
  const t = Number(base);
  if (!/^\s*(\d+\.?\d*|\.\d+)\s*$/.test(base) || t >= 1e10 || !/^[0-9a-f]*$/i.test(offset)) return undefined;
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
      await insertVersion(trx, { ...current, version_id: archivedIdOf(current), deleted: false });
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

/** Objects whose versions are read in one query. */
const BATCH = 500;

/**
 * GET <container>?versions, as Swift's object_versioning lists: in JSON only (another format is
 * a 406), every version of each object (an unversioned current one first, then newest first),
 * with prefix, delimiter (subdirs), marker and version_marker (the versions after that one),
 * reverse and limit.
 */
export async function objectVersionsListing(deps: SwiftDeps, req: SwiftRequest, row: ContainerRow, q: ListingQuery, headers: Record<string, string>): Promise<SwiftResponse> {
  if (!acceptsJson(req.query, req.headers)) throw new NotAcceptable('');
  const versionMarker = req.query.get('version_marker') ?? undefined;
  if (versionMarker !== undefined && !q.marker) throw new BadRequest('version_marker param requires marker');
  const after = versionMarker === undefined || versionMarker === 'null' ? versionMarker : versionTimestamp(versionMarker);
  if (after === undefined && versionMarker !== undefined) throw new BadRequest('invalid version_marker param');
  // version ids are timestamps: a delimiter made of their characters would cut them up
  if (q.delimiter && /[0-9.\0]/.test(q.delimiter)) throw new BadRequest('invalid delimiter param');

  // the marker object's own later versions come first when version_marker says where they stop
  const entries: Array<ListEntry<{ name: string }>> = after !== undefined ? [{ row: { name: q.marker! } }] : [];
  const params = { prefix: q.prefix, delimiter: q.delimiter, marker: q.marker, reverse: q.reverse, limit: q.limit };
  await eachListed(params, versionedNamePage(deps.db, row.account, row.name), (e) => entries.push(e));

  const records: Array<Record<string, string | number | boolean>> = [];
  const now = deps.now();
  for (let i = 0; i < entries.length && records.length < q.limit; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    const rows = await rowsOfNames(deps.db, row.account, row.name, batch.flatMap((e) => ('row' in e ? [e.row.name] : [])));
    const current = new Map(rows.current.filter((o) => !isExpired(o, now)).map((o) => [o.name, o]));
    const archived = Map.groupBy(rows.archived, (v) => v.name);
    for (const [k, e] of batch.entries()) {
      if (records.length >= q.limit) break;
      if ('subdir' in e) { records.push({ subdir: e.subdir }); continue; }
      const versions = versionsInOrder(current.get(e.row.name), archived.get(e.row.name) ?? [], q.reverse);
      const resuming = i + k === 0 && after !== undefined;
      for (const v of versions) {
        if (resuming && (v.vid === 'null' || (after !== 'null' && v.vid >= after))) continue;
        if (records.length >= q.limit) break;
        records.push(record(v.o, v.vid, v.latest, row.account));
      }
    }
  }
  const { Vary: _vary, ...rest } = headers;
  return { status: 200, headers: { ...rest, 'Content-Type': 'application/json; charset=utf-8' }, body: pyList(records) };
}

/**
 * One object's versions as Swift lists them: an unversioned current object first, then newest
 * first (oldest first in reverse). The latest is the current one or, with none, a delete marker
 * on top.
 */
function versionsInOrder(current: ObjectRow | undefined, archived: VersionRow[], reverse: boolean) {
  const unversioned = current && versionIdOf(current) === 'null' ? current : undefined;
  const rest = [
    ...(current && !unversioned ? [{ o: current, vid: versionIdOf(current), latest: true }] : []),
    ...archived.map((v) => ({ o: v as ObjectRow, vid: v.version_id, latest: false })),
  ].sort((a, b) => (a.o.ts < b.o.ts ? 1 : a.o.ts > b.o.ts ? -1 : 0));
  if (!current && rest[0]?.o.content_type === DELETE_MARKER_CONTENT_TYPE) rest[0].latest = true;
  if (reverse) rest.reverse();
  return [...(unversioned ? [{ o: unversioned, vid: 'null', latest: true }] : []), ...rest];
}

const record = (o: ObjectRow, versionId: string, latest: boolean, account: string) =>
  ({ ...objectRecord(o), ...symlinkListingFields(o.sysmeta, account), is_latest: latest, version_id: versionId });
