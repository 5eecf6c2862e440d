// The ImageStore conformance suite: what every store driver must do (src/services/image/stores/
// image-store.ts). A driver's test file calls storeConformance() with a factory of fresh stores.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Conflict, NotFound } from '../../src/lib/errors.ts';
import type { ImageStore } from '../../src/services/image/stores/index.ts';

async function* chunks(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function* failing(after: Buffer, err: Error): AsyncGenerator<Buffer> {
  yield after;
  throw err;
}

async function read(store: ImageStore, url: string, range?: { offset: number; length?: number }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of await store.get(url, range)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export function storeConformance(driver: string, make: () => Promise<{ store: ImageStore; cleanup(): Promise<void>; leftovers(): Promise<string[]> }>): void {
  const withStore = (name: string, fn: (store: ImageStore, leftovers: () => Promise<string[]>) => Promise<void>) =>
    test(`${driver} store: ${name}`, async () => {
      const { store, cleanup, leftovers } = await make();
      try { await store.init(); await fn(store, leftovers); } finally { await cleanup(); }
    });

  withStore('add then get returns the same bytes and size', async (store) => {
    const data = randomBytes(300_000);
    const r = await store.add('img-1', chunks(data));
    assert.equal(r.size, data.length);
    assert.ok(store.owns(r.url));
    assert.equal(store.locate('img-1'), r.url);
    assert.deepEqual(await read(store, r.url), data);
    assert.equal(await store.size(r.url), data.length);
  });

  withStore('the tap sees every byte written, in order, each block intact until it lets go', async (store) => {
    const data = randomBytes(3 * (1 << 20) + 12_345);
    const seen: Buffer[] = [];
    // a slow tap: a store that reused a block before the tap resolved would show here
    const tap = (block: Buffer) => new Promise<void>((ok) => setTimeout(() => { seen.push(Buffer.from(block)); ok(); }, 1));
    const r = await store.add('tapped', chunks(data), { tap });
    assert.deepEqual(Buffer.concat(seen), data);
    assert.deepEqual(await read(store, r.url), data);
  });

  withStore('an empty image is valid data', async (store) => {
    const r = await store.add('empty', chunks(Buffer.alloc(0)));
    assert.equal(r.size, 0);
    assert.equal((await read(store, r.url)).length, 0);
  });

  withStore('byte ranges', async (store) => {
    const data = randomBytes(10_000);
    const r = await store.add('ranged', chunks(data, 1000));
    assert.deepEqual(await read(store, r.url, { offset: 100, length: 50 }), data.subarray(100, 150));
    assert.deepEqual(await read(store, r.url, { offset: 9_990 }), data.subarray(9_990));
  });

  withStore('a failing source leaves nothing behind', async (store, leftovers) => {
    await assert.rejects(store.add('broken', failing(randomBytes(1000), new Error('client went away'))), /client went away/);
    await assert.rejects(store.get(store.locate('broken')), NotFound);
    assert.deepEqual(await leftovers(), []);
  });

  withStore('an aborted add leaves nothing behind', async (store, leftovers) => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      yield randomBytes(1000);
      controller.abort(new Error('deleted meanwhile'));
      await new Promise((r) => setTimeout(r, 10));
      yield randomBytes(1000);
    }
    await assert.rejects(store.add('aborted', slow(), { signal: controller.signal }));
    await assert.rejects(store.size(store.locate('aborted')), NotFound);
    assert.deepEqual(await leftovers(), []);
  });

  withStore('a second add for the same image is a conflict and keeps the first data', async (store) => {
    const first = randomBytes(1000);
    const r = await store.add('twice', chunks(first));
    await assert.rejects(store.add('twice', chunks(randomBytes(2000))), Conflict);
    assert.deepEqual(await read(store, r.url), first);
  });

  withStore('of two concurrent adds one wins', async (store, leftovers) => {
    const results = await Promise.allSettled([store.add('race', chunks(randomBytes(200_000))), store.add('race', chunks(randomBytes(200_000)))]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.some((r) => r.status === 'rejected' && r.reason instanceof Conflict));
    assert.deepEqual(await leftovers(), []);
  });

  withStore('delete removes the data; missing data is NotFound', async (store) => {
    const r = await store.add('gone', chunks(randomBytes(100)));
    await store.delete(r.url);
    await assert.rejects(store.get(r.url), NotFound);
    await assert.rejects(store.delete(r.url), NotFound);
    await assert.rejects(store.size(r.url), NotFound);
  });

  withStore('foreign locations are not its own', async (store) => {
    assert.equal(store.owns('http://example.com/image'), false);
    assert.equal(store.owns('file:///etc/passwd'), false);
    await assert.rejects(store.get('file:///etc/passwd'), NotFound);
  });

  withStore('init is idempotent', async (store) => {
    const r = await store.add('kept', chunks(randomBytes(10)));
    await store.init();
    assert.equal(await store.size(r.url), 10);
  });
}
