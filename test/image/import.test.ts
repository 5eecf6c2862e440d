// Interoperable import: stage + glance-direct, web-download (from a local server this cloud is
// configured to allow), copy-image between two stores, tasks, and the errors of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startImageCloud, waitFor, type ImageCloud } from './helpers.ts';

let cl: ImageCloud;
let web: Server;
let webUrl: string;
const served = randomBytes(2 * 1024 * 1024 + 7);

before(async () => {
  web = createServer((req, res) => {
    if (req.url === '/image.raw') { res.writeHead(200, { 'content-length': served.length }); res.end(served); return; }
    if (req.url === '/moved') { res.writeHead(302, { location: '/image.raw' }); res.end(); return; }
    res.writeHead(404); res.end();
  });
  await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
  webUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
  cl = await startImageCloud({ 'image.stores': 'fast:file,slow:file', 'image.web_download_allowed': `${webUrl}/`, 'image.web_download_allow_private': true });
});
after(async () => { await cl.stop(); web.close(); });

const md5 = (d: Buffer) => createHash('md5').update(d).digest('hex');
const doImport = (id: string, body: unknown, token?: string) => cl.api('POST', `/v2/images/${id}/import`, { token, body });

test('stage then glance-direct: uploading → importing → active, a task records it', async () => {
  const data = randomBytes(1500 * 1024);
  const img = await cl.create({ name: 'direct' });
  assert.equal((await doImport(img.id, { method: { name: 'glance-direct' } })).status, 409, 'nothing staged yet');
  assert.equal((await cl.put(`/v2/images/${img.id}/stage`, data)).status, 204);
  const staged = (await cl.api('GET', `/v2/images/${img.id}`)).body;
  assert.deepEqual([staged.status, staged.size], ['uploading', data.length]);
  assert.equal((await cl.put(`/v2/images/${img.id}/stage`, data)).status, 409);
  const r = await doImport(img.id, { method: { name: 'glance-direct' } });
  assert.equal(r.status, 202, r.text);
  const done = await waitFor(cl, img.id, (i) => i.status === 'active');
  assert.deepEqual([done.checksum, done.size, done.stores, done.os_glance_importing_to_stores, done.os_glance_failed_import], [md5(data), data.length, 'fast', '', '']);
  assert.equal(done.os_glance_import_task, undefined);
  assert.ok((await cl.get(`/v2/images/${img.id}/file`)).data.equals(data));
  const tasks = (await cl.api('GET', `/v2/images/${img.id}/tasks`)).body.tasks;
  assert.equal(tasks.length, 1);
  assert.deepEqual([tasks[0].status, tasks[0].request_id, tasks[0].input.import_req.method.name], ['success', r.headers.get('x-openstack-request-id'), 'glance-direct']);
  const staging = join(resolve(cl.c.cloud.config.str('data_dir')), 'image', 'staging');
  assert.deepEqual(readdirSync(staging), []);
});

test('web-download: allowed URL (and its redirect) imported with hashes; a failing one reverts to queued', async () => {
  const img = await cl.create({ name: 'web' });
  assert.equal((await doImport(img.id, { method: { name: 'web-download', uri: `${webUrl}/moved` } })).status, 202);
  const done = await waitFor(cl, img.id, (i) => i.status === 'active');
  assert.deepEqual([done.checksum, done.size], [md5(served), served.length]);

  const broken = await cl.create({ name: 'web-404' });
  assert.equal((await doImport(broken.id, { method: { name: 'web-download', uri: `${webUrl}/missing` } })).status, 202);
  const failed = await waitFor(cl, broken.id, (i) => !!i.os_glance_failed_import);
  assert.deepEqual([failed.status, failed.os_glance_failed_import, failed.size], ['queued', 'fast', null]);
  assert.equal((await cl.api('GET', `/v2/images/${broken.id}/tasks`)).body.tasks[0].status, 'failure');

  const refused = await cl.create({ name: 'web-refused' });
  for (const uri of ['http://169.254.169.254/latest/meta-data', 'https://example.com/x.img', 'file:///etc/passwd', 'gopher://x']) {
    assert.equal((await doImport(refused.id, { method: { name: 'web-download', uri } })).status, 400, uri);
  }
  assert.equal((await doImport(done.id, { method: { name: 'web-download', uri: `${webUrl}/image.raw` } })).status, 409, 'active image');
});

test('copy-image to another store (admin), delete from one store, and the errors', async () => {
  const data = randomBytes(4096);
  const img = await cl.create({ name: 'copy' });
  await cl.put(`/v2/images/${img.id}/file`, data);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`)).body.stores, 'fast');
  assert.equal((await doImport(img.id, { method: { name: 'copy-image' }, stores: ['slow'] })).status, 403, 'copy-image is admin-only');
  assert.equal((await doImport(img.id, { method: { name: 'copy-image' }, stores: ['fast'] }, cl.admin)).status, 400, 'already there');
  assert.equal((await doImport(img.id, { method: { name: 'copy-image' }, stores: ['nowhere'] }, cl.admin)).status, 409);
  assert.equal((await doImport(img.id, { method: { name: 'copy-image' }, all_stores: true, all_stores_must_succeed: false }, cl.admin)).status, 202);
  const copied = await waitFor(cl, img.id, (i) => i.os_glance_importing_to_stores === '' && i.stores === 'fast,slow');
  assert.equal(copied.os_glance_failed_import, '');
  assert.ok((await cl.get(`/v2/images/${img.id}/file?prefer=slow`)).data.equals(data));
  assert.equal((await cl.api('DELETE', `/v2/stores/slow/${img.id}`)).status, 403, 'delete_image_location is admin-only');
  assert.equal((await cl.api('DELETE', `/v2/stores/slow/${img.id}`, { token: cl.admin })).status, 204);
  assert.equal((await cl.api('DELETE', `/v2/stores/fast/${img.id}`, { token: cl.admin })).status, 403, 'last location');
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`)).body.stores, 'fast');
  // nothing left to copy: answered at once, progress says done
  assert.equal((await doImport(img.id, { method: { name: 'copy-image' }, all_stores: true }, cl.admin)).status, 202);
});

test('import request errors', async () => {
  const img = await cl.create({ name: 'errors' });
  const cases: Array<[unknown, number]> = [
    [{}, 400], [{ method: {} }, 400], [{ method: { name: 'teleport' } }, 400],
    [{ method: { name: 'glance-direct' }, all_stores: 'yes' }, 400],
    [{ method: { name: 'glance-direct' }, all_stores_must_succeed: 1 }, 400],
    [{ method: { name: 'copy-image' } }, 409],
    [{ method: { name: 'web-download' } }, 400],
  ];
  for (const [body, status] of cases) assert.equal((await doImport(img.id, body)).status, status, JSON.stringify(body));
  const noFormat = (await cl.api('POST', '/v2/images', { body: { name: 'nf' } })).body;
  assert.equal((await doImport(noFormat.id, { method: { name: 'web-download', uri: `${webUrl}/image.raw` } })).status, 409);
  assert.equal((await cl.put(`/v2/images/${img.id}/stage`, Buffer.from('{"a": 1}'), { headers: { 'content-type': 'application/json' } })).status, 415);
});
