// Legacy object versioning (versioned_writes middleware): a container with X-Versions-Location
// ("stack") or X-History-Location ("history") keeps overwritten objects in another container
// under "<3-hex-digit length><name>/<timestamp>". Here both steps happen inside the writing
// transaction, and the archived version takes over the old blob: no data is copied.
import { PreconditionFailed } from '../../../lib/errors.ts';
import type { ObjectRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import type { SwiftDeps } from './deps.ts';
import { normalTs } from './timestamp.ts';

export interface VersioningMode { mode: 'stack' | 'history'; location: string }

export const DELETE_MARKER_CONTENT_TYPE = 'application/x-deleted;swift_versions_deleted=1';

/** "%03x%s/" of the object name (its length in code points, as Python's len). */
export const versionsPrefix = (name: string) => [...name].length.toString(16).padStart(3, '0') + name + '/';

async function archive(deps: SwiftDeps, trx: any, v: VersioningMode, live: ObjectRow): Promise<void> {
  const target = await store.lockContainer(trx, live.account, v.location);
  if (!target) throw new PreconditionFailed(`Versions container ${v.location} does not exist`);
  const name = versionsPrefix(live.name) + live.ts;
  const existing = await store.getObject(trx, live.account, v.location, name);
  const row: ObjectRow = { ...live, container: v.location, name };
  if (existing) {
    await store.replaceObject(trx, row);
    await store.adjustContainer(trx, live.account, v.location, 0, live.size - existing.size);
  } else {
    await store.insertObject(trx, row);
    await store.adjustContainer(trx, live.account, v.location, 1, live.size);
  }
}

/**
 * Before `live` is overwritten: archive it (DLO manifests are not versioned). Its blob now
 * belongs to the archived row, so the caller must not collect it: returns true then.
 */
export async function beforeOverwrite(deps: SwiftDeps, trx: any, v: VersioningMode, live: ObjectRow, _garbage: Array<string | null>): Promise<boolean> {
  if (live.headers['X-Object-Manifest'] !== undefined) return false;
  await archive(deps, trx, v, live);
  return true;
}

/**
 * DELETE of `live` in a versioned container. Stack mode restores the newest archived version
 * (true) or lets the delete proceed when there is none (false); history mode archives the
 * object, writes a delete marker and removes it (true).
 */
export async function afterDelete(deps: SwiftDeps, trx: any, v: VersioningMode, live: ObjectRow, garbage: Array<string | null>): Promise<boolean> {
  const prefix = versionsPrefix(live.name);
  if (v.mode === 'history') {
    if (live.headers['X-Object-Manifest'] === undefined) await archive(deps, trx, v, live);
    else garbage.push(live.data_id);
    const ts = normalTs(deps.ts.next());
    const marker: ObjectRow = {
      account: live.account, container: v.location, name: prefix + ts, ts, size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e',
      content_type: DELETE_MARKER_CONTENT_TYPE, data_id: null, headers: {}, sysmeta: {}, delete_at: null,
    };
    await store.insertObject(trx, marker);
    await store.adjustContainer(trx, live.account, v.location, 1, 0);
    await store.deleteObjectRow(trx, live.account, live.container, live.name);
    await store.adjustContainer(trx, live.account, live.container, -1, -live.size);
    return true;
  }
  if (!(await store.lockContainer(trx, live.account, v.location))) return false;
  const [newest] = await store.listObjects(trx, live.account, v.location, { prefix, limit: 1, reverse: true });
  if (!newest || !('row' in newest)) return false;
  const version = await store.getObject(trx, live.account, v.location, newest.row.name);
  if (!version || version.content_type === DELETE_MARKER_CONTENT_TYPE) return false;
  const restored: ObjectRow = { ...version, account: live.account, container: live.container, name: live.name, ts: normalTs(deps.ts.next()) };
  await store.replaceObject(trx, restored);
  await store.adjustContainer(trx, live.account, live.container, 0, version.size - live.size);
  await store.deleteObjectRow(trx, live.account, v.location, version.name);
  await store.adjustContainer(trx, live.account, v.location, -1, -version.size);
  garbage.push(live.data_id);
  return true;
}
