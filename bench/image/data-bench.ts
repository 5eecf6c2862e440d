// Upload and download through HTTP, measuring CPU time as well as wall time: the server's
// request thread and whole process (/proc/<pid>/task/<pid>/stat, /proc/<pid>/stat) and this
// client. On a machine shared with other work, wall-clock MB/s depends on the neighbours; CPU
// seconds per GB do not, and bound what the service does on free cores.
//   node bench/image/data-bench.ts URL TOKEN SERVER_PID      (BIG_MB=512 REPS=3)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

const [base, token, pidArg] = process.argv.slice(2);
if (!base || !token || !pidArg) { console.error('usage: data-bench.ts URL TOKEN SERVER_PID'); process.exit(2); }
const pid = Number(pidArg);
const BIG_MB = Number(process.env.BIG_MB ?? 512);
const REPS = Number(process.env.REPS ?? 3);
const TICK = 100; // USER_HZ
const block = randomBytes(1 << 20);

/** utime + stime in seconds of a /proc stat file. */
const cpuOf = (path: string) => {
  const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
};
const server = () => ({ main: cpuOf(`/proc/${pid}/task/${pid}/stat`), all: cpuOf(`/proc/${pid}/stat`) });
const client = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function call(method: string, path: string, body?: (w: NodeJS.WritableStream) => Promise<void>, headers: Record<string, string> = {}): Promise<{ status: number; text: string; bytes: number }> {
  return new Promise((ok, fail) => {
    const req = request(`${base}${path}`, { method, headers: { 'x-auth-token': token!, ...headers } }, (res) => {
      let bytes = 0; const keep: Buffer[] = [];
      res.on('data', (c: Buffer) => { bytes += c.length; if (bytes < 65536) keep.push(c); });
      res.on('end', () => ok({ status: res.statusCode!, text: Buffer.concat(keep).toString(), bytes }));
      res.on('error', fail);
    });
    req.on('error', fail);
    if (body) body(req).then(() => req.end(), fail); else req.end();
  });
}

const rows: Record<string, number[][]> = { upload: [], download: [] };
for (let rep = 0; rep < REPS; rep++) {
  const bytes = BIG_MB << 20;
  const created = await call('POST', '/v2/images', async (w) => { w.write(JSON.stringify({ name: `data-bench-${rep}`, disk_format: 'raw', container_format: 'bare' })); }, { 'content-type': 'application/json' });
  const id = JSON.parse(created.text).id;
  for (const phase of ['upload', 'download'] as const) {
    const s0 = server(); const c0 = client(); const t0 = performance.now();
    const r = phase === 'upload'
      ? await call('PUT', `/v2/images/${id}/file`, async (w) => {
        for (let left = bytes; left > 0; left -= block.length) if (!w.write(block)) await new Promise((d) => w.once('drain', d));
      }, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) })
      : await call('GET', `/v2/images/${id}/file`);
    const s = (performance.now() - t0) / 1000;
    if (r.status >= 300) throw new Error(`${phase}: HTTP ${r.status} ${r.text}`);
    const s1 = server(); const gb = bytes / 1e9;
    rows[phase]!.push([bytes / 1e6 / s, (s1.main - s0.main) / gb, (s1.all - s0.all) / gb, (client() - c0) / gb]);
  }
  await call('DELETE', `/v2/images/${id}`);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log('| phase | MB/s median (runs) | server request thread CPU s/GB | server process CPU s/GB | client CPU s/GB | MB/s bound: 2 free cores, client included |');
console.log('|---|---|---|---|---|---|');
for (const [phase, rs] of Object.entries(rows)) {
  const col = (i: number) => med(rs.map((r) => r[i]!));
  const bound = 1000 / Math.max(col(1), (col(2) + col(3)) / 2);
  console.log(`| ${phase} ${BIG_MB} MiB | ${col(0).toFixed(0)} (${rs.map((r) => r[0]!.toFixed(0)).join(', ')}) | ${col(1).toFixed(2)} | ${col(2).toFixed(2)} | ${col(3).toFixed(2)} | ${bound.toFixed(0)} |`);
}
