// Hashing (inline and on worker threads), format inspection and quota reservations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { CloudError } from '../../../lib/errors.ts';
import { createHasherPool } from '../../../lib/hashing.ts';
import { checkFormat, FormatInspector } from './format-inspector.ts';
import { createQuotas, parseOverrides } from './quotas.ts';

test('hashers agree with node:crypto whatever the thread layout and the stream size', async () => {
  for (const workers of [0, 1, 2]) {
    const pool = createHasherPool({ workers });
    try {
      for (const size of [0, 1000, (1 << 20) + 1, 5 * (1 << 20) + 77]) {
        const data = randomBytes(size);
        const h = pool.hasher();
        for (let i = 0; i < size; i += 65_536) { const w = h.update(data.subarray(i, i + 65_536)); if (w) await w; }
        assert.deepEqual(await h.digest(), {
          md5: createHash('md5').update(data).digest('hex'), sha512: createHash('sha512').update(data).digest('hex'),
        }, `workers=${workers} size=${size}`);
      }
      // two streams at once on the same threads do not mix
      const [a, b] = [randomBytes(3 << 20), randomBytes(3 << 20)];
      const [ha, hb] = [pool.hasher(), pool.hasher()];
      for (let i = 0; i < a.length; i += 65_536) { await ha.update(a.subarray(i, i + 65_536)); await hb.update(b.subarray(i, i + 65_536)); }
      assert.equal((await ha.digest()).sha512, createHash('sha512').update(a).digest('hex'));
      assert.equal((await hb.digest()).md5, createHash('md5').update(b).digest('hex'));
    } finally {
      await pool.close();
    }
  }
});

test('format inspection: qcow2, vmdk, vhd, iso headers; Glance\'s matching rule', () => {
  const inspect = (head: Buffer, size = head.length) => { const f = new FormatInspector(); f.feed(head); return f.inspect(size); };
  const q = Buffer.alloc(512); q.writeUInt32BE(0x514649fb, 0); q.writeBigUInt64BE(10n << 30n, 24);
  assert.deepEqual(inspect(q), { format: 'qcow2', virtualSize: 10 * 2 ** 30 });
  const v = Buffer.alloc(512); v.write('KDMV', 0, 'latin1'); v.writeBigUInt64LE(2048n, 12);
  assert.deepEqual(inspect(v), { format: 'vmdk', virtualSize: 2048 * 512 });
  const h = Buffer.alloc(512); h.write('conectix', 0, 'latin1'); h.writeBigUInt64BE(12345n, 48);
  assert.deepEqual(inspect(h), { format: 'vhd', virtualSize: 12345 });
  const iso = Buffer.alloc(0x8000 + 2048); iso.write('CD001', 0x8001, 'latin1'); iso.writeUInt32LE(100, 0x8000 + 80); iso.writeUInt16LE(2048, 0x8000 + 128);
  assert.deepEqual(inspect(iso), { format: 'iso', virtualSize: 204800 });
  assert.deepEqual(inspect(randomBytes(100), 100), { format: 'raw', virtualSize: 100 });

  const raw = { format: 'raw', virtualSize: 100 };
  assert.equal(checkFormat('raw', raw, 100, true), 100);
  assert.equal(checkFormat('ami', raw, 100, true), null);
  assert.equal(checkFormat('raw', { format: 'qcow2', virtualSize: 5 }, 100, true), 100);
  assert.throws(() => checkFormat('qcow2', raw, 100, true), (e: CloudError) => e.status === 415);
  assert.equal(checkFormat('qcow2', raw, 100, false), null);
});

test('quota reservations count every chunk, across concurrent transfers', async () => {
  const fakeDb: any = {
    selectFrom: () => ({ innerJoin: () => fakeDb.selectFrom(), select: () => fakeDb.selectFrom(), where: () => fakeDb.selectFrom(), executeTakeFirst: async () => ({ total: 0, n: 0 }) }),
  };
  const quotas = createQuotas({ image_size_total: 1, image_stage_total: -1, image_count_total: -1, image_count_uploading: -1 }, parseOverrides(['big:image_size_total=10']));
  const a = await quotas.reserve(fakeDb, 'p', 'store');
  const b = await quotas.reserve(fakeDb, 'p', 'store');
  a.add(600_000);
  assert.throws(() => b.add(600_000), (e: CloudError) => e.status === 413);
  b.release(); a.release(true);
  // unlimited staging, and a project with its own limit
  const s = await quotas.reserve(fakeDb, 'p', 'stage');
  s.add(1e12);
  const big = await quotas.reserve(fakeDb, 'big', 'store');
  big.add(5 << 20);
  assert.equal(quotas.limits('big').image_size_total, 10);
  assert.throws(() => parseOverrides(['nope']));
  assert.throws(() => parseOverrides(['p:image_fun=3']));
});
