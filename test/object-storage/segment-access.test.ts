// A large object reaches its segments with the caller's own rights, as Swift's sub-requests do:
// a manifest in a container someone may read or write does not open the containers its segments
// are in. Each answer below is the one Swift 2.30 gave to the same requests (session 11).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { dbFlags, swift, swiftUser, type SwiftUser } from './helpers.ts';

let c: TestCloud;
let owner: SwiftUser;
let other: SwiftUser;

before(async () => {
  c = await startTestCloud({ ...dbFlags() });
  owner = await swiftUser(c, 'segowner');
  other = await swiftUser(c, 'segother');
});
after(() => c.stop());

/** A request on the owner's account, by `token` (none: anonymous). */
const on = (token: string | undefined, method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}) =>
  swift(method, owner.url + path, { token, ...opts });
const put = async (path: string, opts: { headers?: Record<string, string>; body?: string } = {}) =>
  assert.equal((await on(owner.token, 'PUT', path, { body: '', ...opts })).status, 201, path);
const manifest = (...paths: string[]) => JSON.stringify(paths.map((path) => ({ path })));

test("another project's user granted one container reads, lists and deletes no segment outside it", async () => {
  const grant = `${other.projectId}:${other.userId}`;
  await put('/pub', { headers: { 'X-Container-Read': grant, 'X-Container-Write': grant } });
  await put('/priv');
  await put('/priv/seg1', { body: 'AAAA' });
  await put('/priv/seg2', { body: 'BBBB' });
  await put('/pub/seg3', { body: 'CCCC' });
  await put('/pub/slo?multipart-manifest=put', { body: manifest('priv/seg1', 'pub/seg3') });
  await put('/pub/dlo', { headers: { 'X-Object-Manifest': 'priv/seg' } });
  assert.equal((await on(owner.token, 'GET', '/pub/slo')).text, 'AAAACCCC');
  assert.equal((await on(owner.token, 'GET', '/pub/dlo')).text, 'AAAABBBB');

  const as = (method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}) => on(other.token, method, path, opts);
  // the manifests themselves, yes; the private segments, no
  const slo = await as('GET', '/pub/slo');
  assert.equal(slo.status, 409);
  assert.equal(slo.text.includes('AAAA'), false);
  assert.equal((await as('HEAD', '/pub/slo')).status, 200);
  const tail = await as('GET', '/pub/slo', { headers: { Range: 'bytes=4-7' } });
  assert.deepEqual([tail.status, tail.text], [206, 'CCCC']);
  assert.equal((await as('GET', '/pub/slo?multipart-manifest=get')).status, 200);
  for (const method of ['GET', 'HEAD']) assert.equal((await as(method, '/pub/dlo')).status, 403, method);
  // nor by copying them
  assert.equal((await as('PUT', '/pub/copy', { headers: { 'X-Copy-From': 'pub/slo' }, body: '' })).status, 409);
  assert.equal((await as('PUT', '/pub/copy', { headers: { 'X-Copy-From': 'pub/dlo' }, body: '' })).status, 403);
  assert.equal((await on(owner.token, 'HEAD', '/pub/copy')).status, 404);
  // a manifest of its own cannot name them, whether they exist or not
  const made = await as('PUT', '/pub/mine?multipart-manifest=put', { body: manifest('priv/seg1', 'pub/seg3', 'priv/none') });
  assert.deepEqual([made.status, made.text], [400, 'Errors:\npriv/seg1, 403 Forbidden\npriv/none, 403 Forbidden\n']);
  // deleting a manifest with its segments deletes only those it may delete
  await put('/pub/slo2?multipart-manifest=put', { body: manifest('pub/seg3', 'priv/seg2') });
  const deleted = await as('DELETE', '/pub/slo2?multipart-manifest=delete', { headers: { Accept: 'application/json' } });
  assert.equal(deleted.status, 200);
  assert.equal(deleted.headers['content-type'], 'application/json');
  assert.deepEqual([deleted.json()['Number Deleted'], deleted.json().Errors], [2, [['/priv/seg2', '403 Forbidden']]]);
  assert.equal((await on(owner.token, 'GET', '/priv/seg2')).text, 'BBBB');
  assert.equal((await on(owner.token, 'HEAD', '/pub/seg3')).status, 404);
});

