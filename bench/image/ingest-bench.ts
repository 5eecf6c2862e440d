// The upload data path without HTTP: BIG_MB of data in 64 KiB chunks through ingest() (count,
// quota, MD5 + SHA-512, inspection) into a filesystem store, once per hashing layout. Prints
// wall-clock MB/s and the CPU time the request thread and the whole process spent per GB
// (process.threadCpuUsage / cpuUsage): on a shared machine wall time says little, CPU time
// says what the layout needs — and so what it does on free cores.
//   node bench/image/ingest-bench.ts            (BIG_MB=512 REPS=3 LAYOUTS=0,1,2)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHasherPool } from '../../src/lib/hashing.ts';
import { ingest } from '../../src/services/image/service/ingest.ts';
import { filesystemStore } from '../../src/services/image/stores/filesystem-store.ts';

const BIG_MB = Number(process.env.BIG_MB ?? 512);
const REPS = Number(process.env.REPS ?? 3);
const LAYOUTS = (process.env.LAYOUTS ?? '0,1,2').split(',').map(Number);
const CHUNK = 64 << 10;
const block = randomBytes(1 << 20);

async function* source(bytes: number): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < bytes; sent += CHUNK) {
    // a fresh buffer per chunk, as a socket delivers them
    const c = Buffer.allocUnsafe(Math.min(CHUNK, bytes - sent));
    block.copy(c, 0, sent % block.length);
    yield c;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ingest-bench-'));
const store = filesystemStore('bench', { dir });
await store.init();
const reservation = { add() { /* unlimited */ }, release() { /* nothing */ } };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  console.log('| layout (hash threads) | MB/s median | runs | request thread CPU s/GB | process CPU s/GB | MB/s bound on 2 free cores |');
  console.log('|---|---|---|---|---|---|');
  for (const workers of LAYOUTS) {
    const pool = createHasherPool({ workers });
    const rates: number[] = [];
    const mainCpu: number[] = [];
    const allCpu: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const bytes = BIG_MB << 20;
      const thread0 = process.threadCpuUsage();
      const proc0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await ingest({ imageId: `img-${workers}-${rep}`, source: source(bytes), store, reservation, sizeCap: Infinity, hashers: pool, inspect: true });
      const s = (performance.now() - t0) / 1000;
      const thread = process.threadCpuUsage(thread0);
      const proc = process.cpuUsage(proc0);
      const gb = bytes / 1e9;
      mainCpu.push((thread.user + thread.system) / 1e6 / gb);
      allCpu.push((proc.user + proc.system) / 1e6 / gb);
      rates.push(bytes / 1e6 / s);
      await store.delete(r.url);
    }
    await pool.close();
    const name = workers === 0 ? '0: both inline' : workers === 1 ? '1: both on one thread, blocks read in place' : `${workers}: MD5 and SHA-512 on threads of their own`;
    // The request thread cannot go faster than its own CPU allows, nor the process than 2 cores.
    const bound = 1000 / Math.max(median(mainCpu), median(allCpu) / 2);
    console.log(`| ${name} | ${median(rates).toFixed(0)} | ${rates.map((x) => x.toFixed(0)).join(', ')} | ${median(mainCpu).toFixed(2)} | ${median(allCpu).toFixed(2)} | ${bound.toFixed(0)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
