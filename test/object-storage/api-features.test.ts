// The middleware features: copy, DLO and SLO, TempURL, FormPost, bulk, versioning (both kinds),
// quotas, expiry, static web and container sync.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { dbFlags, swift, swiftUser, type SwiftUser } from './helpers.ts';

let c: TestCloud;
let u: SwiftUser;
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const call = (method: string, path: string, opts: Parameters<typeof swift>[2] = {}) => swift(method, u.url + path, { token: u.token, ...opts });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  c = await startTestCloud({ ...dbFlags(), 'object_storage.expirer_interval': 1, 'object_storage.sync_interval': 1 });
  u = await swiftUser(c, 'features');
});
after(() => c.stop());

test('server-side copy: COPY and X-Copy-From, metadata kept or fresh', async () => {
  await call('PUT', '/src');
  await call('PUT', '/dst');
  await call('PUT', '/src/o', { body: 'payload', headers: { 'X-Object-Meta-A': '1', 'Content-Type': 'text/x-a' } });
  const cp = await call('COPY', '/src/o', { headers: { Destination: 'dst/o2', 'X-Object-Meta-B': '2' } });
  assert.equal(cp.status, 201);
  assert.deepEqual([cp.headers['x-copied-from'], cp.headers['x-object-meta-a'], cp.headers['x-object-meta-b']], ['src/o', '1', '2']);
  assert.ok(cp.headers['x-copied-from-last-modified']);
  const got = await call('GET', '/dst/o2');
  assert.deepEqual([got.text, got.headers['content-type'], got.headers['x-object-meta-a']], ['payload', 'text/x-a', '1']);
  const fresh = await call('PUT', '/dst/o3', { headers: { 'X-Copy-From': '/src/o', 'X-Fresh-Metadata': 'true' } });
  assert.equal(fresh.status, 201);
  assert.equal((await call('HEAD', '/dst/o3')).headers['x-object-meta-a'], undefined);
  assert.equal((await call('PUT', '/dst/o4', { headers: { 'X-Copy-From': 'src/missing' } })).status, 404);
  assert.equal((await call('PUT', '/dst/o4', { headers: { 'X-Copy-From': 'nocontainer' } })).status, 412);
  assert.equal((await call('COPY', '/src/o')).status, 412);
});

test('DLO: X-Object-Manifest concatenates the segments by name', async () => {
  await call('PUT', '/dlo');
  for (let i = 0; i < 3; i++) await call('PUT', `/dlo/seg/${i}`, { body: `part${i}-` });
  await call('PUT', '/dlo/big', { headers: { 'X-Object-Manifest': 'dlo/seg/' } });
  const get = await call('GET', '/dlo/big');
  assert.equal(get.text, 'part0-part1-part2-');
  assert.equal(get.headers['etag'], `"${md5(['part0-', 'part1-', 'part2-'].map(md5).join(''))}"`);
  assert.equal((await call('GET', '/dlo/big', { headers: { Range: 'bytes=4-8' } })).text, '0-par');
  assert.equal((await call('HEAD', '/dlo/big')).headers['content-length'], '18');
  assert.equal((await call('GET', '/dlo/big?multipart-manifest=get')).text, '');
});

