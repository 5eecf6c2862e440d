// Seeded random requests: odd names, query parameters, header values and bodies (manifests,
// archives, bulk-delete lists) in every combination the hand-written cases do not reach. Whatever
// comes in, the answer is never a 5xx, another project's account never yields a 2xx, and
// afterwards every container's stats match its listing. A failure prints the request, and the
// seed (RANDOM_SEED) replays the run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { dbFlags, swift, swiftUser, type SwiftUser } from './helpers.ts';

const SEED = Number(process.env.RANDOM_SEED ?? 20261128);
const REQUESTS = Number(process.env.RANDOM_REQUESTS ?? 800);

/** mulberry32: small, fast and good enough to pick from lists. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONTAINERS = ['c', 'c2', 'vers', 'n'.repeat(260), '%00', '%C3%A9', 'c%2Fd', '%FF'];
const OBJECTS = ['o', 'a/b', 'a//b', '..', '.', 'x%00y', '%FF%FE', '%E2%82%AC', 'n'.repeat(1030), 'sp%20ace', 'seg/1', 'dir/', 'slo', 'dlo', 'cp'];
const HEADERS = ['X-Delete-At', 'X-Delete-After', 'Range', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'If-Unmodified-Since',
  'X-Copy-From', 'X-Copy-From-Account', 'Destination', 'Destination-Account', 'X-Fresh-Metadata', 'X-Object-Manifest',
  'X-Static-Large-Object', 'Content-Type', 'Content-Disposition', 'Content-Encoding', 'ETag', 'X-Versions-Location',
  'X-History-Location', 'X-Versions-Enabled', 'X-Remove-Versions-Location', 'X-Container-Read', 'X-Container-Write',
  'X-Account-Access-Control', 'X-Container-Meta-Quota-Bytes', 'X-Container-Meta-Quota-Count', 'X-Container-Meta-Temp-URL-Key',
  'X-Account-Meta-Temp-URL-Key', 'X-Object-Meta-K', 'X-Container-Meta-K', 'X-Account-Meta-K', 'X-Remove-Container-Meta-K',
  'X-Storage-Policy', 'X-Detect-Content-Type', 'X-Symlink-Target', 'Accept', 'X-Timestamp', 'X-Open-Expired'];
const VALUES = ['', '0', '-1', '1', '99999999999999999999', '1.5', 'abc', '{}', '[]', '{"a":1}', 'null', '*', 'bytes=0-0',
  'bytes=-5', 'bytes=5-', 'bytes=0-1,3-4', 'bytes=9-1', 'bytes=x', 'c/o', '/c/o', 'c', 'c/', '/', '%00',
  'Thu, 01 Jan 1970 00:00:00 GMT', 'no date', 'true', 'false', '.r:*', '.r:*,.rlistings', 'a:b', '.r:-x', 'text/plain',
  'application/json', 'x'.repeat(300), ' 5', '0x10', '{"read-only":["*"]}', String(Math.floor(Date.now() / 1000) + 3600)];
const QUERY_KEYS = ['format', 'limit', 'marker', 'end_marker', 'prefix', 'delimiter', 'path', 'reverse', 'multipart-manifest',
  'version-id', 'versions', 'bulk-delete', 'extract-archive', 'temp_url_sig', 'temp_url_expires', 'temp_url_prefix', 'filename',
  'inline', 'symlink'];
const QUERY_VALUES = ['', 'json', 'xml', 'plain', 'get', 'put', 'delete', 'tar', 'tar.gz', '0', '-1', '10001', 'abc', 'a/',
  '/', 'on', 'true', '%00', '%FF', 'z'.repeat(2000), 'a'.repeat(40), String(Math.floor(Date.now() / 1000) + 3600)];

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

function randomRequest(rnd: () => number) {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const method = pick(['GET', 'HEAD', 'PUT', 'PUT', 'PUT', 'POST', 'DELETE', 'COPY']);
  const foreign = rnd() < 0.1;
  const depth = pick([0, 1, 2, 2, 2]);
  let path = depth === 0 ? '' : depth === 1 ? `/${pick(CONTAINERS)}` : `/${pick(CONTAINERS)}/${pick(OBJECTS)}`;
  if (rnd() < 0.5) path += '?' + Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => `${pick(QUERY_KEYS)}=${pick(QUERY_VALUES)}`).join('&');
  const headers: Record<string, string> = {};
  for (let k = Math.floor(rnd() * 4); k > 0; k--) headers[pick(HEADERS)] = pick(VALUES);
  let body: string | Buffer | undefined;
  if (method === 'PUT' || method === 'POST' || method === 'DELETE') {
    body = pick([undefined, '', 'hello', manifest(rnd, pick), manifest(rnd, pick), tarLike(rnd, pick), 'c/o\nc/absent\n/c2\n', Buffer.alloc(70_000, 1)]);
  }
  // Swift's bulk middleware runs before authentication and answers 200 with each entry's
  // outcome (403 for another's account) in the body: only other requests must fail outright.
  const query = new URLSearchParams(path.split('?')[1] ?? '');
  const bulk = (method === 'PUT' && query.has('extract-archive')) || ((method === 'POST' || method === 'DELETE') && query.has('bulk-delete'));
  return { method, url: (foreign ? other.url : u.url) + path, foreign, bulk, headers, body };
}

/** An SLO manifest, well-formed or not. */
function manifest(rnd: () => number, pick: <T>(a: readonly T[]) => T): string {
  const segments = Array.from({ length: Math.floor(rnd() * 4) }, () => {
    const s: Record<string, unknown> = {};
    if (rnd() < 0.9) s.path = pick(['/c/o', '/c/seg/1', 'c/o', '/c', '/c/absent', '/c2/o', '/c/slo', '', 5, null, '/c/%00']);
    if (rnd() < 0.4) s.etag = pick([null, '', 'abc', '781e5e245d69b566979b86e28d23f2c7', 5]);
    if (rnd() < 0.4) s.size_bytes = pick([null, 0, 10, -1, '10', 1e20, 'x']);
    if (rnd() < 0.3) s.range = pick(['0-1', '-1', '5-', 'x', '1-0', '0-99999', '']);
    if (rnd() < 0.2) s.data = pick(['', 'aGVsbG8=', '!!!', 5]);
    return s;
  });
  return pick([JSON.stringify(segments), JSON.stringify(segments), '{', '""', '{"path":"/c/o"}', '[[1]]', '[null]']);
}

/** A block that looks like a tar header with random damage. */
function tarLike(rnd: () => number, pick: <T>(a: readonly T[]) => T): Buffer {
  const b = Buffer.alloc(1024 + Math.floor(rnd() * 2048));
  for (let i = 0; i < b.length; i++) b[i] = rnd() < 0.5 ? 0 : Math.floor(rnd() * 256);
  b.write(pick(['c/x', 'a/b/c', '', '../x', 'x'.repeat(100)]), 0);
  b.write('0000644\0', 100);
  b.write(pick(['00000000012\0', '77777777777\0', 'zzzz', '-1']), 124);
  b.write('ustar\0', 257);
  return b;
}

test(`${REQUESTS} random requests: never a 5xx, never into another project's account`, async () => {
  const rnd = prng(SEED);
  for (let i = 0; i < REQUESTS; i++) {
    const r = randomRequest(rnd);
    const res = await swift(r.method, r.url, { token: u.token, headers: r.headers, body: r.body });
    const what = `request ${i} (seed ${SEED}): ${r.method} ${r.url.slice(0, 300)} ${JSON.stringify(r.headers).slice(0, 300)} → ${res.status} ${res.text.slice(0, 200)}`;
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
