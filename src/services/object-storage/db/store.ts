// Queries on accounts, containers and objects. Callers pass the database or, inside a
// transaction, the transaction handle. Container stats (object_count, bytes_used) change only in
// the transaction that changes an object row, so listings and stats always agree.
import { sql, type Kysely } from 'kysely';
import { eachListed, walkListing, type ListEntry, type ListParams, type RangeQuery } from './listing.ts';
import { rawSql, runRaw, type RawSql } from './raw.ts';
import { isPostgres, objectValues, toAccount, toContainer, toObject, type AccountRow, type ContainerRow, type ObjectRow } from './rows.ts';

type Db = Kysely<any>;

// ---------------------------------------------------------------- accounts

export async function getAccount(db: Db, name: string): Promise<AccountRow | undefined> {
  const r = await db.selectFrom('account').selectAll().where('name', '=', name).executeTakeFirst();
  return r ? toAccount(r) : undefined;
}

export async function insertAccount(db: Db, name: string, ts: string, headers: Record<string, string> = {}): Promise<void> {
  await db.insertInto('account').values({ name, created_at: ts, put_timestamp: ts, headers: JSON.stringify(headers) })
    .onConflict((oc) => oc.column('name').doNothing()).execute();
}

export async function setAccountHeaders(db: Db, name: string, headers: Record<string, string>, ts: string): Promise<void> {
  await db.updateTable('account').set({ headers: JSON.stringify(headers), put_timestamp: ts }).where('name', '=', name).execute();
}

export interface AccountStats { containers: number; objects: number; bytes: number }

export async function accountStats(db: Db, name: string): Promise<AccountStats> {
  const r = await db.selectFrom('container')
    .select([
      sql<number>`count(*)`.as('containers'),
      sql<number>`coalesce(sum(object_count), 0)`.as('objects'),
      sql<number>`coalesce(sum(bytes_used), 0)`.as('bytes'),
    ])
    .where('account', '=', name).executeTakeFirst();
  return { containers: Number(r?.containers ?? 0), objects: Number(r?.objects ?? 0), bytes: Number(r?.bytes ?? 0) };
}

export async function listContainers(db: Db, account: string, params: ListParams): Promise<Array<ListEntry<ContainerRow>>> {
  return walkListing(params, async (r) => {
    const { q, bounds } = pageSql(CONTAINER_PAGE, r);
    return (await runRaw(db, q, [account, ...bounds, r.limit])).rows.map(toContainer);
  });
}

const CONTAINER_PAGE = 'select * from "container" where "account" = ?';
const OBJECT_PAGE = 'select "name", "ts", "size", "etag", "content_type", "sysmeta" from "object" where "account" = ? and "container" = ?';

/** Each listing page query, written once per range shape: a long listing runs one per page. */
const PAGE_SQL = new Map<string, RawSql>();

/** `head` selects one account's containers or one container's objects; a page adds the name range. */
function pageSql(head: string, r: RangeQuery): { q: RawSql; bounds: string[] } {
  const lower = r.gt !== undefined ? '>' : r.gte !== undefined ? '>=' : '';
  const key = `${head} ${lower} ${r.lt !== undefined ? '<' : ''} ${r.desc ? 'desc' : 'asc'}`;
  let q = PAGE_SQL.get(key);
  if (!q) {
    // PostgreSQL compares and orders names bytewise only in the C collation, as SQLite does
    const text = (name: string) => head
      + (lower ? ` and ${name} ${lower} ?` : '') + (r.lt !== undefined ? ` and ${name} < ?` : '')
      + ` order by ${name} ${r.desc ? 'desc' : 'asc'} limit ?`;
    q = { sqlite: text('"name"'), pg: rawSql(text('"name" collate "C"')).pg };
    PAGE_SQL.set(key, q);
  }
  const bounds: string[] = [];
  const low = r.gt ?? r.gte;
  if (low !== undefined) bounds.push(low);
  if (r.lt !== undefined) bounds.push(r.lt);
  return { q, bounds };
}

// ---------------------------------------------------------------- containers

const PATH_SQL = rawSql(`select a."name" as a_name, a."created_at" as a_created_at, a."put_timestamp" as a_put_timestamp, a."headers" as a_headers,
  c."name" as c_name, c."created_at" as c_created_at, c."put_timestamp" as c_put_timestamp, c."policy" as c_policy,
  c."object_count" as c_object_count, c."bytes_used" as c_bytes_used, c."headers" as c_headers,
  o."name", o."ts", o."size", o."etag", o."content_type", o."data_id", o."headers", o."sysmeta", o."delete_at"
  from "account" a
  left join "container" c on c."account" = a."name" and c."name" = ?
  left join "object" o on o."account" = a."name" and o."container" = ? and o."name" = ?
  where a."name" = ?`);

