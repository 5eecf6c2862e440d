// The object_version table: non-current versions and delete markers of objects in containers
// with X-Versions-Enabled. The current version stays in `object` (its version id in sysmeta).
import type { Kysely } from 'kysely';
import { isPostgres, toObject, type ObjectRow } from './rows.ts';
import { sql } from 'kysely';

type Db = Kysely<any>;

export interface VersionRow extends ObjectRow { version_id: string; deleted: boolean }

const toVersion = (r: any): VersionRow => ({ ...toObject({ ...r, delete_at: null }), version_id: r.version_id, deleted: Number(r.deleted) === 1 });

export async function insertVersion(trx: Db, v: VersionRow): Promise<void> {
  await trx.insertInto('object_version').values({
    account: v.account, container: v.container, name: v.name, version_id: v.version_id, ts: v.ts, size: v.size,
    etag: v.etag, content_type: v.content_type, data_id: v.data_id, headers: JSON.stringify(v.headers),
    sysmeta: JSON.stringify(v.sysmeta), deleted: v.deleted ? 1 : 0,
  }).onConflict((oc) => oc.columns(['account', 'container', 'name', 'version_id']).doNothing()).execute();
}

export async function getVersion(db: Db, account: string, container: string, name: string, versionId: string): Promise<VersionRow | undefined> {
  const r = await db.selectFrom('object_version').selectAll().where('account', '=', account).where('container', '=', container)
    .where('name', '=', name).where('version_id', '=', versionId).executeTakeFirst();
  return r ? toVersion(r) : undefined;
}

export async function deleteVersion(trx: Db, account: string, container: string, name: string, versionId: string): Promise<void> {
  await trx.deleteFrom('object_version').where('account', '=', account).where('container', '=', container)
    .where('name', '=', name).where('version_id', '=', versionId).execute();
}

/** The newest archived version of one object (ts order; 'null' versions sort by their ts too). */
export async function newestVersion(db: Db, account: string, container: string, name: string): Promise<VersionRow | undefined> {
  const r = await db.selectFrom('object_version').selectAll().where('account', '=', account).where('container', '=', container)
    .where('name', '=', name).orderBy('ts', 'desc').limit(1).executeTakeFirst();
  return r ? toVersion(r) : undefined;
}

export async function hasVersions(db: Db, account: string, container: string): Promise<boolean> {
  const r = await db.selectFrom('object_version').select('name').where('account', '=', account).where('container', '=', container).limit(1).executeTakeFirst();
  return r !== undefined;
}

/** Archived versions of a container with name > marker (or = marker and older than versionMarker). */
export async function listVersions(db: Db, account: string, container: string, opts: { prefix?: string; marker?: string; limit: number }): Promise<VersionRow[]> {
  const col = isPostgres(db) ? sql.raw('name collate "C"') : sql.ref('name');
  let q = db.selectFrom('object_version').selectAll().where('account', '=', account).where('container', '=', container);
  if (opts.prefix) q = q.where(col, '>=', opts.prefix).where(col, '<', opts.prefix.slice(0, -1) + String.fromCodePoint(opts.prefix.codePointAt(opts.prefix.length - 1)! + 1));
  if (opts.marker) q = q.where(col, '>=', opts.marker);
  const rows = await q.orderBy(col, 'asc').orderBy('ts', 'desc').limit(opts.limit).execute();
  return rows.map(toVersion);
}
