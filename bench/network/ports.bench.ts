// Network benchmark: port create throughput at concurrency 16, and the time to list 10,000
// ports. Starts its own Stratus (bin/stratus up, SQLite, fresh data dir) unless BENCH_URL points
// at one; prints JSON. Run: node_modules/.bin/node bench/network/ports.bench.ts
//   BENCH_CREATES (default 3000)  ports created at c16      BENCH_CONCURRENCY (16)
//   BENCH_TOTAL (10000)           ports present for the list  BENCH_LIST_RUNS (7)
//   BENCH_BOUND=1                 bind the timed ports to the agent's host (agent wiring included)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

const env = process.env;
const CREATES = Number(env.BENCH_CREATES ?? 3000);
const CONC = Number(env.BENCH_CONCURRENCY ?? 16);
const TOTAL = Number(env.BENCH_TOTAL ?? 10000);
const LIST_RUNS = Number(env.BENCH_LIST_RUNS ?? 7);
const BOUND = env.BENCH_BOUND === '1';

async function startStratus(): Promise<{ url: string; stop(): Promise<void> }> {
  if (env.BENCH_URL) return { url: env.BENCH_URL, async stop() {} };
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-net-'));
  const port = Number(env.BENCH_PORT ?? 8213);
  const child = spawn(process.execPath, ['src/cli/main.ts', 'up'], {
    env: { ...env, STRATUS_DATA_DIR: dir, STRATUS_PORT: String(port), STRATUS_ADMIN_PASSWORD: 'admin', STRATUS_LOG_LEVEL: 'warn', STRATUS_LOG_FILE: join(dir, 'log') },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${url}/identity/v3`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Wait for the server to go before its data directory does (else its shutdown hangs).
  const stop = async () => {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void stop().then(() => process.exit(130)); });
  return { url, stop };
}

const { url, stop } = await startStratus();
try {
  // The identity endpoint answers before bootstrap has made the admin: retry the login.
  let auth: Response | undefined;
  for (let i = 0; i < 50; i++) {
    auth = await fetch(`${url}/identity/v3/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: env.BENCH_PASSWORD ?? 'admin' } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
    });
    if (auth.status === 201) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (auth!.status !== 201) throw new Error(`login failed: ${auth!.status} ${await auth!.text()}`);
  const token = auth!.headers.get('x-subject-token')!;
  const projectId = (await auth!.json() as any).token.project.id;
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${url}/networking/v2.0${path}`, { method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  await api('PUT', `/quotas/${projectId}`, { quota: { port: -1 } });
  const net = (await api('POST', '/networks', { network: { name: 'bench' } })).network;
  await api('POST', '/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.128.0.0/16', name: 'bench' } });
  const portBody = { port: { network_id: net.id, ...(BOUND ? { 'binding:host_id': env.BENCH_HOST ?? hostname() } : {}) } };

  // Warm-up (JIT, token cache, statement caches).
  for (let i = 0; i < 50; i++) await api('POST', '/ports', portBody);

  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next < CREATES) {
      next++;
      const s = performance.now();
      await api('POST', '/ports', portBody);
      latencies.push(performance.now() - s);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]! * 10) / 10;

  // Fill up to TOTAL with bulk creates, then time full listings.
  let have = CREATES + 50;
  while (have < TOTAL) {
    const n = Math.min(200, TOTAL - have);
    await api('POST', '/ports', { ports: Array.from({ length: n }, () => ({ network_id: net.id })) });
    have += n;
  }
  const listMs: number[] = [];
  let count = 0;
  for (let i = 0; i < LIST_RUNS; i++) {
    const s = performance.now();
    const r = await api('GET', '/ports');
    listMs.push(performance.now() - s);
    count = r.ports.length;
  }
  listMs.sort((a, b) => a - b);
  const ips = new Set<string>();
  for (const p of (await api('GET', '/ports?fields=fixed_ips')).ports) for (const f of p.fixed_ips) ips.add(f.ip_address);
  console.log(JSON.stringify({
    creates: CREATES, concurrency: CONC, bound: BOUND, seconds: Math.round(seconds * 100) / 100,
    creates_per_s: Math.round(CREATES / seconds), latency_ms: { p50: pct(0.5), p90: pct(0.9), p99: pct(0.99) },
    list: { ports: count, unique_ips: ips.size, median_ms: Math.round(listMs[Math.floor(listMs.length / 2)]!), min_ms: Math.round(listMs[0]!), max_ms: Math.round(listMs.at(-1)!) },
  }, null, 2));
} finally {
  await stop();
}
