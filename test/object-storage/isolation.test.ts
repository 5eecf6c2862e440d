// Cross-project isolation, as keystoneauth enforces it: a member of project B neither sees nor
// touches project A's account (403), anonymous requests get 401, and only ACLs open doors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { dbFlags, swift, swiftUser, type SwiftUser } from './helpers.ts';

let c: TestCloud;
let a: SwiftUser;
let b: SwiftUser;
let reader: SwiftUser;

before(async () => {
  c = await startTestCloud({ ...dbFlags() });
  a = await swiftUser(c, 'alice');
  b = await swiftUser(c, 'bob');
  reader = await swiftUser(c, 'rita', 'reader');
  assert.equal((await swift('PUT', `${a.url}/private`, { token: a.token })).status, 201);
  assert.equal((await swift('PUT', `${a.url}/private/secret.txt`, { token: a.token, body: 'top secret' })).status, 201);
});
after(() => c.stop());

test('a member of another project gets 403 on every account, container and object operation', async () => {
  const as = (method: string, path: string, body?: string) => swift(method, a.url + path, { token: b.token, body, headers: method === 'COPY' ? { Destination: 'private/copy' } : {} });
  for (const [method, path] of [['GET', ''], ['HEAD', ''], ['POST', ''], ['GET', '/private'], ['HEAD', '/private'], ['PUT', '/private'],
    ['POST', '/private'], ['DELETE', '/private'], ['PUT', '/newone'], ['GET', '/private/secret.txt'], ['HEAD', '/private/secret.txt'],
    ['PUT', '/private/other.txt'], ['POST', '/private/secret.txt'], ['DELETE', '/private/secret.txt'], ['COPY', '/private/secret.txt']] as const) {
    const r = await as(method, path);
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.text.includes('top secret'), false);
  }
  assert.equal((await swift('PUT', `${b.url}/mine`, { token: b.token })).status, 201);
  assert.equal((await swift('PUT', `${b.url}/mine/stolen`, { token: b.token, headers: { 'X-Copy-From': 'private/secret.txt', 'X-Copy-From-Account': a.account } })).status, 403);
  assert.equal((await swift('COPY', `${b.url}/mine/stolen`, { token: b.token, headers: { Destination: 'private/planted', 'Destination-Account': a.account } })).status, 403);
  // B's own account shows nothing of A's
  assert.equal((await swift('GET', b.url, { token: b.token })).text, 'mine\n');
  assert.equal((await swift('GET', `${a.url}/private/secret.txt`, { token: a.token })).text, 'top secret');
});

test('anonymous and badly authenticated requests get 401', async () => {
  assert.equal((await swift('GET', `${a.url}/private/secret.txt`)).status, 401);
  assert.equal((await swift('GET', a.url)).status, 401);
  assert.equal((await swift('GET', `${a.url}/private/secret.txt`, { token: 'not-a-token' })).status, 401);
  assert.equal((await swift('GET', `${c.url}/object-store/v1/OTHER_${a.projectId}`)).status, 401);
});

test('container ACLs grant reads and writes to named project:user pairs, nothing more', async () => {
  await swift('PUT', `${a.url}/shared`, { token: a.token, headers: { 'X-Container-Read': `${b.projectId}:${b.userId}` } });
  await swift('PUT', `${a.url}/shared/doc`, { token: a.token, body: 'shared doc' });
  assert.equal((await swift('GET', `${a.url}/shared/doc`, { token: b.token })).text, 'shared doc');
  assert.equal((await swift('GET', `${a.url}/shared`, { token: b.token })).text, 'doc\n');
  const head = await swift('HEAD', `${a.url}/shared`, { token: b.token });
  assert.equal(head.headers['x-container-read'], undefined, 'ACLs are for the owner only');
  assert.equal((await swift('HEAD', `${a.url}/shared`, { token: a.token })).headers['x-container-read'], `${b.projectId}:${b.userId}`);
  assert.equal((await swift('PUT', `${a.url}/shared/b-wrote`, { token: b.token, body: 'x' })).status, 403);
  await swift('POST', `${a.url}/shared`, { token: a.token, headers: { 'X-Container-Write': `${b.projectId}:*` } });
  assert.equal((await swift('PUT', `${a.url}/shared/b-wrote`, { token: b.token, body: 'x' })).status, 201);
  assert.equal((await swift('DELETE', `${a.url}/shared/b-wrote`, { token: b.token })).status, 204);
  // the write ACL does not make B an owner
  assert.equal((await swift('POST', `${a.url}/shared`, { token: b.token, headers: { 'X-Container-Read': '.r:*' } })).status, 403);
  assert.equal((await swift('DELETE', `${a.url}/shared`, { token: b.token })).status, 403);
  assert.equal((await swift('GET', `${a.url}/private/secret.txt`, { token: b.token })).status, 403);
});

test('public containers: .r:* lets anyone read objects, .rlistings also list', async () => {
  await swift('PUT', `${a.url}/public`, { token: a.token, headers: { 'X-Container-Read': '.r:*' } });
  await swift('PUT', `${a.url}/public/pic`, { token: a.token, body: 'picture' });
  assert.equal((await swift('GET', `${a.url}/public/pic`)).text, 'picture');
  assert.equal((await swift('GET', `${a.url}/public`)).status, 401);
  await swift('POST', `${a.url}/public`, { token: a.token, headers: { 'X-Container-Read': '.r:*,.rlistings' } });
  assert.equal((await swift('GET', `${a.url}/public`)).text, 'pic\n');
  assert.equal((await swift('PUT', `${a.url}/public/x`, { body: 'x' })).status, 401);
});

test('a reader of the project may read but not write; account ACLs grant per level', async () => {
  // rita is a reader in her own project: read-only there
  await swift('PUT', `${reader.url}/c`, { token: reader.token }).then((r) => assert.equal(r.status, 403));
  assert.equal((await swift('GET', reader.url, { token: reader.token })).status, 204);
  // alice grants bob read-only on her whole account
  const acl = JSON.stringify({ 'read-only': [b.userId] });
  assert.equal((await swift('POST', a.url, { token: a.token, headers: { 'X-Account-Access-Control': acl } })).status, 204);
  assert.equal((await swift('GET', `${a.url}/private/secret.txt`, { token: b.token })).text, 'top secret');
  assert.equal((await swift('PUT', `${a.url}/private/nope`, { token: b.token, body: 'x' })).status, 403);
  assert.equal((await swift('HEAD', a.url, { token: b.token })).headers['x-account-access-control'], undefined);
  assert.equal((await swift('POST', a.url, { token: a.token, headers: { 'X-Account-Access-Control': '{}' } })).status, 204);
  assert.equal((await swift('GET', `${a.url}/private/secret.txt`, { token: b.token })).status, 403);
});
