// Accounts, containers and objects through the Swift API: headers, listings, metadata,
// conditional requests and ranges, as Swift answers them.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { assertSwiftHeaders, dbFlags, swift, swiftUser, type SwiftUser } from './helpers.ts';

let c: TestCloud;
let u: SwiftUser;
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const call = (method: string, path: string, opts: Parameters<typeof swift>[2] = {}) => swift(method, u.url + path, { token: u.token, ...opts });

before(async () => {
  c = await startTestCloud({ ...dbFlags() });
  u = await swiftUser(c, 'basics');
});
after(() => c.stop());

test('the catalog points at /object-store/v1/AUTH_<project>, and /info and /healthcheck need no token', async () => {
  const r = await c.login({ name: 'basics', password: 'basics-pw' }, { project: { id: u.projectId } });
  const store = r.body.token.catalog.find((s: any) => s.type === 'object-store');
  assert.equal(store.name, 'swift');
  assert.equal(store.endpoints.find((e: any) => e.interface === 'public').url, u.url);
  const info = await swift('GET', `${c.url}/object-store/info`);
  assert.equal(info.status, 200);
  assertSwiftHeaders(info);
  const caps = info.json();
  assert.equal(caps.swift.max_file_size, 5368709122);
  for (const k of ['slo', 'tempurl', 'bulk_delete', 'bulk_upload', 'account_quotas', 'container_quotas', 'versioned_writes', 'object_versioning', 'formpost', 'staticweb']) assert.ok(caps[k], k);
  const hc = await swift('GET', `${c.url}/object-store/healthcheck`);
  assert.deepEqual([hc.status, hc.text], [200, 'OK']);
});

test('a fresh account answers 204 with zero stats; containers are created 201 then accepted 202', async () => {
  const head = await call('HEAD', '');
  assert.equal(head.status, 204);
  assert.deepEqual([head.headers['x-account-container-count'], head.headers['x-account-object-count'], head.headers['x-account-bytes-used']], ['0', '0', '0']);
  assertSwiftHeaders(head);
  assert.equal((await call('GET', '')).status, 204);
  assert.equal((await call('GET', '?format=json')).text, '[]');
  const put = await call('PUT', '/photos', { headers: { 'X-Container-Meta-Owner': 'ann' } });
  assert.equal(put.status, 201);
  assertSwiftHeaders(put);
  assert.equal((await call('PUT', '/photos')).status, 202);
  const ch = await call('HEAD', '/photos');
  assert.equal(ch.status, 204);
  assert.equal(ch.headers['x-container-meta-owner'], 'ann');
  assert.equal(ch.headers['x-storage-policy'], 'Policy-0');
});

