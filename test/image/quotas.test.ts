// Per-project quotas (Glance's image_size_total / image_stage_total / image_count_total),
// checked while data streams: no single upload and no set of concurrent uploads overruns them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startImageCloud, type ImageCloud } from './helpers.ts';

let cl: ImageCloud;
const KiB = 1024;
before(async () => {
  cl = await startImageCloud({ 'image.quota_image_size_total': 1, 'image.quota_image_stage_total': 1, 'image.quota_image_count_total': 6 });
});
after(() => cl.stop());

const dataFiles = () => readdirSync(join(resolve(cl.c.cloud.config.str('data_dir')), 'image', 'stores', 'file'));

function held(first: Buffer, rest: Buffer) {
  let release!: () => void;
  const gate = new Promise<void>((ok) => { release = ok; });
  return { release, stream: new ReadableStream<Uint8Array>({ async start(c) { c.enqueue(first); await gate; c.enqueue(rest); c.close(); } }) };
}

test('one upload larger than the quota fails with 413 while streaming; nothing is stored', async () => {
  const img = await cl.create({ name: 'big' });
  // chunked: the size is not known in advance, so only the streaming check can catch it
  const body = new ReadableStream<Uint8Array>({ start(c) { for (let i = 0; i < 8; i++) c.enqueue(randomBytes(256 * KiB)); c.close(); } });
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, body)).status, 413);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`)).body.status, 'queued');
  assert.deepEqual(dataFiles(), []);
  // declared too big: refused before a byte is stored
  assert.equal((await cl.put(`/v2/images/${img.id}/file`, randomBytes(10), { headers: { 'x-openstack-image-size': String(2 << 20) } })).status, 413);
});

test('concurrent uploads together over the quota: one of them gets 413', async () => {
  const a = await cl.create({ name: 'a' });
  const b = await cl.create({ name: 'b' });
  const ua = held(randomBytes(300 * KiB), randomBytes(300 * KiB));
  const ub = held(randomBytes(300 * KiB), randomBytes(300 * KiB));
  const pa = cl.put(`/v2/images/${a.id}/file`, ua.stream);
  const pb = cl.put(`/v2/images/${b.id}/file`, ub.stream);
  await new Promise((ok) => setTimeout(ok, 200));
  ua.release(); ub.release();
  const statuses = [(await pa).status, (await pb).status].sort();
  assert.deepEqual(statuses, [204, 413]);
  const usage = (await cl.api('GET', '/v2/info/usage')).body.usage;
  assert.deepEqual(usage.image_size_total, { limit: 1, usage: 0 });
  assert.equal(dataFiles().length, 1);
});

test('staging has its own quota; image count is limited too', async () => {
  const s = await cl.create({ name: 'stage' });
  assert.equal((await cl.put(`/v2/images/${s.id}/stage`, randomBytes(1100 * KiB))).status, 413);
  assert.equal((await cl.api('GET', `/v2/images/${s.id}`)).body.status, 'queued');
  const count = (await cl.api('GET', '/v2/info/usage')).body.usage.image_count_total;
  assert.equal(count.limit, 6);
  for (let i = count.usage; i < 6; i++) await cl.create({ name: `n${i}` });
  assert.equal((await cl.api('POST', '/v2/images', { body: { name: 'one too many' } })).status, 413);
  // another project has its own count
  assert.equal((await cl.api('POST', '/v2/images', { token: cl.bob.token, body: { name: 'bob' } })).status, 201);
});
