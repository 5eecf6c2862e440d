// Direct I/O: the writer stores exactly the bytes it is given (padding cut off), its tap sees
// every byte in order and the block stays intact until the tap lets go, the range stream reads
// any range of a file opened with O_DIRECT, and a hasher fed the shared blocks agrees with
// node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BLOCK, DirectWriter, openDirect } from './direct-io.ts';
import { FileRangeStream } from './file-range-stream.ts';
import { createHasherPool } from './hashing.ts';

const SIZES = [0, 1, 4095, 4096, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 4097];

/** The disk's filesystem, and tmpfs where the machine has one. */
function dirs(): string[] {
  const out = [mkdtempSync(join(tmpdir(), 'direct-io-'))];
  try { out.push(mkdtempSync('/dev/shm/direct-io-')); } catch { /* no tmpfs here */ }
  return out;
}

async function writeAll(path: string, data: Buffer, tap?: (block: Buffer) => Promise<void> | undefined): Promise<number> {
  const w = await DirectWriter.create(path, { tap });
  // uneven chunks, as a socket delivers them
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = Math.min(data.length - off, i % 3 === 0 ? 65_536 : 1_000 + i);
    const wait = w.write(data.subarray(off, off + n));
    if (wait) await wait;
    off += n;
  }
  const size = await w.finish();
  await w.close();
  return size;
}