test('objects: PUT returns the MD5 ETag; GET and HEAD return data and metadata', async () => {
  await call('PUT', '/objs');
  const data = randomBytes(5000);
  const put = await call('PUT', '/objs/dir/file.bin', { body: data, headers: { 'X-Object-Meta-Color': 'blue', 'Content-Type': 'application/x-test', 'Content-Disposition': 'inline' } });
  assert.equal(put.status, 201);
  assert.equal(put.headers['etag'], md5(data));
  assert.ok(put.headers['last-modified']);
  const get = await call('GET', '/objs/dir/file.bin');
  assert.equal(get.status, 200);
  assert.deepEqual(get.body, data);
  assert.equal(get.headers['x-object-meta-color'], 'blue');
  assert.equal(get.headers['content-type'], 'application/x-test');
  assert.equal(get.headers['content-disposition'], 'inline');
  assert.match(get.headers['x-timestamp']!, /^\d{10}\.\d{5}$/);
  const head = await call('HEAD', '/objs/dir/file.bin');
  assert.equal(head.headers['content-length'], '5000');
  assert.equal(head.body.length, 0);
  // POST replaces the metadata
  assert.equal((await call('POST', '/objs/dir/file.bin', { headers: { 'X-Object-Meta-Size': 'big' } })).status, 202);
  const after = await call('HEAD', '/objs/dir/file.bin');
  assert.equal(after.headers['x-object-meta-size'], 'big');
  assert.equal(after.headers['x-object-meta-color'], undefined);
  assert.equal(after.headers['content-disposition'], undefined);
  // a wrong ETag is refused with 422, and nothing is stored
  assert.equal((await call('PUT', '/objs/bad', { body: 'abc', headers: { ETag: md5('abd') } })).status, 422);
  const missing = await call('HEAD', '/objs/bad');
  // swob writes no default body for a HEAD: Content-Length 0, not the GET's explanation's length
  assert.deepEqual([missing.status, missing.headers['content-length']], [404, '0']);
  // chunked transfer and content-type guessing
  async function* parts() { yield Buffer.from('<html>'); yield Buffer.from('</html>'); }
  const chunked = await call('PUT', '/objs/page.html', { body: parts(), headers: { 'Transfer-Encoding': 'chunked' } });
  assert.equal(chunked.status, 201);
  assert.equal((await call('HEAD', '/objs/page.html')).headers['content-type'], 'text/html');
  // a Content-Type is stored as sent, even one no media-type parser accepts (as Swift does)
  for (const type of ['text', 'null', '/', 'a; b']) {
    assert.equal((await call('PUT', '/objs/typed', { body: 'x', headers: { 'Content-Type': type } })).status, 201, type);
    assert.equal((await call('HEAD', '/objs/typed')).headers['content-type'], type);
    assert.equal((await call('POST', '/objs/typed', { headers: { 'Content-Type': type } })).status, 202, type);
  }
  // If-None-Match: * refuses to overwrite
  assert.equal((await call('PUT', '/objs/page.html', { body: 'x', headers: { 'If-None-Match': '*' } })).status, 412);
  const del = await call('DELETE', '/objs/page.html');
  assert.equal(del.status, 204);
  assert.equal((await call('DELETE', '/objs/page.html')).status, 404);
});

