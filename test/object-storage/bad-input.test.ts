// Bad input gets Swift's 4xx, never a 500: names with NUL, invalid UTF-8 or over the limits,
// too much metadata, bad ranges, bad manifests, bad ACLs, bad expiry times, bad listings.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { dbFlags, swift, swiftUser, type SwiftUser } from './helpers.ts';

let c: TestCloud;
let u: SwiftUser;
const call = (method: string, path: string, opts: Parameters<typeof swift>[2] = {}) => swift(method, u.url + path, { token: u.token, ...opts });

before(async () => {
  c = await startTestCloud({ ...dbFlags() });
  u = await swiftUser(c, 'badinput');
  await call('PUT', '/c');
  await call('PUT', '/c/o', { body: '0123456789' });
});
after(() => c.stop());

/** A request written by hand on a socket (for what clients refuse to send). */
function rawRequest(lines: string[]): Promise<number> {
  const url = new URL(c.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(url.port), url.hostname, () => s.write(lines.join('\r\n') + '\r\n\r\n'));
    let data = '';
    s.on('data', (d) => { data += d.toString(); const m = /^HTTP\/1\.1 (\d{3})/.exec(data); if (m) { s.destroy(); resolve(Number(m[1])); } });
    s.on('error', reject);
  });
}

const cases: Array<[string, string, string, Parameters<typeof swift>[2], number]> = [
  ['NUL in an object name', 'PUT', '/c/a%00b', { body: 'x' }, 412],
  ['NUL in a container name', 'PUT', '/a%00b', {}, 412],
  ['container name too long', 'PUT', '/' + 'n'.repeat(257), {}, 400],
  ['object name too long', 'PUT', '/c/' + 'n'.repeat(1025), { body: 'x' }, 400],
  ['metadata name too long', 'PUT', '/c/m1', { body: 'x', headers: { ['X-Object-Meta-' + 'k'.repeat(129)]: 'v' } }, 400],
  ['metadata value too long', 'POST', '/c', { headers: { 'X-Container-Meta-K': 'v'.repeat(257) } }, 400],
  ['too many metadata items', 'POST', '', { headers: Object.fromEntries(Array.from({ length: 91 }, (_, i) => [`X-Account-Meta-K${i}`, 'v'])) }, 400],
  ['metadata too large overall', 'PUT', '/c/m2', { body: 'x', headers: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-Object-Meta-K${i}`, 'v'.repeat(250)])) }, 400],
  ['empty metadata name', 'POST', '/c', { headers: { 'X-Container-Meta-': 'v' } }, 400],
  ['object larger than max_file_size', 'PUT', '/c/huge', { headers: { 'Content-Length': '5368709123' } }, 413],
  ['unsatisfiable range', 'GET', '/c/o', { headers: { Range: 'bytes=100-200' } }, 416],
  ['manifest that is not JSON', 'PUT', '/c/m?multipart-manifest=put', { body: '{nope' }, 400],
  ['manifest that is not a list', 'PUT', '/c/m?multipart-manifest=put', { body: '{"path": "/c/o"}' }, 400],
  ['manifest segment without a container', 'PUT', '/c/m?multipart-manifest=put', { body: '[{"path": "nocontainer"}]' }, 400],
  ['manifest naming itself', 'PUT', '/c/m?multipart-manifest=put', { body: '[{"path": "/c/m"}]' }, 400],
  ['manifest with extra keys', 'PUT', '/c/m?multipart-manifest=put', { body: '[{"path": "/c/o", "color": "red"}]' }, 400],
  ['manifest with a bad range', 'PUT', '/c/m?multipart-manifest=put', { body: '[{"path": "/c/o", "range": "x-y"}]' }, 400],
  ['manifest segment that is missing', 'PUT', '/c/m?multipart-manifest=put', { body: '[{"path": "/c/absent"}]' }, 400],
  ['manifest with a wrong size', 'PUT', '/c/m?multipart-manifest=put', { body: '[{"path": "/c/o", "size_bytes": 11}]' }, 400],
  ['X-Static-Large-Object set by hand', 'PUT', '/c/m3', { body: 'x', headers: { 'X-Static-Large-Object': 'True' } }, 400],
  ['X-Static-Large-Object on a POST', 'POST', '/c/o', { headers: { 'X-Static-Large-Object': 'True' } }, 400],
  ['X-Static-Large-Object on a DELETE', 'DELETE', '/c/o', { headers: { 'X-Static-Large-Object': 'False' } }, 400],
  ['DLO manifest header without a container', 'PUT', '/c/m4', { headers: { 'X-Object-Manifest': 'noslash' } }, 400],
  ['DLO manifest header without a prefix', 'PUT', '/c/m4', { headers: { 'X-Object-Manifest': 'c/' } }, 400],
  ['DLO manifest header with a query', 'PUT', '/c/m4', { headers: { 'X-Object-Manifest': 'c/p?x=1' } }, 400],
  ['non-integer X-Delete-At', 'PUT', '/c/e1', { body: 'x', headers: { 'X-Delete-At': 'tomorrow' } }, 400],
  ['X-Delete-At in the past', 'POST', '/c/o', { headers: { 'X-Delete-At': '1000' } }, 400],
  ['negative X-Delete-After', 'PUT', '/c/e2', { body: 'x', headers: { 'X-Delete-After': '-5' } }, 400],
  ['referrer in a write ACL', 'POST', '/c', { headers: { 'X-Container-Write': '.r:*' } }, 400],
  ['empty referrer ACL', 'POST', '/c', { headers: { 'X-Container-Read': '.r:' } }, 400],
  ['account ACL that is not JSON', 'POST', '', { headers: { 'X-Account-Access-Control': 'everyone' } }, 400],
  ['unknown storage policy', 'PUT', '/pol', { headers: { 'X-Storage-Policy': 'gold' } }, 400],
  ['non-numeric container quota', 'POST', '/c', { headers: { 'X-Container-Meta-Quota-Count': 'many' } }, 400],
  ['versions location with a slash', 'POST', '/c', { headers: { 'X-Versions-Location': 'a/b' } }, 412],
  ['listing limit over the maximum', 'GET', '/c?limit=10001', {}, 412],
  ['listing parameter that is not UTF-8', 'GET', '/c?prefix=%FF', {}, 400],
  ['unacceptable listing type', 'GET', '/c', { headers: { Accept: 'image/png' } }, 406],
  ['malformed Accept header', 'GET', '/c', { headers: { Accept: 'json' } }, 400],
  ['If-None-Match other than *', 'PUT', '/c/i', { body: 'x', headers: { 'If-None-Match': 'abc' } }, 400],
  ['wrong ETag', 'PUT', '/c/i', { body: 'x', headers: { ETag: 'd41d8cd98f00b204e9800998ecf8427e' } }, 422],
  ['COPY without Destination', 'COPY', '/c/o', {}, 412],
  ['X-Copy-From without an object', 'PUT', '/c/cp', { headers: { 'X-Copy-From': 'c' } }, 412],
  ['copy with a body', 'PUT', '/c/cp', { body: 'x', headers: { 'X-Copy-From': 'c/o' } }, 400],
  ['malformed version-id', 'GET', '/c/o?version-id=yesterday', {}, 400],
  ['TempURL with a bad signature', 'GET', '/c/o?temp_url_sig=abc&temp_url_expires=99999999999', { token: '' }, 401],
  ['TempURL without expiry', 'GET', '/c/o?temp_url_sig=' + 'a'.repeat(40), { token: '' }, 401],
  ['unsupported archive format', 'PUT', '/c?extract-archive=zip', { body: 'x' }, 400],
  ['PUT on the account', 'PUT', '', {}, 405],
  ['DELETE of one\'s own account', 'DELETE', '', {}, 403],
  ['unknown method', 'OPTIONS', '/c/o', {}, 405],
];

for (const [what, method, path, opts, status] of cases) {
  test(`${what} → ${status}`, async () => {
    const r = await call(method, path, opts);
    assert.equal(r.status, status, `${method} ${path}: ${r.text.slice(0, 200)}`);
    assert.ok(r.headers['x-trans-id']);
  });
}

test('faults are written as Swift 2.30 writes them: its message and content type, or swob\'s default page', async () => {
  const html = 'text/html; charset=UTF-8';
  // each answer as the reference Swift gave it to the same request
  const faults: Array<[string, string, string, Parameters<typeof swift>[2], number, string, string]> = [
    ['listing limit', 'GET', '/c?limit=10001', {}, 412, html, 'Maximum limit is 10000'],
    ['metadata name (a constraint: text/plain, the name title-cased)', 'POST', '/c/o', { headers: { ['X-Object-Meta-' + 'k'.repeat(129)]: 'v' } }, 400, 'text/plain',
      'Metadata name too long: x-object-meta-K' + 'k'.repeat(128)],
    ['copy with a body', 'PUT', '/c/cp', { body: 'x', headers: { 'X-Copy-From': 'c/o' } }, 400, 'text/plain', 'Copy requests require a zero byte body'],
    ['manifest not JSON', 'PUT', '/c/m?multipart-manifest=put', { body: '{nope' }, 400, html, 'Manifest must be valid JSON.\n'],
    ['container not empty', 'DELETE', '/c', {}, 409, html, '<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>'],
    ['sync to another scheme', 'POST', '/c', { headers: { 'X-Container-Sync-To': 'ftp://x' } }, 400, html,
      'Invalid scheme \'ftp\' in X-Container-Sync-To, must be "//", "http", or "https".'],
    ['account ACL syntax (tempauth)', 'POST', '', { headers: { 'X-Account-Access-Control': 'nope' } }, 400, 'text/plain; charset=UTF-8',
      "X-Account-Access-Control invalid: Syntax error in input ('nope')\n\nInput: nope\n"],
    ['account ACL key', 'POST', '', { headers: { 'X-Account-Access-Control': '{"owner": []}' } }, 400, 'text/plain; charset=UTF-8',
      'X-Account-Access-Control invalid: Key "owner" not recognized\n\nInput: {"owner": []}\n'],
    ['a method Swift does not know', 'PATCH', '/c/o', {}, 405, html, '<html><h1>Method Not Allowed</h1><p>The method is not allowed for this resource.</p></html>'],
  ];
  for (const [what, method, path, opts, status, type, text] of faults) {
    const r = await call(method, path, opts);
    assert.deepEqual([r.status, r.headers['content-type'], r.text], [status, type, text], what);
  }
  // a 416 keeps the object's Content-Type; a HEAD's fault has no body
  await call('PUT', '/typed');
  await call('PUT', '/typed/o', { body: 'abc', headers: { 'Content-Type': 'text/x-typed' } });
  const range = await call('GET', '/typed/o', { headers: { Range: 'bytes=5-9' } });
  assert.deepEqual([range.status, range.headers['content-type'], range.headers['content-range']], [416, 'text/x-typed', 'bytes */3']);
  assert.equal((await call('HEAD', '/c/absent')).headers['content-length'], '0');
});

test('a bad version in the path, a missing Content-Length, an empty account and invalid UTF-8 are 4xx', async () => {
  // a path that does not decode: refused before any route, as Swift's proxy does
  const undecodable = await call('GET', '/c/%FF%FE');
  assert.deepEqual([undecodable.status, undecodable.text], [412, 'Invalid UTF8 or contains NULL']);
  assert.ok(undecodable.headers['x-trans-id']);
  assert.equal((await swift('GET', `${c.url}/object-store/v2/${u.account}`, { token: u.token })).status, 400);
  assert.equal((await swift('GET', `${c.url}/object-store/v1`, { token: u.token })).status, 412);
  assert.equal((await swift('GET', `${c.url}/object-store/`, { token: u.token })).status, 404);
  const path = new URL(`${u.url}/c/nolength`).pathname;
  assert.equal(await rawRequest([`PUT ${path} HTTP/1.1`, 'Host: x', `X-Auth-Token: ${u.token}`, 'Connection: close']), 411);
});

test('a client that goes away mid-upload leaves nothing behind', async () => {
  const url = new URL(`${u.url}/c/partial`);
  await new Promise<void>((resolve) => {
    const s = connect(Number(url.port), url.hostname, () => {
      s.write([`PUT ${url.pathname} HTTP/1.1`, 'Host: x', `X-Auth-Token: ${u.token}`, 'Content-Length: 100000', '', 'only a few bytes'].join('\r\n'));
      setTimeout(() => { s.destroy(); resolve(); }, 100);
    });
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await call('HEAD', '/c/partial')).status, 404);
  assert.equal((await call('HEAD', '/c')).headers['x-container-object-count'], '1');
});