test('SLO: manifest validated, content assembled, manifest and segments deleted together', async () => {
  await call('PUT', '/slo');
  const a = randomBytes(1000);
  const b = randomBytes(2000);
  await call('PUT', '/slo/a', { body: a });
  await call('PUT', '/slo/b', { body: b });
  const bad = await call('PUT', '/slo/m?multipart-manifest=put', { body: JSON.stringify([{ path: '/slo/a', etag: 'wrong' }, { path: '/slo/nope' }]) });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /Etag Mismatch/);
  assert.match(bad.text, /slo\/nope, 404 Not Found/);
  const manifest = [{ path: '/slo/a', etag: md5(a), size_bytes: 1000 }, { path: '/slo/b', range: '0-99' }];
  const put = await call('PUT', '/slo/m?multipart-manifest=put', { body: JSON.stringify(manifest) });
  assert.equal(put.status, 201);
  const sloEtag = md5(md5(a) + `${md5(b)}:0-99;`);
  assert.equal(put.headers['etag'], `"${sloEtag}"`);
  const get = await call('GET', '/slo/m');
  assert.deepEqual(get.body, Buffer.concat([a, b.subarray(0, 100)]));
  assert.equal(get.headers['x-static-large-object'], 'True');
  assert.deepEqual((await call('GET', '/slo/m', { headers: { Range: 'bytes=995-1004' } })).body, Buffer.concat([a.subarray(995), b.subarray(0, 5)]));
  const listing = (await call('GET', '/slo?format=json')).json().find((o: any) => o.name === 'm');
  assert.deepEqual([listing.bytes, listing.content_type], [1100, 'application/octet-stream']);
  const raw = (await call('GET', '/slo/m?multipart-manifest=get')).json();
  assert.deepEqual(raw.map((s: any) => [s.name, s.bytes]), [['/slo/a', 1000], ['/slo/b', 2000]]);
  const withData = await call('PUT', '/slo/d?multipart-manifest=put', { body: JSON.stringify([{ data: Buffer.from('head:').toString('base64') }, { path: '/slo/a' }]) });
  assert.equal(withData.status, 201);
  assert.deepEqual((await call('GET', '/slo/d')).body, Buffer.concat([Buffer.from('head:'), a]));
  await call('DELETE', '/slo/d');
  const del = await call('DELETE', '/slo/m?multipart-manifest=delete');
  assert.equal(del.status, 200);
  assert.match(del.text, /Number Deleted: 3/);
  assert.equal((await call('HEAD', '/slo')).headers['x-container-object-count'], '0');
});

test('TempURL: signed GET/HEAD/PUT without a token, nothing else', async () => {
  await call('POST', '', { headers: { 'X-Account-Meta-Temp-URL-Key': 'secret' } });
  await call('PUT', '/tmp');
  await call('PUT', '/tmp/file.txt', { body: 'temp data', headers: { 'X-Object-Meta-Private': 'x', 'X-Object-Meta-Public-Ok': 'y' } });
  const sign = (method: string, path: string, expires: number, algo = 'sha256') =>
    createHmac(algo, 'secret').update(`${method}\n${expires}\n${path}`).digest('hex');
  const path = `/v1/${u.account}/tmp/file.txt`;
  const exp = Math.floor(Date.now() / 1000) + 60;
  const url = (sig: string, e = exp) => `${c.url}/object-store${path}?temp_url_sig=${sig}&temp_url_expires=${e}`;
  const get = await swift('GET', url(sign('GET', path, exp)));
  assert.deepEqual([get.status, get.text], [200, 'temp data']);
  assert.equal(get.headers['content-disposition'], `attachment; filename="file.txt"; filename*=UTF-8''file.txt`);
  assert.equal(get.headers['x-object-meta-private'], undefined);
  assert.equal(get.headers['x-object-meta-public-ok'], 'y');
  assert.equal((await swift('GET', url(sign('GET', `/object-store${path}`, exp, 'sha1')))).status, 200);
  assert.equal((await swift('HEAD', url(sign('GET', path, exp)))).status, 200);
  assert.equal((await swift('PUT', url(sign('GET', path, exp)), { body: 'x' })).status, 401);
  assert.equal((await swift('PUT', url(sign('PUT', path, exp)), { body: 'new' })).status, 201);
  assert.equal((await call('GET', '/tmp/file.txt')).text, 'new');
  // a container key and a prefix URL: any object under the prefix, nothing outside it
  await call('POST', '/tmp', { headers: { 'X-Container-Meta-Temp-URL-Key': 'ckey' } });
  await call('PUT', '/tmp/pre/one', { body: 'p1' });
  const prefixSig = createHmac('sha512', 'ckey').update(`GET\n${exp}\nprefix:/v1/${u.account}/tmp/pre/`).digest('base64url');
  const purl = (obj: string) => `${c.url}/object-store/v1/${u.account}/tmp/${obj}?temp_url_sig=sha512:${prefixSig}&temp_url_expires=${exp}&temp_url_prefix=pre/`;
  assert.equal((await swift('GET', purl('pre/one'))).text, 'p1');
  assert.equal((await swift('GET', purl('file.txt'))).status, 401);
  const old = Math.floor(Date.now() / 1000) - 1;
  const expired = await swift('GET', url(sign('GET', path, old), old));
  assert.deepEqual([expired.status, expired.text], [401, '401 Unauthorized: Temp URL invalid\n']);
});

