// Object versioning (object_versioning middleware, X-Versions-Enabled: true). The current
// version of an object is its row in `object` (version id = its timestamp, in sysmeta); older
// versions and delete markers live in object_version. Overwrites and deletes move the current
// row there inside their own transaction, taking its blob along: nothing is copied.
import type { ContainerRow, ObjectRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import { deleteVersion, insertVersion, newestVersion } from '../db/versions.ts';
import type { SwiftDeps } from './deps.ts';
import type { ObjectKey } from './objects.ts';
import { normalTs } from './timestamp.ts';
import { DELETE_MARKER_CONTENT_TYPE } from './versioned-writes.ts';

export const VERSION_ID = 'X-Object-Version-Id';
export const versionsEnabled = (c: ContainerRow) => c.headers['X-Versions-Enabled'] === 'True';
/** Objects written while versioning was off have the version id "null". */
export const versionIdOf = (o: ObjectRow) => o.sysmeta[VERSION_ID] ?? 'null';
/** The id a current object is archived under: an unversioned one's is its timestamp, as Swift files it. */
export const archivedIdOf = (o: ObjectRow) => o.sysmeta[VERSION_ID] ?? o.ts;

/**
 * In an overwrite's transaction: archive the replaced current version when versioning is on,
 * or when it is itself a version (versioning suspended since). True: its blob moved along.
 */
export async function keepReplaced(trx: any, container: ContainerRow, live: ObjectRow | undefined): Promise<boolean> {
  if (!live) return false;
  if (!versionsEnabled(container) && !live.sysmeta[VERSION_ID]) return false;
  await insertVersion(trx, { ...live, version_id: archivedIdOf(live), deleted: false });
  return true;
}

/**
 * A DELETE in a versioned container: the current version (if any) is archived and a delete
 * marker written. Returns the marker's version id.
 */
export async function deleteWithMarker(deps: SwiftDeps, trx: any, key: ObjectKey, live: ObjectRow | undefined): Promise<string> {
  if (live) {
    await insertVersion(trx, { ...live, version_id: archivedIdOf(live), deleted: false });
    await store.deleteObjectRow(trx, key.account, key.container, key.name);
    await store.adjustContainer(trx, key.account, key.container, -1, -live.size);
  }
  const ts = normalTs(deps.ts.next());
  await insertVersion(trx, {
    ...key, ts, version_id: ts, size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e', content_type: DELETE_MARKER_CONTENT_TYPE,
    data_id: null, headers: {}, sysmeta: {}, delete_at: null, deleted: true,
  });
  return ts;
}

/** With no current version left, the newest archived one becomes current (unless it is a delete marker). */
export async function promoteNewest(trx: any, key: ObjectKey): Promise<void> {
  if (await store.getObject(trx, key.account, key.container, key.name)) return;
  const newest = await newestVersion(trx, key.account, key.container, key.name);
  if (!newest || newest.deleted) return;
  const { version_id: vid, deleted: _d, ...row } = newest;
  await store.insertObject(trx, { ...row, sysmeta: vid === 'null' ? withoutVersion(row.sysmeta) : { ...row.sysmeta, [VERSION_ID]: vid } });
  await store.adjustContainer(trx, key.account, key.container, 1, row.size);
  await deleteVersion(trx, key.account, key.container, key.name, vid);
}

const withoutVersion = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([k]) => k !== VERSION_ID));
