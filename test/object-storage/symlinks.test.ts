// Symlinks (X-Symlink-Target), as Swift 2.30's symlink middleware behaves: the answers below
// were taken from the reference Swift (../shared/anchors/swift-ref.sh) for the same requests.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { dbFlags, swift, swiftUser, type SwiftUser } from './helpers.ts';

let c: TestCloud;
let u: SwiftUser;
let other: SwiftUser;
const md5 = (b: string) => createHash('md5').update(b).digest('hex');
const EMPTY = md5('');
const call = (method: string, path: string, opts: Parameters<typeof swift>[2] = {}) => swift(method, u.url + path, { token: u.token, ...opts });
const link = (path: string, target: string, headers: Record<string, string> = {}) =>
  call('PUT', path, { headers: { 'X-Symlink-Target': target, ...headers } });
const loc = (account: string, path: string) => `/object-store/v1/${account}/${path}`;

before(async () => {
  c = await startTestCloud(dbFlags());
  u = await swiftUser(c, 'linker');
  other = await swiftUser(c, 'linked');
  await call('PUT', '/sl');
  await call('PUT', '/sl/tgt', { body: 'hello', headers: { 'Content-Type': 'text/x-target', 'X-Object-Meta-A': '1' } });
});
after(() => c.stop());

test('a dynamic link: GET and HEAD reach the target, ?symlink=get the link itself', async () => {
  const put = await link('/sl/link', 'sl/tgt');
  assert.deepEqual([put.status, put.headers['etag']], [201, EMPTY]);
  const got = await call('GET', '/sl/link');
  assert.deepEqual([got.status, got.text, got.headers['content-type'], got.headers['x-object-meta-a'], got.headers['etag']],
    [200, 'hello', 'text/x-target', '1', md5('hello')]);
  assert.equal(got.headers['content-location'], loc(u.account, 'sl/tgt'));
  assert.equal(got.headers['x-symlink-target'], undefined);
  const own = await call('HEAD', '/sl/link?symlink=get');
  assert.deepEqual([own.status, own.headers['content-type'], own.headers['content-length'], own.headers['etag'], own.headers['x-symlink-target']],
    [200, 'application/symlink', '0', EMPTY, 'sl/tgt']);
  // conditions and ranges apply to the target
  assert.equal((await call('GET', '/sl/link', { headers: { 'If-None-Match': md5('hello') } })).status, 304);
  assert.equal((await call('GET', '/sl/link', { headers: { 'If-Match': EMPTY } })).status, 412);
  const part = await call('GET', '/sl/link', { headers: { Range: 'bytes=1-2' } });
  assert.deepEqual([part.status, part.text, part.headers['content-range']], [206, 'el', 'bytes 1-2/5']);
  // a target name is stored %-encoded, as Swift stores it
  await link('/sl/spaced', 'sl/a b');
  assert.equal((await call('HEAD', '/sl/spaced?symlink=get')).headers['x-symlink-target'], 'sl/a%20b');
});

test('a static link records the target ETag and size, and refuses a changed target', async () => {
  await call('PUT', '/sl/st', { body: 'static', headers: { 'Content-Type': 'text/x-static' } });
  assert.equal((await link('/sl/s-missing', 'sl/nope', { 'X-Symlink-Target-Etag': md5('x') })).status, 409);
  const wrong = await link('/sl/s-wrong', 'sl/st', { 'X-Symlink-Target-Etag': md5('x') });
  assert.deepEqual([wrong.status, wrong.text], [409, `Object Etag '${md5('static')}' does not match X-Symlink-Target-Etag header '${md5('x')}'`]);
  assert.equal(wrong.headers['content-location'], loc(u.account, 'sl/st'));
  assert.equal((await link('/sl/slink', 'sl/st', { 'X-Symlink-Target-Etag': `"${md5('static')}"` })).status, 201);
  const own = await call('HEAD', '/sl/slink?symlink=get');
  assert.deepEqual([own.headers['content-type'], own.headers['x-symlink-target-etag'], own.headers['x-symlink-target-bytes']],
    ['text/x-static', md5('static'), '6']);
  assert.equal((await call('GET', '/sl/slink')).text, 'static');
  const listing = (await call('GET', '/sl?format=json&prefix=s')).json();
  const entry = listing.find((e: any) => e.name === 'slink');
  assert.deepEqual(Object.keys(entry), ['bytes', 'hash', 'name', 'content_type', 'last_modified', 'symlink_etag', 'symlink_bytes', 'symlink_path']);
  assert.deepEqual([entry.symlink_etag, entry.symlink_bytes, entry.symlink_path], [md5('static'), 6, `/v1/${u.account}/sl/st`]);
  assert.equal(listing.find((e: any) => e.name === 'st').symlink_path, undefined);
  await call('PUT', '/sl/st', { body: 'changed' });
  const stale = await call('GET', '/sl/slink');
  assert.deepEqual([stale.status, stale.text], [409, `Object Etag '${md5('changed')}' does not match X-Symlink-Target-Etag header '${md5('static')}'`]);
});

