// Image data: streamed upload with MD5 + SHA-512, download with ranges, format inspection, and
// the data-safety rules — a failed or raced upload leaves the image queued and no data behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { startImageCloud, type ImageCloud } from './helpers.ts';

let cl: ImageCloud;
let storeDir: string;
before(async () => {
  cl = await startImageCloud();
  storeDir = join(resolve(cl.c.cloud.config.str('data_dir')), 'image', 'stores', 'file');
});
after(() => cl.stop());

const files = () => readdirSync(storeDir);
const hex = (algo: string, data: Buffer) => createHash(algo).update(data).digest('hex');

/** A request body that sends `first`, then waits for `release` before sending `rest`. */
function slowBody(first: Buffer, rest: Buffer) {
  let release!: () => void;
  const gate = new Promise<void>((ok) => { release = ok; });
  const stream = new ReadableStream<Uint8Array>({
    async start(ctrl) { ctrl.enqueue(first); await gate; ctrl.enqueue(rest); ctrl.close(); },
  });
  return { stream, release };
}

test('upload streams to the store with MD5 and SHA-512; download, ranges and 204', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 123);
  const img = await cl.create({ name: 'data' });
  assert.equal((await cl.get(`/v2/images/${img.id}/file`)).status, 204);
  const up = await cl.put(`/v2/images/${img.id}/file`, data);
  assert.equal(up.status, 204, up.text);
  const shown = (await cl.api('GET', `/v2/images/${img.id}`)).body;
  assert.deepEqual([shown.status, shown.size, shown.virtual_size, shown.checksum, shown.os_hash_algo, shown.os_hash_value, shown.stores],
    ['active', data.length, data.length, hex('md5', data), 'sha512', hex('sha512', data), 'file']);
  const down = await cl.get(`/v2/images/${img.id}/file`);
  assert.equal(down.status, 200);
  assert.equal(down.headers.get('content-md5'), hex('md5', data));
  assert.ok(down.data.equals(data));
  const part = await cl.get(`/v2/images/${img.id}/file`, { headers: { range: 'bytes=10-19' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 10-19/${data.length}`);
  assert.ok(part.data.equals(data.subarray(10, 20)));
  const tail = await cl.get(`/v2/images/${img.id}/file`, { headers: { range: 'bytes=-5' } });
  assert.ok(tail.data.equals(data.subarray(data.length - 5)));
  assert.equal((await cl.get(`/v2/images/${img.id}/file`, { headers: { range: `bytes=${data.length}-` } })).status, 416);
  // uploads to an active image are refused
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, randomBytes(10))).status, 409);
  // deleting the image deletes its data
  assert.ok(files().includes(img.id));
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`)).status, 204);
  assert.ok(!files().includes(img.id));
});

test('bad uploads: content type, missing formats, unknown store', async () => {
  const img = await cl.create({ name: 'bad' });
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, randomBytes(10), { headers: { 'content-type': 'text/plain' } })).status, 415);
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, randomBytes(10), { headers: { 'x-image-meta-store': 'nowhere' } })).status, 400);
  const noFormats = (await cl.api('POST', '/v2/images', { body: { name: 'nf' } })).body;
  assert.equal((await cl.put(`/v2/images/${noFormats.id}/file`, randomBytes(10))).status, 400);
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, randomBytes(10), { token: cl.bob.token })).status, 404);
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, randomBytes(10), { token: cl.rita.token })).status, 403);
});