/** Account, container and object rows of one object path in one query. */
export async function getPath(db: Db, account: string, container: string, name: string): Promise<{ account?: AccountRow; container?: ContainerRow; object?: ObjectRow }> {
  const r = (await runRaw(db, PATH_SQL, [container, container, name, account])).rows[0];
  if (!r) return {};
  const out: { account?: AccountRow; container?: ContainerRow; object?: ObjectRow } = {
    account: toAccount({ name: r.a_name, created_at: r.a_created_at, put_timestamp: r.a_put_timestamp, headers: r.a_headers }),
  };
  if (r.c_name !== null && r.c_name !== undefined) {
    out.container = toContainer({ account, name: r.c_name, created_at: r.c_created_at, put_timestamp: r.c_put_timestamp, policy: r.c_policy,
      object_count: r.c_object_count, bytes_used: r.c_bytes_used, headers: r.c_headers });
    if (r.name !== null && r.name !== undefined) out.object = toObject({ ...r, account, container });
  }
  return out;
}

/** An account row and one of its containers in one query (a container implies its account). */
export async function getAccountAndContainer(db: Db, account: string, container: string): Promise<{ account?: AccountRow; container?: ContainerRow }> {
  const r = await db.selectFrom('account as a')
    .leftJoin('container as c', (j) => j.onRef('c.account', '=', 'a.name').on('c.name', '=', container))
    .select(['a.name as a_name', 'a.created_at as a_created_at', 'a.put_timestamp as a_put_timestamp', 'a.headers as a_headers',
      'c.name', 'c.created_at', 'c.put_timestamp', 'c.policy', 'c.object_count', 'c.bytes_used', 'c.headers'])
    .where('a.name', '=', account).executeTakeFirst();
  if (!r) return {};
  return {
    account: toAccount({ name: r.a_name, created_at: r.a_created_at, put_timestamp: r.a_put_timestamp, headers: r.a_headers }),
    container: r.name === null || r.name === undefined ? undefined : toContainer({ ...r, account }),
  };
}

export async function getContainer(db: Db, account: string, name: string): Promise<ContainerRow | undefined> {
  const r = await db.selectFrom('container').selectAll().where('account', '=', account).where('name', '=', name).executeTakeFirst();
  return r ? toContainer(r) : undefined;
}

