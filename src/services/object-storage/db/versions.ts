// The object_version table: non-current versions and delete markers of objects in containers
// with X-Versions-Enabled. The current version stays in `object` (its version id in sysmeta).
import { sql, type Kysely } from 'kysely';
import type { RangeQuery } from './listing.ts';
import { isPostgres, toObject, type ObjectRow } from './rows.ts';

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

// PostgreSQL compares and orders names bytewise only in the C collation, as SQLite does
const nameColumn = (db: Db) => (isPostgres(db) ? sql.raw('name collate "C"') : sql.ref('name'));

/** One page of the names a ?versions listing walks: current objects' and archived ones' together. */
export const versionedNamePage = (db: Db, account: string, container: string) => async (r: RangeQuery): Promise<Array<{ name: string }>> => {
  const col = nameColumn(db);
  const names = (table: 'object' | 'object_version') => {
    let q = db.selectFrom(table).select('name').where('account', '=', account).where('container', '=', container);
    if (r.gt !== undefined) q = q.where(col, '>', r.gt);
    if (r.gte !== undefined) q = q.where(col, '>=', r.gte);
    if (r.lt !== undefined) q = q.where(col, '<', r.lt);
    return q;
  };
  return db.selectFrom(names('object').union(names('object_version')).as('n')).select('name')
    .orderBy(col, r.desc ? 'desc' : 'asc').limit(r.limit).execute();
};

/** The current rows and the archived versions of these objects (newest first within a name). */
export async function rowsOfNames(db: Db, account: string, container: string, names: string[]): Promise<{ current: ObjectRow[]; archived: VersionRow[] }> {
  if (names.length === 0) return { current: [], archived: [] };
  const current = await db.selectFrom('object').selectAll().where('account', '=', account).where('container', '=', container)
    .where('name', 'in', names).execute();
  const archived = await db.selectFrom('object_version').selectAll().where('account', '=', account).where('container', '=', container)
    .where('name', 'in', names).orderBy('ts', 'desc').execute();
  return { current: current.map(toObject), archived: archived.map(toVersion) };
}
