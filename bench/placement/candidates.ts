// GET /allocation_candidates over N providers (default 1,000), timed from a client process against
// a Stratus server running identity + placement in its own process.
//
//   node_modules/.bin/node bench/placement/candidates.ts [--providers 1000] [--iterations 200]
//   BENCH_DATABASE=postgres://postgres@127.0.0.1:5432/bench ... (default: SQLite in a temp dir)
//
// Prints a markdown report: latency percentiles per query shape, response size, server RSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PlacementClient } from '../../src/lib/clients/placement.ts';

const { values: args } = parseArgs({ options: { providers: { type: 'string', default: '1000' }, iterations: { type: 'string', default: '200' }, port: { type: 'string', default: '8294' } } });
const N = Number(args.providers);
const ITER = Number(args.iterations);
const port = Number(args.port);
const repo = join(import.meta.dirname, '..', '..');
const data = mkdtempSync(join(tmpdir(), 'bench-placement-'));
const base = `http://127.0.0.1:${port}`;

const server = spawn(process.execPath, ['--max-semi-space-size=4', join(repo, 'src/cli/main.ts'), 'up'], {
  env: {
    ...process.env, STRATUS_DATA_DIR: data, STRATUS_PORT: String(port), STRATUS_ADMIN_PASSWORD: 'admin', STRATUS_LOG_LEVEL: 'warn',
    STRATUS_SERVICES: 'identity,placement', ...(process.env.BENCH_DATABASE ? { STRATUS_DATABASE: process.env.BENCH_DATABASE } : {}),
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = () => { server.kill('SIGTERM'); rmSync(data, { recursive: true, force: true }); };
process.on('exit', stop);

async function waitUp(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${base}/placement/`)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

async function token(): Promise<string> {
  for (let i = 0; i < 100; i++) { // the server listens before its bootstrap has created the admin
    const t = await tryToken();
    if (t) return t;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no admin token');
}

async function tryToken(): Promise<string | null> {
  const res = await fetch(`${base}/identity/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin', domain: { id: 'default' } } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
  });
  return res.headers.get('x-subject-token')!;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const ms = (x: number) => x.toFixed(1);

async function timeQuery(tok: string, qs: string, between?: () => Promise<void>): Promise<{ times: number[]; bytes: number; count: number }> {
  const url = `${base}/placement/allocation_candidates?${qs}`;
  const headers = { 'x-auth-token': tok, 'openstack-api-version': 'placement 1.39' };
  let bytes = 0, count = 0;
  for (let i = 0; i < 10; i++) await (await fetch(url, { headers })).text(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < ITER; i++) {
    if (between) await between();
    const t0 = performance.now();
    const text = await (await fetch(url, { headers })).text();
    times.push(performance.now() - t0);
    bytes = text.length;
    count = JSON.parse(text).allocation_requests.length;
  }
  return { times, bytes, count };
}

await waitUp();
const tok = await token();
const client = new PlacementClient({ baseUrl: `${base}/placement`, token: () => tok });
const t0 = performance.now();
const uuids: string[] = [];
const traitsFor = (i: number) => ['HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE42', 'COMPUTE_NET_ATTACH_INTERFACE', 'COMPUTE_VOLUME_MULTI_ATTACH', ...(i % 10 === 0 ? ['COMPUTE_STATUS_DISABLED'] : []), ...(i % 2 ? ['STORAGE_DISK_SSD'] : [])];
for (let start = 0; start < N; start += 16) {
  await Promise.all(Array.from({ length: Math.min(16, N - start) }, async (_, k) => {
    const i = start + k;
    const uuid = randomUUID();
    uuids.push(uuid);
    await client.ensureProvider({
      uuid, name: `bench-cn-${i}`, traits: traitsFor(i),
      inventories: { VCPU: { total: 64, allocation_ratio: 4 }, MEMORY_MB: { total: 262144, reserved: 512, allocation_ratio: 1.5 }, DISK_GB: { total: 2000 } },
    });
  }));
}
const setupS = (performance.now() - t0) / 1000;

const flavor = 'resources=VCPU:1,MEMORY_MB:512,DISK_GB:10';
const shapes: Array<[string, string, (() => Promise<void>)?]> = [
  ['all candidates (no limit)', flavor],
  ['required + forbidden traits', `${flavor}&required=HW_CPU_X86_AVX2,!COMPUTE_STATUS_DISABLED`],
  ['limit=50 (Nova-style cap)', `${flavor}&limit=50`],
];
// A claim before every query: the model refreshes the changed provider each time.
let claimIndex = 0;
const claimBetween = async () => {
  const rp = uuids[claimIndex++ % uuids.length]!;
  await client.claim({ consumer: randomUUID(), allocations: { [rp]: { VCPU: 1, MEMORY_MB: 512, DISK_GB: 10 } }, projectId: 'bench', userId: 'bench', consumerGeneration: null });
};
shapes.push(['all candidates, a claim before each query', flavor, claimBetween]);

const rows: string[] = [];
{ // Yardstick: an authenticated request that does no placement work (404 after the token check).
  const headers = { 'x-auth-token': tok, 'openstack-api-version': 'placement 1.39' };
  for (let i = 0; i < 10; i++) await (await fetch(`${base}/placement/resource_providers/none`, { headers })).text();
  const times: number[] = [];
  for (let i = 0; i < ITER; i++) { const t1 = performance.now(); await (await fetch(`${base}/placement/resource_providers/none`, { headers })).text(); times.push(performance.now() - t1); }
  rows.push(`| yardstick: GET one missing provider (auth + one query) | - | - | ${ms(pct(times, 50))} | ${ms(pct(times, 95))} | ${ms(pct(times, 99))} | ${ms(times.reduce((a, b) => a + b, 0) / times.length)} |`);
}
for (const [label, qs, between] of shapes) {
  const r = await timeQuery(tok, qs, between);
  rows.push(`| ${label} | ${r.count} | ${(r.bytes / 1024).toFixed(0)} KiB | ${ms(pct(r.times, 50))} | ${ms(pct(r.times, 95))} | ${ms(pct(r.times, 99))} | ${ms(r.times.reduce((a, b) => a + b, 0) / r.times.length)} |`);
}
// Claim throughput: 1,000 claims (PUT /allocations, consumer_generation null) at concurrency 10.
const claimTimes: number[] = [];
const tc = performance.now();
let next = 0;
await Promise.all(Array.from({ length: 10 }, async () => {
  while (next < 1000) {
    const i = next++;
    const t1 = performance.now();
    await client.claim({ consumer: randomUUID(), allocations: { [uuids[i % uuids.length]!]: { VCPU: 1, MEMORY_MB: 512, DISK_GB: 10 } }, projectId: 'bench', userId: 'bench', consumerGeneration: null });
    claimTimes.push(performance.now() - t1);
  }
}));
const claimS = (performance.now() - tc) / 1000;
rows.push(`| claim: PUT /allocations/{consumer}, 1,000 at concurrency 10 (${(1000 / claimS).toFixed(0)} claims/s) | - | - | ${ms(pct(claimTimes, 50))} | ${ms(pct(claimTimes, 95))} | ${ms(pct(claimTimes, 99))} | ${ms(claimTimes.reduce((a, b) => a + b, 0) / claimTimes.length)} |`);

const rss = (() => { try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024; } catch { return NaN; } })();

console.log(`## GET /allocation_candidates over ${N} providers (${process.env.BENCH_DATABASE ? 'PostgreSQL' : 'SQLite'}), ${ITER} sequential requests each`);
console.log();
console.log(`machine: ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}; setup (${N} providers with inventories and traits over REST): ${setupS.toFixed(1)} s; server RSS after: ${rss.toFixed(0)} MiB`);
console.log();
console.log('| query | candidates | body | p50 ms | p95 ms | p99 ms | mean ms |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
stop();
process.exit(0);