test('container listings: formats, delimiter, prefix, path, markers and stats', async () => {
  await call('PUT', '/list');
  for (const n of ['a.txt', 'b/1', 'b/2', 'b/c/3', 'ü-unicode']) assert.equal((await call('PUT', `/list/${encodeURIComponent(n).replace(/%2F/g, '/')}`, { body: n })).status, 201);
  const plain = await call('GET', '/list');
  assert.equal(plain.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(plain.text, 'a.txt\nb/1\nb/2\nb/c/3\nü-unicode\n');
  const json = await call('GET', '/list?format=json&limit=2&marker=a.txt');
  assert.deepEqual(json.json().map((o: any) => o.name), ['b/1', 'b/2']);
  const rec = json.json()[0];
  assert.deepEqual(Object.keys(rec), ['bytes', 'hash', 'name', 'content_type', 'last_modified']);
  assert.equal(rec.hash, md5('b/1'));
  assert.match(rec.last_modified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  assert.match(json.text, /\\u00fc|"b\/1", "content_type"/); // Python json.dumps spacing
  assert.deepEqual((await call('GET', '/list?delimiter=/&format=json')).json(), [
    (await call('GET', '/list?format=json')).json()[0], { subdir: 'b/' }, (await call('GET', '/list?format=json')).json()[4]]);
  assert.equal((await call('GET', '/list?delimiter=/&prefix=b/')).text, 'b/1\nb/2\nb/c/\n');
  assert.equal((await call('GET', '/list?path=b')).text, 'b/1\nb/2\n');
  assert.equal((await call('GET', '/list?reverse=on&limit=2')).text, 'ü-unicode\nb/c/3\n');
  assert.equal((await call('GET', '/list?end_marker=b/2')).text, 'a.txt\nb/1\n');
  // past the last name: nothing, as Swift answers it in each format
  const last = encodeURIComponent('ü-unicode');
  assert.equal((await call('GET', `/list?marker=${last}`)).status, 204);
  const none = await call('GET', `/list?marker=${last}&format=json`);
  assert.deepEqual([none.status, none.text], [200, '[]']);
  const xml = await call('GET', '/list?format=xml&limit=1');
  assert.match(xml.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<container name="list"><object><name>a.txt<\/name><hash>[0-9a-f]{32}<\/hash><bytes>5<\/bytes>/);
  const head = await call('HEAD', '/list');
  assert.equal(head.headers['x-container-object-count'], '5');
  assert.equal(head.headers['x-container-bytes-used'], String(['a.txt', 'b/1', 'b/2', 'b/c/3', 'ü-unicode'].reduce((n, s) => n + Buffer.byteLength(s), 0)));
  assert.equal((await call('GET', '/list?limit=10001')).status, 412);
  // account listing
  const acc = await call('GET', '?format=json');
  const list = acc.json().find((x: any) => x.name === 'list');
  assert.deepEqual([list.count, Object.keys(list)], [5, ['name', 'count', 'bytes', 'last_modified', 'storage_policy']]);
  assert.equal((await call('DELETE', '/list')).status, 409);
});

test('account and container metadata: set, empty value or X-Remove- removes', async () => {
  assert.equal((await call('POST', '', { headers: { 'X-Account-Meta-A': '1', 'X-Account-Meta-B': '2' } })).status, 204);
  assert.equal((await call('POST', '', { headers: { 'X-Account-Meta-A': '', 'X-Remove-Account-Meta-B': 'x' } })).status, 204);
  const h = await call('HEAD', '');
  assert.equal(h.headers['x-account-meta-a'], undefined);
  assert.equal(h.headers['x-account-meta-b'], undefined);
  await call('PUT', '/meta', { headers: { 'X-Container-Meta-Test_Underscore': 'v' } });
  assert.equal((await call('HEAD', '/meta')).headers['x-container-meta-test-underscore'], 'v');
  assert.equal((await call('POST', '/meta', { headers: { 'X-Remove-Container-Meta-Test-Underscore': 'x' } })).status, 204);
  assert.equal((await call('HEAD', '/meta')).headers['x-container-meta-test-underscore'], undefined);
  assert.equal((await call('POST', '/missing', { headers: { 'X-Container-Meta-X': 'y' } })).status, 404);
});

test('conditional GETs and ranges', async () => {
  await call('PUT', '/cond');
  const data = Buffer.from('0123456789abcdefghij');
  const etag = (await call('PUT', '/cond/o', { body: data })).headers['etag']!;
  assert.equal((await call('GET', '/cond/o', { headers: { 'If-None-Match': etag } })).status, 304);
  assert.equal((await call('GET', '/cond/o', { headers: { 'If-None-Match': '"nope"' } })).status, 200);
  assert.equal((await call('GET', '/cond/o', { headers: { 'If-Match': `"${etag}"` } })).status, 200);
  const failed = await call('GET', '/cond/o', { headers: { 'If-Match': 'nope' } });
  // Swift's object server: the object's ETag and metadata, but no Content-Type or Accept-Ranges of a body
  assert.deepEqual([failed.status, failed.headers['etag'], failed.headers['content-type'], failed.headers['accept-ranges']],
    [412, etag, 'text/html; charset=UTF-8', undefined]);
  assert.equal((await call('GET', '/cond/o', { headers: { 'If-Modified-Since': new Date(Date.now() + 86400_000).toUTCString() } })).status, 304);
  assert.equal((await call('GET', '/cond/o', { headers: { 'If-Unmodified-Since': 'Mon Jan  1 00:00:00 2001' } })).status, 412);
  const r = await call('GET', '/cond/o', { headers: { Range: 'bytes=2-5' } });
  assert.deepEqual([r.status, r.text, r.headers['content-range']], [206, '2345', 'bytes 2-5/20']);
  assert.equal((await call('GET', '/cond/o', { headers: { Range: 'bytes=-3' } })).text, 'hij');
  const multi = await call('GET', '/cond/o', { headers: { Range: 'bytes=0-1,10-11' } });
  assert.equal(multi.status, 206);
  assert.match(multi.headers['content-type']!, /^multipart\/byteranges;boundary=/);
  assert.equal(Number(multi.headers['content-length']), multi.body.length);
  assert.match(multi.text, /Content-Range: bytes 0-1\/20\r\n\r\n01\r\n/);
  const bad = await call('GET', '/cond/o', { headers: { Range: 'bytes=50-60' } });
  assert.deepEqual([bad.status, bad.headers['content-range']], [416, 'bytes */20']);
  assert.equal((await call('GET', '/cond/o', { headers: { Range: 'bytes=9-3' } })).status, 200);
});
