// Server CPU per operation, beside wall-clock rates: on a VM shared with neighbours the rates of
// back-to-back runs differ by up to 2×, while CPU milliseconds per operation (utime + stime of
// the whole server process, /proc/<pid>/stat) hold steady and say what a change saved.
//   node bench/object-storage/cpu-bench.ts URL TOKEN SERVER_PID   (REPS=3 N=2000 BIG_MB=256 LIST_N=10000)
// run.sh runs it with BENCH=cpu.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [base, token, pidArg] = process.argv.slice(2);
if (!base || !token || !pidArg) { console.error('usage: cpu-bench.ts URL TOKEN SERVER_PID'); process.exit(2); }
const pid = Number(pidArg);
const REPS = Number(process.env.REPS ?? 3);
const N = Number(process.env.N ?? 2000);
const BIG_MB = Number(process.env.BIG_MB ?? 256);
const LIST_N = Number(process.env.LIST_N ?? 10000);
const TICK = 100; // USER_HZ

const serverCpu = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
};
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function call(method: string, path: string, body?: Buffer | ((w: NodeJS.WritableStream) => Promise<void>)): Promise<number> {
  return new Promise((ok, fail) => {
    const headers: Record<string, string | number> = { 'x-auth-token': token! };
    if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
    else if (body) headers['transfer-encoding'] = 'chunked';
    else if (method === 'PUT') headers['content-length'] = 0;
    const req = request(`${base}${path}`, { method, headers, agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode! < 300 ? ok(res.statusCode!) : fail(new Error(`${method} ${path}: ${res.statusCode}`))));
      res.on('error', fail);
    });
    req.on('error', fail);
    if (typeof body === 'function') body(req).then(() => req.end(), fail); else req.end(body);
  });
}

/** Runs op(0 … n-1), `conc` at a time; returns ops/s and server CPU ms per op. */
async function measure(n: number, conc: number, op: (i: number) => Promise<unknown>) {
  let next = 0;
  const cpu0 = serverCpu();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: conc }, async () => { while (next < n) await op(next++); }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { rate: n / secs, cpuMs: ((serverCpu() - cpu0) * 1000) / n };
}

const results = new Map<string, Array<{ rate: number; cpuMs: number }>>();
const add = (name: string, r: { rate: number; cpuMs: number }, bytesPerOp?: number) =>
  results.set(name, [...(results.get(name) ?? []), bytesPerOp ? { ...r, rate: (r.rate * bytesPerOp) / 1e6 } : r]);
const tag = Date.now().toString(36);
const small = randomBytes(4096);
const block = randomBytes(1 << 20);
const big = async (w: NodeJS.WritableStream) => {
  for (let i = 0; i < BIG_MB; i++) if (!w.write(block)) await new Promise((r) => w.once('drain', r));
};

await call('PUT', `/cpu-${tag}`);
await call('PUT', `/cpu-list-${tag}`);
await measure(LIST_N, 16, (i) => call('PUT', `/cpu-list-${tag}/obj-${String(i).padStart(6, '0')}`, Buffer.alloc(0)));
for (let rep = 0; rep < REPS; rep++) {
  add('PUT 4 KiB c1', await measure(N / 4, 1, (i) => call('PUT', `/cpu-${tag}/c1-${rep}-${i}`, small)));
  add('PUT 4 KiB c16', await measure(N, 16, (i) => call('PUT', `/cpu-${tag}/c16-${rep}-${i}`, small)));
  add('GET 4 KiB c16', await measure(N, 16, (i) => call('GET', `/cpu-${tag}/c16-${rep}-${i}`)));
  add(`list ${LIST_N} JSON`, await measure(10, 1, () => call('GET', `/cpu-list-${tag}?format=json`)));
  add(`PUT ${BIG_MB} MiB (MB/s)`, await measure(1, 1, () => call('PUT', `/cpu-${tag}/big`, big)), BIG_MB << 20);
  add(`GET ${BIG_MB} MiB (MB/s)`, await measure(1, 1, () => call('GET', `/cpu-${tag}/big`)), BIG_MB << 20);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log('| operation | per second (runs) | server CPU ms per op (runs) |\n|---|---|---|');
for (const [name, runs] of results) {
  const rate = runs.map((r) => r.rate), cpu = runs.map((r) => r.cpuMs);
  console.log(`| ${name} | ${median(rate).toFixed(1)} (${rate.map((v) => v.toFixed(0)).join(', ')}) | ${median(cpu).toFixed(2)} (${cpu.map((v) => v.toFixed(2)).join(', ')}) |`);
}
agent.destroy();