test('links to links: two hops are followed, a third or a loop is a 409; a dangling link 404s', async () => {
  await link('/sl/hop1', 'sl/tgt');
  await link('/sl/hop2', 'sl/hop1');
  await link('/sl/hop3', 'sl/hop2');
  assert.equal((await call('GET', '/sl/hop2')).text, 'hello');
  const deep = await call('GET', '/sl/hop3');
  assert.deepEqual([deep.status, deep.text], [409, 'Too many levels of symbolic links, maximum allowed is 2']);
  await link('/sl/la', 'sl/lb');
  await link('/sl/lb', 'sl/la');
  assert.equal((await call('HEAD', '/sl/la')).status, 409);
  assert.equal((await link('/sl/dangling', 'sl/nothing')).status, 201);
  const gone = await call('GET', '/sl/dangling');
  assert.deepEqual([gone.status, gone.headers['content-location']], [404, loc(u.account, 'sl/nothing')]);
  assert.equal((await call('HEAD', '/sl/dangling')).headers['content-length'], '0');
});

test('POST to a link updates the link and redirects (307); DELETE removes the link only', async () => {
  await link('/sl/p', 'sl/tgt');
  const post = await call('POST', '/sl/p', { headers: { 'X-Object-Meta-B': '2' } });
  assert.deepEqual([post.status, post.headers['location']], [307, loc(u.account, 'sl/tgt')]);
  assert.equal((await call('HEAD', '/sl/p?symlink=get')).headers['x-object-meta-b'], '2');
  assert.equal((await call('HEAD', '/sl/tgt')).headers['x-object-meta-b'], undefined);
  assert.equal((await call('POST', '/sl/tgt', { headers: { 'X-Symlink-Target': 'sl/x' } })).status, 400);
  assert.equal((await call('DELETE', '/sl/p')).status, 204);
  assert.equal((await call('GET', '/sl/tgt')).text, 'hello');
});

test('a copy of a link copies the target, or with ?symlink=get the link', async () => {
  await link('/sl/c', 'sl/tgt');
  const copy = await call('COPY', '/sl/c', { headers: { Destination: 'sl/c-data' } });
  assert.deepEqual([copy.status, copy.headers['etag'], copy.headers['x-copied-from']], [201, md5('hello'), 'sl/c']);
  assert.deepEqual([(await call('GET', '/sl/c-data?symlink=get')).text, (await call('HEAD', '/sl/c-data?symlink=get')).headers['x-symlink-target']], ['hello', undefined]);
  assert.equal((await call('PUT', '/sl/c-data2', { headers: { 'X-Copy-From': 'sl/c' } })).headers['etag'], md5('hello'));
  const asLink = await call('COPY', '/sl/c?symlink=get', { headers: { Destination: 'sl/c-link' } });
  assert.deepEqual([asLink.status, asLink.headers['etag']], [201, EMPTY]);
  assert.equal((await call('HEAD', '/sl/c-link?symlink=get')).headers['x-symlink-target'], 'sl/tgt');
  assert.equal((await call('GET', '/sl/c-link')).text, 'hello');
});

