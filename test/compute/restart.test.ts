// Restart safety: the process is killed (SIGKILL) while builds are in flight and started again
// on the same data; every server ends ACTIVE or ERROR — none stuck in BUILD or a task state —
// and no allocation or port is left for a server that does not run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

function start(dataDir: string, port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['src/cli/main.ts', 'up'], {
    cwd: ROOT, stdio: 'ignore',
    env: { ...process.env, STRATUS_DATA_DIR: dataDir, STRATUS_PORT: String(port), STRATUS_ADMIN_PASSWORD: 'admin', STRATUS_LOG_LEVEL: 'warn', STRATUS_IDENTITY_PASSWORD_HASH_COST: 'cheap', STRATUS_COMPUTE_FAKE_HOSTS: '2', ...env },
  });
}

test('SIGKILL during builds: servers are reconciled, nothing leaks', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-restart-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { method, headers: { ...(token ? { 'x-auth-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const up = async () => { for (let i = 0; i < 200; i++) { try { if ((await fetch(`${base}/compute/`)).ok) return; } catch { /* starting */ } await new Promise((r) => setTimeout(r, 100)); } throw new Error('did not start'); };
  const login = async () => (await call('POST', '/identity/v3/auth/tokens', undefined, { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin', domain: { id: 'default' } } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } })).headers.get('x-subject-token')!;
  let proc = start(dataDir, port, { STRATUS_COMPUTE_FAKE_SPAWN_DELAY_MS: '3000' });
  try {
    await up();
    let token = await login();
    const img = await call('POST', '/image/v2/images', token, { name: 'i', disk_format: 'raw', container_format: 'bare', visibility: 'public' });
    await fetch(`${base}/image/v2/images/${img.body.id}/file`, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(512) });
    const fl = await call('POST', '/compute/v2.1/flavors', token, { flavor: { name: 'f', ram: 64, vcpus: 1, disk: 1 } });
    const net = await call('POST', '/networking/v2.0/networks', token, { network: { name: 'n' } });
    await call('POST', '/networking/v2.0/subnets', token, { subnet: { network_id: net.body.network.id, cidr: '10.9.0.0/24', ip_version: 4 } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await call('POST', '/compute/v2.1/servers', token, { server: { name: `r${i}`, imageRef: img.body.id, flavorRef: fl.body.flavor.id, networks: [{ uuid: net.body.network.id }] } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push(r.body.server.id);
    }
    // wait until builds are in flight on the hosts (ports made, driver spawning), then kill
    for (let i = 0; i < 100; i++) {
      const d = await call('GET', '/compute/v2.1/servers/detail', token);
      if (d.body.servers.filter((s: any) => s['OS-EXT-STS:task_state'] === 'spawning').length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));

    proc = start(dataDir, port, {});
    await up();
    token = await login();
    let servers: any[] = [];
    for (let i = 0; i < 200; i++) {
      servers = (await call('GET', '/compute/v2.1/servers/detail', token)).body.servers;
      if (servers.every((s) => ['ACTIVE', 'ERROR'].includes(s.status) && s['OS-EXT-STS:task_state'] === null)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(servers.length, ids.length);
    for (const s of servers) assert.ok(['ACTIVE', 'ERROR'].includes(s.status) && s['OS-EXT-STS:task_state'] === null, `${s.id} ${s.status} ${s['OS-EXT-STS:task_state']}`);
    const pl = { 'openstack-api-version': 'placement 1.36' };
    for (const s of servers) {
      const alloc = await call('GET', `/placement/allocations/${s.id}`, token, undefined, pl);
      const ports = (await call('GET', `/networking/v2.0/ports?device_id=${s.id}`, token)).body.ports;
      if (s.status === 'ACTIVE') {
        assert.equal(Object.keys(alloc.body.allocations).length, 1, `${s.id} ACTIVE without allocation`);
        assert.equal(ports.length, 1, `${s.id} ACTIVE with ${ports.length} ports`);
      } else {
        assert.deepEqual(alloc.body.allocations, {}, `${s.id} ERROR still holds an allocation`);
        assert.equal(ports.length, 0, `${s.id} ERROR still has a port`);
        assert.ok(s.fault?.message);
      }
    }
    // and nothing else: every port a server owns belongs to a listed server
    const all = (await call('GET', '/networking/v2.0/ports?device_owner=compute:nova', token)).body.ports;
    assert.equal(all.length, servers.filter((s) => s.status === 'ACTIVE').length);
    for (const s of servers) assert.equal((await call('DELETE', `/compute/v2.1/servers/${s.id}`, token)).status, 204);
  } finally {
    proc.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
