import assert from 'node:assert/strict';
import { test } from 'node:test';
import { walkListing, type ListParams, type RangeQuery } from './listing.ts';

const NAMES = ['a', 'a/b', 'a/c/d', 'a/c/e', 'b', 'b/x', 'c', 'photos/2020/1.jpg', 'photos/2021/2.jpg', 'photos/index'].sort();

/** An in-memory table answering the range queries as the database would (byte order). */
const query = async (q: RangeQuery) => {
  let rows = NAMES.filter((n) => (q.gt === undefined || n > q.gt) && (q.gte === undefined || n >= q.gte) && (q.lt === undefined || n < q.lt));
  if (q.desc) rows = rows.reverse();
  return rows.slice(0, q.limit).map((name) => ({ name }));
};
const list = async (p: Partial<ListParams>) => (await walkListing({ limit: 10000, ...p }, query)).map((e) => ('subdir' in e ? `${e.subdir}*` : e.row.name));

test('plain listings honour marker, end_marker, prefix, limit and reverse', async () => {
  assert.deepEqual(await list({}), NAMES);
  assert.deepEqual(await list({ marker: 'b', limit: 2 }), ['b/x', 'c']);
  assert.deepEqual(await list({ endMarker: 'b' }), ['a', 'a/b', 'a/c/d', 'a/c/e']);
  assert.deepEqual(await list({ prefix: 'photos/' }), ['photos/2020/1.jpg', 'photos/2021/2.jpg', 'photos/index']);
  assert.deepEqual(await list({ reverse: true, limit: 3 }), ['photos/index', 'photos/2021/2.jpg', 'photos/2020/1.jpg']);
  assert.deepEqual(await list({ reverse: true, marker: 'b', endMarker: 'a/b' }), ['a/c/e', 'a/c/d']);
});

test('a delimiter rolls names up into subdirs, as Swift does', async () => {
  assert.deepEqual(await list({ delimiter: '/' }), ['a', 'a/*', 'b', 'b/*', 'c', 'photos/*']);
  assert.deepEqual(await list({ delimiter: '/', prefix: 'photos/' }), ['photos/2020/*', 'photos/2021/*', 'photos/index']);
  assert.deepEqual(await list({ delimiter: '/', limit: 3 }), ['a', 'a/*', 'b']);
  assert.deepEqual(await list({ delimiter: '/', marker: 'a/' }), ['b', 'b/*', 'c', 'photos/*']);
  assert.deepEqual(await list({ delimiter: '/', reverse: true }), ['photos/*', 'c', 'b/*', 'b', 'a/*', 'a']);
});

test('a delimiter of several characters rolls up the same way (Swift 2.30 answers exactly these)', async () => {
  assert.deepEqual(await list({ delimiter: '/2' }), ['a', 'a/b', 'a/c/d', 'a/c/e', 'b', 'b/x', 'c', 'photos/2*', 'photos/index']);
  assert.deepEqual(await list({ delimiter: '/2', reverse: true }), ['photos/index', 'photos/2*', 'c', 'b/x', 'b', 'a/c/e', 'a/c/d', 'a/b', 'a']);
  assert.deepEqual(await list({ delimiter: 'c/', prefix: 'a/' }), ['a/b', 'a/c/*']);
  assert.deepEqual(await list({ delimiter: '/2', marker: 'photos/2' }), ['photos/index']);
});

test('path lists the direct children of a pseudo-directory', async () => {
  assert.deepEqual(await list({ path: 'a' }), ['a/b']);
  assert.deepEqual(await list({ path: 'photos/' }), ['photos/index']);
});

test('a long listing is fetched a page at a time and comes out whole, in either direction', async () => {
  const many = Array.from({ length: 2500 }, (_, i) => `n${String(i).padStart(5, '0')}${i % 7 === 0 ? '/x' : ''}`);
  const limits: number[] = [];
  const pages = async (q: RangeQuery) => {
    limits.push(q.limit);
    let rows = many.filter((n) => (q.gt === undefined || n > q.gt) && (q.gte === undefined || n >= q.gte) && (q.lt === undefined || n < q.lt));
    if (q.desc) rows = rows.reverse();
    return rows.slice(0, q.limit).map((name) => ({ name }));
  };
  const names = async (p: Partial<ListParams>) => (await walkListing({ limit: 10000, ...p }, pages)).map((e) => ('subdir' in e ? `${e.subdir}*` : e.row.name));
  assert.deepEqual(await names({}), many);
  assert.ok(limits.length > 1 && limits.every((l) => l < 2500), `one query per page, not one for all: ${limits}`);
  assert.deepEqual(await names({ reverse: true }), [...many].reverse());
  assert.deepEqual(await names({ marker: many[99], limit: 2000 }), many.slice(100, 2100));
  assert.deepEqual(await names({ reverse: true, marker: many[2400], endMarker: many[10] }), many.slice(11, 2400).reverse());
  // every seventh name rolls up into a subdir of its own
  assert.deepEqual(await names({ delimiter: '/' }), many.map((n) => (n.endsWith('/x') ? n.slice(0, -1) + '*' : n)));
});
