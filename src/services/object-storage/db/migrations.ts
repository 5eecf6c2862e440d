// Object storage's schema: the account, container and object rows that Swift keeps in its
// account and container databases, here in the service's one database. Object data lives on
// disk (storage/), a small object's in `small_blob`; a row points at its blob by `data_id`.
// Listings sort names by bytes, as Swift's SQLite databases do: SQLite's BINARY collation
// already does; on PostgreSQL the name columns get the "C" collation.
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Migration } from '../../../lib/db/index.ts';

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

async function initial(db: Kysely<any>): Promise<void> {
  const name = (c: any) => (isPostgres(db) ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull());
  await db.schema.createTable('account')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('put_timestamp', 'text', (c) => c.notNull())
    // Stored headers: X-Account-Meta-*, X-Account-Access-Control, quotas (JSON object).
    .addColumn('headers', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('container')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('name', 'text', name)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('put_timestamp', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('object_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes_used', 'bigint', (c) => c.notNull().defaultTo(0))
    // X-Container-Meta-*, ACLs, versioning, sync (JSON object).
    .addColumn('headers', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('container_pk', ['account', 'name'])
    .execute();

  // SQLite: WITHOUT ROWID clusters rows by (account, container, name), so a listing reads one
  // contiguous range instead of an index plus a table lookup per row.
  let objects = db.schema.createTable('object');
  if (!isPostgres(db)) objects = objects.modifyEnd(sql`without rowid`);
  await objects
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('container', 'text', (c) => c.notNull())
    .addColumn('name', 'text', name)
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    // null: an empty object, no blob on disk
    .addColumn('data_id', 'text')
    // User metadata and the headers a POST may replace (JSON object).
    .addColumn('headers', 'text', (c) => c.notNull())
    // Headers only the system sets (SLO marker and sizes), kept across POSTs (JSON object).
    .addColumn('sysmeta', 'text', (c) => c.notNull())
    .addColumn('delete_at', 'bigint')
    .addPrimaryKeyConstraint('object_pk', ['account', 'container', 'name'])
    .execute();
  await db.schema.createIndex('object_delete_at').on('object').column('delete_at').execute();
  await db.schema.createIndex('object_data_id').on('object').column('data_id').execute();

  // Blobs no row points at any more, unlinked after the transaction that orphaned them commits.
  // A crash between the commit and the unlink leaves the id here; the next start unlinks it.
  await db.schema.createTable('garbage')
    .addColumn('data_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

async function versions(db: Kysely<any>): Promise<void> {
  // Object versioning (X-Versions-Enabled): every version of an object, the current one included,
  // keyed by a version id that sorts newest first. `deleted` rows are delete markers.
  await db.schema.createTable('object_version')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('container', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => (isPostgres(db) ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()))
    .addColumn('version_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('data_id', 'text')
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('sysmeta', 'text', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('object_version_pk', ['account', 'container', 'name', 'version_id'])
    .execute();
  await db.schema.createIndex('object_version_data_id').on('object_version').column('data_id').execute();
}

/**
 * Objects are looked up by expiry and by blob only where they have one: partial indexes leave
 * the other writes an index page lighter (a 4 KiB PUT's commit logs 3 pages, not 4, and a
 * 0-byte one 2). `delete_at <= ?` and `data_id = ?` imply the index's condition, so both
 * engines still use them.
 */
async function partialIndexes(db: Kysely<any>): Promise<void> {
  for (const column of ['delete_at', 'data_id']) {
    const index = `object_${column}`;
    await db.schema.dropIndex(index).execute();
    await db.schema.createIndex(index).on('object').column(column).where(sql.ref(column), 'is not', null).execute();
  }
}

/**
 * Small objects' data (storage/db-blobs.ts). On SQLite the id is the rowid (INTEGER PRIMARY KEY):
 * one B-tree, appended to in id order.
 */
async function smallBlobs(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('small_blob')
    .addColumn('id', isPostgres(db) ? 'bigint' : 'integer', (c) => c.primaryKey())
    .addColumn('data', isPostgres(db) ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();
}

export const migrations: Migration[] = [
  { id: '0001_initial', up: initial },
  { id: '0002_object_versions', up: versions },
  { id: '0003_partial_indexes', up: partialIndexes },
  { id: '0004_small_blobs', up: smallBlobs },
];