test('FormPost: a signed form uploads its files', async () => {
  await call('PUT', '/forms');
  const path = `/v1/${u.account}/forms/up-`;
  const expires = Math.floor(Date.now() / 1000) + 60;
  const sig = createHmac('sha1', 'secret').update(`${path}\n\n1000\n2\n${expires}`).digest('hex');
  const fields = { max_file_size: '1000', max_file_count: '2', expires: String(expires), signature: sig };
  const parts = Object.entries(fields).map(([k, v]) => `--B\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}`);
  parts.push('--B\r\nContent-Disposition: form-data; name="f"; filename="one.txt"\r\nContent-Type: text/plain\r\n\r\nhello form');
  const body = parts.join('\r\n') + '\r\n--B--\r\n';
  const r = await swift('POST', `${c.url}/object-store${path}`, { body, headers: { 'Content-Type': 'multipart/form-data; boundary=B' } });
  assert.deepEqual([r.status, r.text], [201, '201 Created']);
  assert.equal((await call('GET', '/forms/up-one.txt')).text, 'hello form');
  const wrong = await swift('POST', `${c.url}/object-store${path}`, { body: body.replace(sig, '0'.repeat(40)), headers: { 'Content-Type': 'multipart/form-data; boundary=B' } });
  assert.deepEqual([wrong.status, wrong.text], [401, 'FormPost: Invalid Signature']);
});