test('anonymous readers and TempURLs reach no segment they could not reach themselves', async () => {
  await put('/web', { headers: { 'X-Container-Read': '.r:*', 'X-Container-Meta-Temp-URL-Key': 'webkey' } });
  await put('/hidden');
  await put('/hidden/seg', { body: 'HHHH' });
  await put('/web/seg', { body: 'WWWW' });
  await put('/web/slo?multipart-manifest=put', { body: manifest('hidden/seg', 'web/seg') });
  await put('/web/own?multipart-manifest=put', { body: manifest('web/seg') });
  await put('/web/dlo', { headers: { 'X-Object-Manifest': 'hidden/seg' } });
  assert.deepEqual([(await on(undefined, 'GET', '/web/seg')).text], ['WWWW']);
  assert.equal((await on(undefined, 'GET', '/web/slo')).status, 409);
  assert.equal((await on(undefined, 'GET', '/web/dlo')).status, 401);

  // a TempURL signed with the container's key reaches that container only
  const expires = Math.floor(Date.now() / 1000) + 60;
  const signed = (object: string, extra = '', method = 'GET') => {
    const path = `/v1/${owner.account}/web/${object}`;
    const sig = createHmac('sha256', 'webkey').update(`${method}\n${expires}\n${path}`).digest('hex');
    return `${owner.url}/web/${object}?temp_url_sig=${sig}&temp_url_expires=${expires}${extra}`;
  };
  assert.equal((await swift('GET', signed('slo'))).status, 409);
  assert.equal((await swift('GET', signed('dlo'))).status, 401);
  // nor copy from another one: a TempURL may not carry X-Copy-From at all
  const copied = await swift('PUT', signed('copy', '', 'PUT'), { headers: { 'X-Copy-From': 'hidden/seg' }, body: '' });
  assert.deepEqual([copied.status, copied.text], [400, "The header 'X-Copy-From' is not allowed in this tempurl"]);
  assert.equal((await on(owner.token, 'HEAD', '/web/copy')).status, 404);
  // and hands on only the parameters it signed: no manifest, the content it names
  const own = await swift('GET', signed('own', '&multipart-manifest=get'));
  assert.deepEqual([own.status, own.text], [200, 'WWWW']);
});

test('a segment that is a symlink is followed, each hop with the caller’s rights', async () => {
  await put('/ln');
  await put('/ln/target', { body: 'TARGETDATA' });
  await put('/ln/link', { headers: { 'X-Symlink-Target': 'ln/target' } });
  await put('/ln/dangling', { headers: { 'X-Symlink-Target': 'ln/nothing' } });
  await put('/ln/plain', { body: 'XY' });
  // the manifest records where the link ends, and reading it reads that
  await put('/ln/slo?multipart-manifest=put', { body: manifest('ln/link', 'ln/plain') });
  const segments = (await on(owner.token, 'GET', '/ln/slo?multipart-manifest=get')).json();
  assert.deepEqual(segments.map((s: any) => [s.name, s.bytes]), [['/ln/link', 10], ['/ln/plain', 2]]);
  assert.equal((await on(owner.token, 'GET', '/ln/slo')).text, 'TARGETDATAXY');
  const dangling = await on(owner.token, 'PUT', '/ln/bad?multipart-manifest=put', { body: manifest('ln/dangling', 'ln/plain') });
  assert.deepEqual([dangling.status, dangling.text], [400, 'Errors:\nln/dangling, 404 Not Found\n']);
  // a target rewritten since no longer matches the manifest
  await put('/ln/target', { body: 'OTHERDATA!' });
  assert.equal((await on(owner.token, 'GET', '/ln/slo')).status, 409);

  // a link in a container another user may read does not open the one it points into
  const grant = `${other.projectId}:${other.userId}`;
  await put('/shared', { headers: { 'X-Container-Read': grant } });
  await put('/shared/way-in', { headers: { 'X-Symlink-Target': 'ln/plain' } });
  await put('/shared/slo?multipart-manifest=put', { body: manifest('shared/way-in') });
  assert.equal((await on(owner.token, 'GET', '/shared/slo')).text, 'XY');
  assert.equal((await on(other.token, 'GET', '/shared/slo')).status, 409);
});
