// Container listings read from the database a page at a time (db/listing.ts over the precompiled
// range queries of db/store.ts): longer than a page, in byte order, with every parameter, on
// SQLite and PostgreSQL (whose text order is bytewise only in the C collation).
import assert from 'node:assert/strict';
import { migrate } from '../../src/lib/db/index.ts';
import { migrations } from '../../src/services/object-storage/db/migrations.ts';
import * as store from '../../src/services/object-storage/db/store.ts';
import type { ListParams } from '../../src/services/object-storage/db/listing.ts';
import { dbTest } from '../helpers/db.ts';

// 2,345 names: more than two pages; some below a "dir/" to roll up, some past 'z' in UTF-8
const NAMES = Array.from({ length: 2345 }, (_, i) => {
  const n = String(i).padStart(5, '0');
  return i % 10 === 0 ? `dir/${n}` : i % 97 === 0 ? `ü-${n}` : `obj-${n}`;
}).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

dbTest('a long container listing comes out whole and in byte order, with every parameter', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const ts = '1700000000.00000';
  await store.insertAccount(db, 'AUTH_a', ts);
  await store.insertContainer(db, { account: 'AUTH_a', name: 'c', created_at: ts, put_timestamp: ts, policy: 'Policy-0', headers: {} });
  await db.transaction().execute(async (trx) => {
    for (const name of NAMES) {
      await store.insertObject(trx, {
        account: 'AUTH_a', container: 'c', name, ts, size: name.length, etag: 'd41d8cd98f00b204e9800998ecf8427e',
        content_type: 'text/plain', data_id: null, headers: {}, sysmeta: {}, delete_at: null,
      });
    }
  });
  const list = async (p: Partial<ListParams>) =>
    (await store.listObjects(db, 'AUTH_a', 'c', { limit: 10000, ...p })).map((e) => ('subdir' in e ? `${e.subdir}*` : e.row.name));

  assert.deepEqual(await list({}), NAMES);
  const first = (await store.listObjects(db, 'AUTH_a', 'c', { limit: 1 }))[0]!;
  assert.ok('row' in first && first.row.size === NAMES[0]!.length && typeof first.row.size === 'number');
  assert.deepEqual(await list({ reverse: true }), [...NAMES].reverse());
  assert.deepEqual(await list({ marker: NAMES[500], limit: 1500 }), NAMES.slice(501, 2001));
  assert.deepEqual(await list({ endMarker: NAMES[2100], marker: NAMES[99] }), NAMES.slice(100, 2100));
  assert.deepEqual(await list({ reverse: true, marker: NAMES[2000], endMarker: NAMES[3] }), NAMES.slice(4, 2000).reverse());
  assert.deepEqual(await list({ prefix: 'ü-' }), NAMES.filter((n) => n.startsWith('ü-')));
  assert.deepEqual(await list({ delimiter: '/' }), ['dir/*', ...NAMES.filter((n) => !n.startsWith('dir/'))]);
  assert.deepEqual(await list({ path: 'dir' }), NAMES.filter((n) => n.startsWith('dir/')));

  // the visitor sees the same entries, one by one
  const seen: string[] = [];
  await store.eachObject(db, 'AUTH_a', 'c', { limit: 10000, prefix: 'obj-0' }, (e) => { if ('row' in e) seen.push(e.row.name); });
  assert.deepEqual(seen, NAMES.filter((n) => n.startsWith('obj-0')));
}, { timeout: 120_000 });