test('bulk: extract-archive creates containers and objects, bulk-delete removes them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulk-'));
  try {
    mkdirSync(join(dir, 'bulkc'));
    writeFileSync(join(dir, 'bulkc', 'x.txt'), 'xx');
    writeFileSync(join(dir, 'bulkc', 'y.txt'), 'yyy');
    execFileSync('tar', ['-czf', join(dir, 'a.tgz'), '-C', dir, 'bulkc']);
    const r = await call('PUT', '/?extract-archive=tar.gz', { body: readFileSync(join(dir, 'a.tgz')), headers: { Accept: 'application/json' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { 'Number Files Created': 2, 'Response Body': '', 'Response Status': '201 Created', Errors: [] });
    assert.equal((await call('GET', '/bulkc')).text, 'x.txt\ny.txt\n');
    const d = await call('DELETE', '/?bulk-delete', { body: 'bulkc/x.txt\n/bulkc/y.txt\nbulkc/gone\nbulkc', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(d.status, 200);
    assert.match(d.text, /Number Deleted: 3\nNumber Not Found: 1\nResponse Body: \nResponse Status: 200 OK\nErrors:\n/);
    assert.equal((await call('HEAD', '/bulkc')).status, 404);
    // under a container's path it is still a bulk delete of the listed paths, never of the container
    await call('PUT', '/keep');
    await call('PUT', '/keep/k', { body: 'k' });
    const under = await call('POST', '/keep?bulk-delete', { body: 'keep/k\n', headers: { 'Content-Type': 'text/plain' } });
    assert.match(under.text, /Number Deleted: 1\n/);
    assert.equal((await call('HEAD', '/keep')).status, 204);
    // a list that is not plain text, or a result the client cannot take: 406 in the result
    for (const headers of [{ 'Content-Type': 'application/json' }, { Accept: 'image/png' }] as Array<Record<string, string>>) {
      const refused = await call('DELETE', '/?bulk-delete', { body: 'keep\n', headers });
      assert.deepEqual([refused.status, /Response Status: 406 Not Acceptable/.test(refused.text)], [200, true], JSON.stringify(headers));
    }
    assert.equal((await call('HEAD', '/keep')).status, 204);
    const junk = await call('PUT', '/x?extract-archive=.TAR.', { body: 'not a tar file at all' });
    assert.match(junk.text, /Response Status: 400 Bad Request/);
    const zip = await call('PUT', '/x?extract-archive=zip', { body: 'PK' });
    assert.deepEqual([zip.status, zip.text], [400, 'Unsupported archive format']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('legacy versioning (X-Versions-Location): overwrites are kept, DELETE restores', async () => {
  await call('PUT', '/vers');
  await call('PUT', '/base', { headers: { 'X-Versions-Location': 'vers' } });
  await call('PUT', '/base/o', { body: 'one' });
  await call('PUT', '/base/o', { body: 'two' });
  assert.equal((await call('GET', '/base/o')).text, 'two');
  assert.equal((await call('GET', '/vers')).text.split('\n')[0]!.slice(0, 5), '001o/');
  await call('DELETE', '/base/o');
  assert.equal((await call('GET', '/base/o')).text, 'one');
  assert.equal((await call('HEAD', '/vers')).headers['x-container-object-count'], '0');
  await call('DELETE', '/base/o');
  assert.equal((await call('GET', '/base/o')).status, 404);
  assert.equal((await call('PUT', '/both', { headers: { 'X-Versions-Location': 'a', 'X-History-Location': 'b' } })).status, 400);
});

test('object versioning (X-Versions-Enabled): version ids, delete markers, ?versions', async () => {
  await call('PUT', '/ov', { headers: { 'X-Versions-Enabled': 'true' } });
  const v1 = (await call('PUT', '/ov/o', { body: 'v1' })).headers['x-object-version-id']!;
  const v2 = (await call('PUT', '/ov/o', { body: 'v2' })).headers['x-object-version-id']!;
  assert.ok(v1 && v2 && v1 < v2);
  assert.equal((await call('GET', '/ov/o')).text, 'v2');
  assert.equal((await call('GET', `/ov/o?version-id=${v1}`)).text, 'v1');
  const del = await call('DELETE', '/ov/o');
  assert.ok(del.headers['x-object-version-id']);
  assert.equal((await call('GET', '/ov/o')).status, 404);
  const versions = (await call('GET', '/ov?versions&format=json')).json();
  assert.deepEqual(versions.map((v: any) => [v.version_id, v.is_latest, v.content_type]), [
    [del.headers['x-object-version-id'], true, 'application/x-deleted;swift_versions_deleted=1'], [v2, false, 'application/octet-stream'], [v1, false, 'application/octet-stream']]);
  // deleting the marker brings v2 back
  assert.equal((await call('DELETE', `/ov/o?version-id=${del.headers['x-object-version-id']}`)).status, 204);
  assert.equal((await call('GET', '/ov/o')).text, 'v2');
  // PUT ?version-id with no body makes that version current again; the replaced one stays a version
  const restore = await call('PUT', `/ov/o?version-id=${Number(v1)}`);
  assert.deepEqual([restore.status, restore.headers['x-object-version-id']], [201, v1]);
  assert.equal((await call('GET', '/ov/o')).text, 'v1');
  assert.deepEqual((await call('GET', '/ov?versions&format=json')).json().map((v: any) => [v.version_id, v.is_latest]), [[v2, false], [v1, true]]);
  assert.equal((await call('HEAD', '/ov')).headers['x-container-object-count'], '1');
  // what Swift refuses, with its words
  const refused = async (method: string, path: string, body?: string) => { const r = await call(method, path, { body }); return [r.status, r.text]; };
  assert.deepEqual(await refused('PUT', `/ov/o?version-id=${v2}`, 'data'), [400, 'PUT version-id requests require a zero byte body']);
  assert.deepEqual(await refused('POST', `/ov/o?version-id=${v2}`), [400, 'POST to a specific version is not allowed']);
  assert.deepEqual(await refused('GET', '/ov/o?version-id=yesterday'), [400, 'Invalid version parameter']);
  assert.deepEqual(await refused('PUT', '/ov/o?version-id=1'), [404, 'The specified version does not exist']);
  await call('PUT', '/plain');
  await call('PUT', '/plain/o', { body: 'x' });
  assert.deepEqual(await refused('GET', `/plain/o?version-id=${v1}`), [400, 'version-aware operations require that the container is versioned']);
  assert.equal((await call('GET', '/plain/o?version-id=null')).text, 'x');
});

test('?versions lists as Swift 2.30 does: JSON only, subdirs, links, an unversioned object archived under its timestamp', async () => {
  await call('PUT', '/vl');
  await call('PUT', '/vl/n', { body: 'unversioned' });
  await call('POST', '/vl', { headers: { 'X-Versions-Enabled': 'true' } });
  const n2 = (await call('PUT', '/vl/n', { body: 'n2' })).headers['x-object-version-id']!;
  for (const name of ['d/1', 'd/2']) await call('PUT', `/vl/${name}`, { body: name });
  await call('PUT', '/vl/link', { headers: { 'X-Symlink-Target': 'vl/n' }, body: '' });
  const list = async (query: string) => { const r = await call('GET', `/vl?versions${query}`); assert.equal(r.status, 200); return r.json(); };
  // the object written before versioning keeps its data under its own timestamp as version id
  const n = await list('&prefix=n');
  assert.equal(n.length, 2);
  assert.deepEqual([n[0].version_id, n[0].is_latest, n[1].is_latest], [n2, true, false]);
  assert.match(n[1].version_id, /^\d{10}\.\d{5}$/);
  assert.equal((await call('GET', `/vl/n?version-id=${n[1].version_id}`)).text, 'unversioned');
  // a delimiter rolls names up; a link shows where it points
  const top = await list('&delimiter=/');
  assert.deepEqual(top.map((e: any) => e.subdir ?? `${e.name} ${e.symlink_path ?? ''}`), ['d/', `link /v1/${u.account}/vl/n`, 'n ', 'n ']);
  assert.deepEqual((await list('&reverse=on&delimiter=/')).map((e: any) => e.subdir ?? e.name), ['n', 'n', 'link', 'd/']);
  assert.deepEqual((await list('&marker=n&version_marker=' + n2)).map((e: any) => e.version_id), [n[1].version_id]);
  assert.deepEqual(await list('&prefix=none'), []);
  // JSON whatever the Accept header allows, and nothing else
  const plain = await call('GET', '/vl?versions');
  assert.equal(plain.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(plain.headers['vary'], undefined);
  for (const query of ['&format=plain', '&format=xml']) assert.equal((await call('GET', `/vl?versions${query}`)).status, 406);
  assert.equal((await call('GET', '/vl?versions', { headers: { Accept: 'text/plain' } })).status, 406);
  const refused = async (query: string) => { const r = await call('GET', `/vl?versions${query}`); return [r.status, r.text]; };
  assert.deepEqual(await refused('&delimiter=.'), [400, 'invalid delimiter param']);
  assert.deepEqual(await refused('&version_marker=' + n2), [400, 'version_marker param requires marker']);
  assert.deepEqual(await refused('&marker=n&version_marker=soon'), [400, 'invalid version_marker param']);
});

test('quotas: container bytes/count; account bytes set by a reseller admin only', async () => {
  await call('PUT', '/q', { headers: { 'X-Container-Meta-Quota-Bytes': '10', 'X-Container-Meta-Quota-Count': '2' } });
  assert.equal((await call('PUT', '/q/a', { body: '12345' })).status, 201);
  assert.equal((await call('PUT', '/q/b', { body: '123456' })).status, 413);
  assert.equal((await call('PUT', '/q/b', { body: '1' })).status, 201);
  assert.equal((await call('PUT', '/q/c', { body: '' })).status, 413);
  async function* stream() { yield Buffer.alloc(20); }
  assert.equal((await call('PUT', '/q/a', { body: stream(), headers: { 'Transfer-Encoding': 'chunked' } })).status, 413);
  assert.equal((await call('HEAD', '/q')).headers['x-container-bytes-used'], '6');
  assert.equal((await call('POST', '/q', { headers: { 'X-Container-Meta-Quota-Bytes': 'lots' } })).status, 400);
  // only a reseller admin (here: admin) sets the account quota
  assert.equal((await call('POST', '', { headers: { 'X-Account-Meta-Quota-Bytes': '100' } })).status, 403);
  const admin = await c.adminToken();
  assert.equal((await swift('POST', u.url, { token: admin, headers: { 'X-Account-Meta-Quota-Bytes': '1' } })).status, 204);
  assert.equal((await call('PUT', '/q/big', { body: '1234567890' })).status, 413);
  assert.equal((await swift('POST', u.url, { token: admin, headers: { 'X-Remove-Account-Meta-Quota-Bytes': 'x' } })).status, 204);
});

test('expiry: X-Delete-After hides the object at once and the expirer removes it', async () => {
  await call('PUT', '/exp');
  await call('PUT', '/exp/o', { body: 'soon gone', headers: { 'X-Delete-After': '2' } });
  const h = await call('HEAD', '/exp/o');
  assert.match(h.headers['x-delete-at']!, /^\d+$/);
  await sleep(3100);
  assert.equal((await call('GET', '/exp/o')).status, 404);
  for (let i = 0; i < 30 && (await call('HEAD', '/exp')).headers['x-container-object-count'] !== '0'; i++) await sleep(200);
  assert.equal((await call('HEAD', '/exp')).headers['x-container-object-count'], '0');
  assert.equal((await call('PUT', '/exp/p', { body: 'x', headers: { 'X-Delete-At': '1000' } })).status, 400);
});

test('static web: anonymous index page and HTML listing; public reads', async () => {
  await call('PUT', '/web', { headers: { 'X-Container-Read': '.r:*,.rlistings', 'X-Container-Meta-Web-Listings': 'true' } });
  await call('PUT', '/web/index.html', { body: '<p>hi</p>', headers: { 'Content-Type': 'text/html' } });
  const listing = await swift('GET', `${u.url}/web/`);
  assert.equal(listing.status, 200);
  assert.match(listing.text, /<a href="\.\/index%2Ehtml">index.html<\/a>/);
  await call('POST', '/web', { headers: { 'X-Container-Meta-Web-Index': 'index.html' } });
  assert.equal((await swift('GET', `${u.url}/web/`)).text, '<p>hi</p>');
  const moved = await swift('GET', `${u.url}/web`);
  assert.deepEqual([moved.status, moved.headers['location']], [301, `${u.url}/web/`]);
  assert.equal((await swift('GET', `${u.url}/web/index.html`)).text, '<p>hi</p>');
});

test('container sync: //realm/cluster/account/container copies objects both ways', async () => {
  await call('PUT', '/sa', { headers: { 'X-Container-Sync-To': `//realm1/name1/${u.account}/sb`, 'X-Container-Sync-Key': 'k' } });
  await call('PUT', '/sb', { headers: { 'X-Container-Sync-To': `//realm1/name1/${u.account}/sa`, 'X-Container-Sync-Key': 'k' } });
  await call('PUT', '/sa/one', { body: '1' });
  await call('PUT', '/sb/two', { body: '2' });
  for (let i = 0; i < 50; i++) {
    if ((await call('GET', '/sa')).text === 'one\ntwo\n' && (await call('GET', '/sb')).text === 'one\ntwo\n') break;
    await sleep(200);
  }
  assert.equal((await call('GET', '/sa')).text, 'one\ntwo\n');
  assert.equal((await call('GET', '/sb/one')).text, '1');
  assert.equal((await call('PUT', '/sc', { headers: { 'X-Container-Sync-To': '//nowhere/x/a/c' } })).status, 400);
});