test('size or checksum mismatch: 400, image queued, no data left', async () => {
  const img = await cl.create({ name: 'mismatch' });
  const data = randomBytes(5000);
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, data, { headers: { 'x-openstack-image-size': '4000' } })).status, 400);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`)).body.status, 'queued');
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, data, { headers: { 'content-md5': hex('md5', randomBytes(5)) } })).status, 400);
  const after = (await cl.api('GET', `/v2/images/${img.id}`)).body;
  assert.deepEqual([after.status, after.size, after.checksum], ['queued', null, null]);
  assert.deepEqual(files().filter((f) => f.includes(img.id)), []);
  // and a correct Content-MD5 (base64 or hex) is accepted
  const ok = await cl.put(`/v2/images/${img.id}/file`, data, { headers: { 'content-md5': createHash('md5').update(data).digest('base64') } });
  assert.equal(ok.status, 204, ok.text);
});

test('of two concurrent uploads one wins, the other gets 409', async () => {
  const img = await cl.create({ name: 'race' });
  const first = randomBytes(64 * 1024);
  const rest = randomBytes(64 * 1024);
  const slow = slowBody(first, rest);
  const winner = cl.put(`/v2/images/${img.id}/file`, slow.stream);
  await waitStatus(img.id, 'saving');
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, randomBytes(100))).status, 409);
  slow.release();
  assert.equal((await winner).status, 204);
  const shown = (await cl.api('GET', `/v2/images/${img.id}`)).body;
  assert.deepEqual([shown.status, shown.checksum], ['active', hex('md5', Buffer.concat([first, rest]))]);
});

test('deleting an image during its upload cleans up both', async () => {
  const img = await cl.create({ name: 'doomed' });
  const slow = slowBody(randomBytes(64 * 1024), randomBytes(64 * 1024));
  const upload = cl.put(`/v2/images/${img.id}/file`, slow.stream);
  await waitStatus(img.id, 'saving');
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`)).status, 204);
  slow.release();
  assert.equal((await upload).status, 410);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`)).status, 404);
  assert.deepEqual(files().filter((f) => f.includes(img.id)), []);
});

test('a client that disconnects mid-upload leaves the image queued and no data', async () => {
  const img = await cl.create({ name: 'dropped' });
  const req = request(`${cl.c.url}/image/v2/images/${img.id}/file`, {
    method: 'PUT', headers: { 'x-auth-token': cl.alice.token, 'content-type': 'application/octet-stream', 'content-length': String(1 << 20) },
  });
  req.on('error', () => undefined);
  req.write(randomBytes(200 * 1024));
  await waitStatus(img.id, 'saving');
  req.destroy();
  const shown = await waitStatus(img.id, 'queued');
  assert.equal(shown.size, null);
  assert.deepEqual(files().filter((f) => f.includes(img.id)), []);
});

test('virtual size from a qcow2 header; data that is not its disk_format is refused (415)', async () => {
  const header = Buffer.alloc(4096);
  header.writeUInt32BE(0x514649fb, 0);
  header.writeUInt32BE(3, 4);
  header.writeBigUInt64BE(1n << 30n, 24);
  const q = await cl.create({ name: 'q', disk_format: 'qcow2' });
  assert.equal((await cl.put(`/v2/images/${q.id}/file`, header)).status, 204);
  assert.equal((await cl.api('GET', `/v2/images/${q.id}`)).body.virtual_size, 1 << 30);
  const fake = await cl.create({ name: 'not-qcow2', disk_format: 'qcow2' });
  assert.equal((await cl.put(`/v2/images/${fake.id}/file`, randomBytes(4096))).status, 415);
  assert.equal((await cl.api('GET', `/v2/images/${fake.id}`)).body.status, 'queued');
  // formats that cannot be inspected take any data (Tempest uploads random bytes as ami)
  const ami = await cl.create({ name: 'ami', disk_format: 'ami', container_format: 'ami' });
  assert.equal((await cl.put(`/v2/images/${ami.id}/file`, randomBytes(1024))).status, 204);
});

test('deactivated images: no download but for admins; reactivate', async () => {
  const img = await cl.create({ name: 'deact' });
  const data = randomBytes(1000);
  await cl.put(`/v2/images/${img.id}/file`, data);
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/actions/deactivate`)).status, 204);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`)).body.status, 'deactivated');
  assert.equal((await cl.get(`/v2/images/${img.id}/file`)).status, 403);
  assert.equal((await cl.get(`/v2/images/${img.id}/file`, { token: cl.admin })).status, 200);
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/actions/reactivate`)).status, 204);
  assert.ok((await cl.get(`/v2/images/${img.id}/file`)).data.equals(data));
});

async function waitStatus(id: string, status: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const r = await cl.api('GET', `/v2/images/${id}`);
    if (r.body?.status === status) return r.body;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  throw new Error(`image ${id} never reached ${status}`);
}