export async function insertContainer(db: Db, c: Omit<ContainerRow, 'object_count' | 'bytes_used'>): Promise<boolean> {
  const r = await db.insertInto('container').values({
    account: c.account, name: c.name, created_at: c.created_at, put_timestamp: c.put_timestamp, policy: c.policy,
    object_count: 0, bytes_used: 0, headers: JSON.stringify(c.headers),
  }).onConflict((oc) => oc.columns(['account', 'name']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function setContainerHeaders(db: Db, account: string, name: string, headers: Record<string, string>, ts: string): Promise<void> {
  await db.updateTable('container').set({ headers: JSON.stringify(headers), put_timestamp: ts })
    .where('account', '=', account).where('name', '=', name).execute();
}

/** Changes stored headers without touching the put timestamp (system bookkeeping). */
export async function setContainerSysmeta(db: Db, account: string, name: string, headers: Record<string, string>): Promise<void> {
  await db.updateTable('container').set({ headers: JSON.stringify(headers) }).where('account', '=', account).where('name', '=', name).execute();
}

export async function containersWithHeader(db: Db, header: string): Promise<ContainerRow[]> {
  const rows = await db.selectFrom('container').selectAll().where('headers', 'like', `%"${header}"%`).execute();
  return rows.map(toContainer);
}

export async function objectsSince(db: Db, account: string, container: string, ts: string, limit: number): Promise<ObjectRow[]> {
  const rows = await db.selectFrom('object').selectAll().where('account', '=', account).where('container', '=', container)
    .where('ts', '>', ts).orderBy('ts').limit(limit).execute();
  return rows.map(toObject);
}

/** Deletes an empty container; false when it still holds objects (or is gone). */
export async function deleteEmptyContainer(db: Db, account: string, name: string): Promise<boolean> {
  const r = await db.deleteFrom('container').where('account', '=', account).where('name', '=', name)
    .where('object_count', '=', 0).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Serializes writers of one container until the transaction ends. SQLite transactions already
 * hold the database's write lock (BEGIN IMMEDIATE); PostgreSQL needs the row lock.
 */
export async function lockContainer(trx: Db, account: string, name: string): Promise<ContainerRow | undefined> {
  let q = trx.selectFrom('container').selectAll().where('account', '=', account).where('name', '=', name);
  if (isPostgres(trx)) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? toContainer(r) : undefined;
}

const ADJUST_SQL = rawSql('update "container" set "object_count" = "object_count" + ?, "bytes_used" = "bytes_used" + ? where "account" = ? and "name" = ?');

/** Changes a container's stats; false when the container is gone. */
export async function adjustContainer(trx: Db, account: string, name: string, dCount: number, dBytes: number): Promise<boolean> {
  const r = await runRaw(trx, ADJUST_SQL, [dCount, dBytes, account, name]);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** A listing's row: `sysmeta` as stored (JSON text), read only for a symlink's listing keys. */
export type ListedObject = Pick<ObjectRow, 'name' | 'ts' | 'size' | 'etag' | 'content_type'> & { sysmeta: string };

export async function listObjects(db: Db, account: string, container: string, params: ListParams): Promise<Array<ListEntry<ListedObject>>> {
  return walkListing(params, objectPage(db, account, container));
}

/** A container's listing, entry by entry (a long one is fetched a page at a time). */
export async function eachObject(db: Db, account: string, container: string, params: ListParams, visit: (entry: ListEntry<ListedObject>) => void): Promise<void> {
  await eachListed(params, objectPage(db, account, container), visit);
}

const objectPage = (db: Db, account: string, container: string) => async (r: RangeQuery): Promise<ListedObject[]> => {
  const { q, bounds } = pageSql(OBJECT_PAGE, r);
  const rows = (await runRaw<ListedObject>(db, q, [account, container, ...bounds, r.limit])).rows;
  for (const row of rows) row.size = Number(row.size);
  return rows;
};

// ---------------------------------------------------------------- objects

const GET_OBJECT_SQL = rawSql('select * from "object" where "account" = ? and "container" = ? and "name" = ?');
const INSERT_OBJECT_SQL = rawSql(`insert into "object" ("account", "container", "name", "ts", "size", "etag", "content_type", "data_id", "headers", "sysmeta", "delete_at")
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const REPLACE_OBJECT_SQL = rawSql(`update "object" set "ts" = ?, "size" = ?, "etag" = ?, "content_type" = ?, "data_id" = ?, "headers" = ?, "sysmeta" = ?, "delete_at" = ?
  where "account" = ? and "container" = ? and "name" = ?`);

export async function getObject(db: Db, account: string, container: string, name: string): Promise<ObjectRow | undefined> {
  const r = (await runRaw(db, GET_OBJECT_SQL, [account, container, name])).rows[0];
  return r ? toObject(r) : undefined;
}

export async function insertObject(trx: Db, o: ObjectRow): Promise<void> {
  const v = objectValues(o);
  await runRaw(trx, INSERT_OBJECT_SQL, [v.account, v.container, v.name, v.ts, v.size, v.etag, v.content_type, v.data_id, v.headers, v.sysmeta, v.delete_at]);
}

export async function replaceObject(trx: Db, o: ObjectRow): Promise<void> {
  const v = objectValues(o);
  await runRaw(trx, REPLACE_OBJECT_SQL, [v.ts, v.size, v.etag, v.content_type, v.data_id, v.headers, v.sysmeta, v.delete_at, v.account, v.container, v.name]);
}

export async function deleteObjectRow(trx: Db, account: string, container: string, name: string): Promise<void> {
  await trx.deleteFrom('object').where('account', '=', account).where('container', '=', container).where('name', '=', name).execute();
}

export async function updateObjectMeta(trx: Db, o: Pick<ObjectRow, 'account' | 'container' | 'name' | 'ts' | 'content_type' | 'headers' | 'delete_at'>): Promise<void> {
  await trx.updateTable('object').set({ ts: o.ts, content_type: o.content_type, headers: JSON.stringify(o.headers), delete_at: o.delete_at })
    .where('account', '=', o.account).where('container', '=', o.container).where('name', '=', o.name).execute();
}

export async function expiredObjects(db: Db, now: number, limit: number): Promise<Array<Pick<ObjectRow, 'account' | 'container' | 'name' | 'delete_at'>>> {
  const rows = await db.selectFrom('object').select(['account', 'container', 'name', 'delete_at'])
    .where('delete_at', '<=', now).orderBy('delete_at').limit(limit).execute();
  return rows.map((r) => ({ account: r.account, container: r.container, name: r.name, delete_at: Number(r.delete_at) }));
}

// ---------------------------------------------------------------- garbage (blobs to unlink)

export async function addGarbage(trx: Db, ids: Array<string | null>, ts: string): Promise<void> {
  for (const id of ids) if (id) await trx.insertInto('garbage').values({ data_id: id, created_at: ts }).onConflict((oc) => oc.column('data_id').doNothing()).execute();
}

export async function dropGarbage(db: Db, id: string): Promise<void> {
  await db.deleteFrom('garbage').where('data_id', '=', id).execute();
}

export async function listGarbage(db: Db, limit: number): Promise<string[]> {
  return (await db.selectFrom('garbage').select('data_id').limit(limit).execute()).map((r) => r.data_id);
}

/** Whether any row still points at a blob (recovery keeps those). */
export async function blobInUse(db: Db, id: string): Promise<boolean> {
  const a = await db.selectFrom('object').select('name').where('data_id', '=', id).limit(1).executeTakeFirst();
  if (a) return true;
  const b = await db.selectFrom('object_version').select('name').where('data_id', '=', id).limit(1).executeTakeFirst();
  return b !== undefined;
}
