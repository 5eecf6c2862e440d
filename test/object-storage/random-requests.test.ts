// Seeded random requests: odd names, query parameters, header values and bodies (manifests,
// archives, bulk-delete lists) in every combination the hand-written cases do not reach. Whatever
// comes in, the answer is never a 5xx, another project's account never yields a 2xx, and
// afterwards every container's stats match its listing. A failure prints the request, and the
// seed (RANDOM_SEED) replays the run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { dbFlags, swift, swiftUser, type SwiftUser } from './helpers.ts';
import { prng, randomRequest } from './random-swift.ts';

const SEED = Number(process.env.RANDOM_SEED ?? 20261128);
const REQUESTS = Number(process.env.RANDOM_REQUESTS ?? 800);

let c: TestCloud;
let u: SwiftUser;
let other: SwiftUser;

before(async () => {
  c = await startTestCloud({ ...dbFlags() });
  u = await swiftUser(c, 'randomizer');
  other = await swiftUser(c, 'bystander');
  for (const name of ['c', 'c2', 'vers']) assert.equal((await swift('PUT', `${u.url}/${name}`, { token: u.token })).status, 201);
  assert.equal((await swift('PUT', `${u.url}/c/o`, { token: u.token, body: '0123456789' })).status, 201);
  assert.equal((await swift('PUT', `${u.url}/c/seg/1`, { token: u.token, body: 'abcdef' })).status, 201);
  assert.equal((await swift('PUT', `${other.url}/c`, { token: other.token })).status, 201);
  assert.equal((await swift('PUT', `${other.url}/c/o`, { token: other.token, body: 'not yours' })).status, 201);
});
after(() => c.stop());

test(`${REQUESTS} random requests: never a 5xx, never into another project's account`, async () => {
  const rnd = prng(SEED);
  for (let i = 0; i < REQUESTS; i++) {
    const r = randomRequest(rnd, 0.1);
    const url = (r.foreign ? other.url : u.url) + r.path;
    const res = await swift(r.method, url, { token: u.token, headers: r.headers, body: r.body });
    const what = `request ${i} (seed ${SEED}): ${r.method} ${url.slice(0, 300)} ${JSON.stringify(r.headers).slice(0, 300)} → ${res.status} ${res.text.slice(0, 200)}`;
    assert.ok(res.status < 500, what);
    if (r.foreign && !r.bulk) assert.ok(res.status >= 400, what);
  }
  // the other project's account is as it was: one container, one object, no metadata or ACLs
  const theirs = (path: string) => swift('GET', `${other.url}${path}`, { token: other.token });
  assert.equal((await theirs('')).text, 'c\n');
  assert.equal((await theirs('/c')).text, 'o\n');
  assert.equal((await theirs('/c/o')).text, 'not yours');
  for (const path of ['', '/c', '/c/o']) {
    const head = await swift('HEAD', `${other.url}${path}`, { token: other.token });
    const extra = Object.keys(head.headers).filter((h) => /^x-(account|container|object)-(meta|read|write|access)|^x-(versions|history)-location/.test(h));
    assert.deepEqual(extra, [], `${path || 'account'}: ${extra}`);
  }
});

test('afterwards every container lists what its stats count, and the account adds them up', async () => {
  const account = await swift('GET', `${u.url}?format=json`, { token: u.token });
  assert.equal(account.status, 200);
  let objects = 0;
  let bytes = 0;
  for (const { name, count, bytes: used } of account.json() as Array<{ name: string; count: number; bytes: number }>) {
    const path = `${u.url}/${encodeURIComponent(name)}`;
    const listing = await swift('GET', `${path}?format=json&limit=10000`, { token: u.token });
    const rows = listing.status === 204 ? [] : (listing.json() as Array<{ bytes: number }>);
    const head = await swift('HEAD', path, { token: u.token });
    assert.equal(Number(head.headers['x-container-object-count']), rows.length, name);
    assert.equal(Number(head.headers['x-container-bytes-used']), rows.reduce((n, o) => n + o.bytes, 0), name);
    assert.equal(count, rows.length, name);
    assert.equal(used, Number(head.headers['x-container-bytes-used']), name);
    objects += count;
    bytes += used;
  }
  assert.equal(Number(account.headers['x-account-object-count']), objects);
  assert.equal(Number(account.headers['x-account-bytes-used']), bytes);
});