test('a direct writer stores exactly the bytes it is given, and its tap sees each block intact', async () => {
  for (const dir of dirs()) {
    try {
      for (const size of SIZES) {
        const data = randomBytes(size);
        const seen: Buffer[] = [];
        // a slow tap: the block must not be reused before it resolves
        const tap = (block: Buffer) => sleep(1).then(() => { seen.push(Buffer.from(block)); });
        const path = join(dir, `f-${size}`);
        assert.equal(await writeAll(path, data, tap), size);
        assert.equal(statSync(path).size, size, `${dir} size ${size}`);
        assert.ok(readFileSync(path).equals(data), `${dir} size ${size}: file content`);
        assert.ok(Buffer.concat(seen).equals(data), `${dir} size ${size}: tapped bytes`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a writer told to sync every N bytes syncs as it goes; a failed sync fails the write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'direct-io-'));
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
  await probe.close();
  const original = proto.datasync;
  let calls = 0;
  let fail = false;
  proto.datasync = function (this: unknown) { calls += 1; return fail ? Promise.reject(new Error('EIO')) : original.call(this); };
  try {
    const data = randomBytes(6 * BLOCK + 123);
    const w = await DirectWriter.create(join(dir, 'synced'), { syncEvery: 2 * BLOCK });
    for (let off = 0; off < data.length; off += 65_536) await w.write(data.subarray(off, off + 65_536));
    await w.finish();
    const early = calls;
    assert.ok(early >= 1, `early syncs: ${early}`);
    await w.datasync();
    await w.close();
    assert.equal(calls, early + 1);
    assert.ok(readFileSync(join(dir, 'synced')).equals(data));

    fail = true;
    const bad = await DirectWriter.create(join(dir, 'failed'), { syncEvery: BLOCK });
    const written = (async () => {
      for (let off = 0; off < data.length; off += 65_536) await bad.write(data.subarray(off, off + 65_536));
      await bad.finish();
      await bad.datasync();
    })();
    await assert.rejects(written, /EIO/);
    await bad.abort();
  } finally {
    proto.datasync = original;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a direct writer refuses an existing file and, aborted, leaves a file the caller can remove', async () => {
  const [dir] = dirs();
  try {
    const path = join(dir!, 'exists');
    writeFileSync(path, 'x');
    await assert.rejects(DirectWriter.create(path), { code: 'EEXIST' });
    const w = await DirectWriter.create(join(dir!, 'aborted'));
    await w.write(randomBytes(2 * BLOCK + 5));
    await w.abort();
    assert.throws(() => w.write(Buffer.alloc(1)), /aborted/);
  } finally {
    rmSync(dir!, { recursive: true, force: true });
  }
});

test('a range stream reads any byte range of a file opened with O_DIRECT, piped or iterated', async () => {
  const [dir] = dirs();
  try {
    const path = join(dir!, 'data');
    const data = randomBytes(3 * BLOCK + 123);
    writeFileSync(path, data);
    const last = data.length - 1;
    const ranges: Array<[number, number]> = [[0, last], [1, 4096], [4095, BLOCK + 5], [2 * BLOCK + 7, last], [last, last], [BLOCK, 2 * BLOCK - 1]];
    for (const [start, end] of ranges) {
      for (const direct of [true, false]) {
        const opened = direct ? await openDirect(path, 0) : { fh: await open(path, 'r'), direct: false };
        const iterated: Buffer[] = [];
        for await (const c of new FileRangeStream(opened.fh, start, end, { direct: opened.direct })) iterated.push(c as Buffer);
        assert.ok(Buffer.concat(iterated).equals(data.subarray(start, end + 1)), `iterated ${start}-${end} direct=${direct}`);

        const again = direct ? await openDirect(path, 0) : { fh: await open(path, 'r'), direct: false };
        const piped: Buffer[] = [];
        const sink = new Writable({ write(chunk, _enc, cb) { piped.push(Buffer.from(chunk)); setImmediate(cb); } });
        const finished = new Promise((ok) => sink.on('finish', ok));
        new FileRangeStream(again.fh, start, end, { direct: again.direct }).pipe(sink);
        await finished;
        assert.ok(Buffer.concat(piped).equals(data.subarray(start, end + 1)), `piped ${start}-${end} direct=${direct}`);
      }
    }
  } finally {
    rmSync(dir!, { recursive: true, force: true });
  }
});

test('hashers fed shared blocks agree with node:crypto, one thread or a thread per digest', async () => {
  const [dir] = dirs();
  try {
    for (const workers of [0, 1, 2]) {
      const pool = createHasherPool({ workers });
      try {
        for (const size of [0, 4096, 3 * BLOCK + 77]) {
          const data = randomBytes(size);
          const both = pool.hasher();
          const md5 = pool.md5Hasher();
          await writeAll(join(dir!, `h-${workers}-${size}`), data, (block) => {
            const waits = [both.hashBlock(block), md5.hashBlock(block)].filter(Boolean);
            return waits.length ? Promise.all(waits).then(() => undefined) : undefined;
          });
          const want = { md5: createHash('md5').update(data).digest('hex'), sha512: createHash('sha512').update(data).digest('hex') };
          assert.deepEqual(await both.digest(), want, `workers=${workers} size=${size}`);
          assert.deepEqual(await md5.digest(), { md5: want.md5 }, `workers=${workers} size=${size} md5 alone`);
        }
      } finally {
        await pool.close();
      }
    }
  } finally {
    rmSync(dir!, { recursive: true, force: true });
  }
});

test('a hasher fed faster than it hashes makes every caller wait, and lets them all go', { timeout: 30_000 }, async () => {
  const pool = createHasherPool({ workers: 1 });
  try {
    const md5 = pool.md5Hasher();
    const chunk = randomBytes(64 << 10);
    // 24 MiB without waiting: past the high-water mark, each call must get a promise that resolves
    const waits: Array<Promise<void>> = [];
    for (let i = 0; i < 384; i++) {
      const wait = md5.update(Buffer.from(chunk));
      if (wait) waits.push(wait);
    }
    assert.ok(waits.length > 0, 'the hasher pushed back');
    await Promise.all(waits);
    const want = createHash('md5');
    for (let i = 0; i < 384; i++) want.update(chunk);
    assert.deepEqual(await md5.digest(), { md5: want.digest('hex') });
  } finally {
    await pool.close();
  }
});
