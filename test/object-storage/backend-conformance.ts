// The ObjectBackend contract, run against every implementation (backend.test.ts): what a write
// returns, what a failed write leaves (nothing), reads of ranges, links, removal and recovery.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BlobNotFound, BlobTooLarge, type ObjectBackend } from '../../src/services/object-storage/storage/backend.ts';

async function* chunks(data: Buffer, size = 7919): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
async function* failing(data: Buffer, after: number): AsyncGenerator<Buffer> {
  yield data.subarray(0, after);
  throw new Error('client went away');
}
const read = async (b: ObjectBackend, id: string, start: number, end: number) => {
  const parts: Buffer[] = [];
  for await (const c of await b.read(id, start, end)) parts.push(c as Buffer);
  return Buffer.concat(parts);
};
const ids = async (b: ObjectBackend) => { const out: string[] = []; for await (const id of b.ids()) out.push(id); return out.sort(); };

export function backendConformance(name: string, make: () => Promise<ObjectBackend>): void {
  test(`${name}: a write returns id, size and MD5, and reads back byte for byte`, async () => {
    const b = await make();
    await b.recover();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const w = await b.write(chunks(data), { maxSize: 1 << 30 });
    assert.equal(w.size, data.length);
    assert.equal(w.md5, createHash('md5').update(data).digest('hex'));
    assert.ok(w.id);
    assert.deepEqual(await read(b, w.id!, 0, data.length - 1), data);
    assert.deepEqual(await read(b, w.id!, 1000, 1999), data.subarray(1000, 2000));
    assert.deepEqual(await b.readBuffer(w.id!, 5, 4100), data.subarray(5, 4101));
    assert.deepEqual(await ids(b), [w.id]);
  });

  test(`${name}: an empty write stores nothing`, async () => {
    const b = await make();
    await b.recover();
    const w = await b.write(chunks(Buffer.alloc(0)), { maxSize: 10 });
    assert.deepEqual([w.id, w.size, w.md5], [null, 0, 'd41d8cd98f00b204e9800998ecf8427e']);
    assert.deepEqual(await ids(b), []);
  });

  test(`${name}: a failed or oversized write leaves no blob`, async () => {
    const b = await make();
    await b.recover();
    const data = randomBytes(50_000);
    await assert.rejects(b.write(failing(data, 20_000), { maxSize: 1 << 20 }), /client went away/);
    await assert.rejects(b.write(chunks(data), { maxSize: 10_000 }), BlobTooLarge);
    assert.deepEqual(await ids(b), []);
  });

  test(`${name}: a link is an independent blob with the same content`, async () => {
    const b = await make();
    await b.recover();
    const data = randomBytes(10_000);
    const w = await b.write(chunks(data), { maxSize: 1 << 20 });
    const copy = await b.link(w.id!);
    assert.notEqual(copy, w.id);
    await b.remove(w.id!);
    assert.deepEqual(await read(b, copy, 0, data.length - 1), data);
    await assert.rejects(b.read(w.id!, 0, 1), BlobNotFound);
    await assert.rejects(b.readBuffer(w.id!, 0, 1), BlobNotFound);
    await assert.rejects(b.link(w.id!), BlobNotFound);
    await b.remove(w.id!); // removing twice is fine
    assert.deepEqual(await ids(b), [copy]);
  });

  test(`${name}: a reader that opened a blob keeps reading it after the blob is removed`, async () => {
    const b = await make();
    await b.recover();
    const data = randomBytes(4 * 1024 * 1024);
    const w = await b.write(chunks(data), { maxSize: 1 << 30 });
    const stream = await b.read(w.id!, 0, data.length - 1);
    await b.remove(w.id!);
    const parts: Buffer[] = [];
    for await (const c of stream) parts.push(c as Buffer);
    assert.deepEqual(Buffer.concat(parts), data);
  });

  test(`${name}: recovery keeps complete blobs`, async () => {
    const b = await make();
    await b.recover();
    const w = await b.write(chunks(randomBytes(1000)), { maxSize: 1 << 20 });
    await b.recover();
    assert.deepEqual(await ids(b), [w.id]);
  });
}