test('bad symlink requests get Swift\'s 4xx', async () => {
  const cases: Array<[string, Record<string, string>, string | undefined, number, string]> = [
    ['a body', { 'X-Symlink-Target': 'sl/tgt' }, 'abc', 400, 'Symlink requests require a zero byte body'],
    ['no container', { 'X-Symlink-Target': 'tgt' }, undefined, 412, 'X-Symlink-Target header must be of the form <container name>/<object name>'],
    ['a leading slash', { 'X-Symlink-Target': '/sl/tgt' }, undefined, 412, 'X-Symlink-Target header must be of the form <container name>/<object name>'],
    ['an empty object', { 'X-Symlink-Target': 'sl/' }, undefined, 412, 'X-Symlink-Target header must be of the form <container name>/<object name>'],
    ['itself', { 'X-Symlink-Target': 'sl/bad' }, undefined, 400, 'Symlink cannot target itself'],
    ['a slash in the account', { 'X-Symlink-Target': 'sl/tgt', 'X-Symlink-Target-Account': 'a/b' }, undefined, 412, 'Account name cannot contain slashes'],
    ['a bad etag', { 'X-Symlink-Target': 'sl/tgt', 'X-Symlink-Target-Etag': 'a;b' }, undefined, 400, 'Bad X-Symlink-Target-Etag format'],
  ];
  for (const [what, headers, body, status, text] of cases) {
    const r = await call('PUT', '/sl/bad', { headers, body });
    assert.deepEqual([r.status, r.text], [status, text], what);
  }
  assert.equal((await call('HEAD', '/sl/bad')).status, 404);
  // an empty chunked body is no body
  const chunked = await call('PUT', '/sl/chunked', { headers: { 'X-Symlink-Target': 'sl/tgt', 'Transfer-Encoding': 'chunked' }, body: (async function* () { /* nothing */ })() });
  assert.equal(chunked.status, 201);
});

test('every hop is authorized: a link reaches only what its reader may read', async () => {
  await swift('PUT', `${other.url}/private`, { token: other.token });
  await swift('PUT', `${other.url}/private/secret`, { token: other.token, body: 'secret' });
  // u links into the other project: the link is allowed, reading through it is not
  assert.equal((await link('/sl/theirs', 'private/secret', { 'X-Symlink-Target-Account': other.account })).status, 201);
  assert.equal((await call('HEAD', '/sl/theirs?symlink=get')).headers['x-symlink-target-account'], other.account);
  assert.equal((await call('GET', '/sl/theirs')).status, 403);
  assert.equal((await call('COPY', '/sl/theirs', { headers: { Destination: 'sl/stolen' } })).status, 403);
  assert.equal((await call('HEAD', '/sl/stolen')).status, 404);
  // once the owner grants read access, the same link works
  await swift('POST', `${other.url}/private`, { token: other.token, headers: { 'X-Container-Read': `${u.projectId}:${u.userId}` } });
  assert.equal((await call('GET', '/sl/theirs')).text, 'secret');
  // the other project cannot use a link of its own to read u's objects
  await swift('PUT', `${other.url}/mine`, { token: other.token });
  await swift('PUT', `${other.url}/mine/peek`, { token: other.token, headers: { 'X-Symlink-Target': 'sl/tgt', 'X-Symlink-Target-Account': u.account } });
  assert.equal((await swift('GET', `${other.url}/mine/peek`, { token: other.token })).status, 403);
});

test('a TempURL follows a link within its scope only', async () => {
  await call('PUT', '/elsewhere');
  await call('PUT', '/elsewhere/obj', { body: 'far' });
  await call('POST', '/sl', { headers: { 'X-Container-Meta-Temp-URL-Key': 'ckey' } });
  await link('/sl/near', 'sl/tgt');
  await link('/sl/far', 'elsewhere/obj');
  const exp = Math.floor(Date.now() / 1000) + 60;
  const url = (key: string, obj: string, method = 'GET') => {
    const path = `/v1/${u.account}/sl/${obj}`;
    const sig = createHmac('sha256', key).update(`${method}\n${exp}\n${path}`).digest('hex');
    return `${c.url}/object-store${path}?temp_url_sig=${sig}&temp_url_expires=${exp}`;
  };
  assert.equal((await swift('GET', url('ckey', 'near'))).text, 'hello');
  assert.equal((await swift('GET', url('ckey', 'far'))).status, 401);
  // an account key reaches other containers of the account
  await call('POST', '', { headers: { 'X-Account-Meta-Temp-URL-Key': 'akey' } });
  assert.equal((await swift('GET', url('akey', 'far'))).text, 'far');
  // and a TempURL cannot make a link
  const put = await swift('PUT', url('akey', 'made', 'PUT'), { headers: { 'X-Symlink-Target': 'sl/tgt' } });
  assert.deepEqual([put.status, put.text], [400, "The header 'X-Symlink-Target' is not allowed in this tempurl"]);
});

test('/info lists symlinks', async () => {
  const info = (await swift('GET', `${c.url}/object-store/info`)).json();
  assert.deepEqual(info.symlink, { symloop_max: 2, static_links: true });
});
