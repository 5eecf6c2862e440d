// `stratus agent network` as its own process: a cloud whose all-in-one runs no network agent,
// and a separate agent process for host `other`, both on RabbitMQ (inproc:// is per process).
// The agent opens no database, so a port bound to `other` goes ACTIVE only if that process
// pulled it over the bus, wired it (fake backend) and reported it up.
// Runs when STRATUS_TEST_RABBIT_URL is set (CI: amqp://guest:guest@127.0.0.1:5672/).
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const rabbitUrl = process.env.STRATUS_TEST_RABBIT_URL;
const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

/**
 * A bus URL of our own: a fresh vhost where rabbitmqctl can make one, so other clouds on the same
 * broker (their `network-plugin` servers) never answer our agent. Else the URL as given.
 */
async function isolatedBus(url: string): Promise<{ bus: string; drop(): Promise<void> }> {
  const u = new URL(url);
  const vhost = `stratus-agent-cli-${randomUUID().slice(0, 8)}`;
  const ctl = (...args: string[]) => run('rabbitmqctl', ['-q', ...args], { timeout: 20_000 });
  try {
    await ctl('add_vhost', vhost);
    await ctl('set_permissions', '-p', vhost, decodeURIComponent(u.username || 'guest'), '.*', '.*', '.*');
  } catch {
    return { bus: url, drop: async () => {} };
  }
  u.pathname = `/${vhost}`;
  return { bus: u.toString(), drop: () => ctl('delete_vhost', vhost).then(() => {}, () => {}) };
}

interface Proc { child: ChildProcess; out(): string; exited: Promise<number | null> }

function stratus(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b) => { out += b; });
  child.stderr!.on('data', (b) => { out += b; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, proc: Proc[], tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}\n${proc.map((p) => p.out()).join('\n---\n')}`);
}

test('stratus agent network: a separate agent process registers and wires ports bound to its host', { skip: rabbitUrl ? false : 'set STRATUS_TEST_RABBIT_URL (e.g. amqp://guest:guest@127.0.0.1:5672/) to run it', timeout: 120_000 }, async () => {
  const { bus, drop } = await isolatedBus(rabbitUrl!);
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-agent-cli-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const procs: Proc[] = [];
  try {
    const cloud = stratus(['up'], {
      STRATUS_DATA_DIR: dataDir, STRATUS_PORT: String(port), STRATUS_BUS: bus, STRATUS_SERVICES: 'identity,network',
      STRATUS_NETWORK_AGENT: 'false', STRATUS_ADMIN_PASSWORD: 'admin', STRATUS_LOG_LEVEL: 'warn', STRATUS_IDENTITY_PASSWORD_HASH_COST: 'cheap',
    });
    procs.push(cloud);
    // The agent process gets neither data directory nor database: only the bus.
    const agent = stratus(['agent', 'network', '--host-name', 'other', '--bus', bus], { STRATUS_LOG_LEVEL: 'info' });
    procs.push(agent);

    const call = async (method: string, path: string, token?: string, body?: unknown) => {
      const res = await fetch(base + path, { method, headers: { ...(token ? { 'x-auth-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    };
    const token = await until('the cloud to start', async () => {
      const r = await call('POST', '/identity/v3/auth/tokens', undefined, { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin', domain: { id: 'default' } } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } });
      return r.status === 201 ? r.headers.get('x-subject-token')! : undefined;
    }, procs);
    const net = (method: string, path: string, body?: unknown) => call(method, `/networking/v2.0${path}`, token, body);

    // The all-in-one runs no agent, so the only agents are the separate process's.
    const agents = await until('the agent of host other to register', async () => {
      const r = await net('GET', '/agents');
      return r.body.agents.length ? r.body.agents : undefined;
    }, procs);
    assert.ok(agents.every((a: any) => a.host === 'other' && a.alive === true && a.binary === 'stratus-network-agent'), JSON.stringify(agents));
    assert.ok(agents.some((a: any) => a.agent_type === 'Linux bridge agent'), JSON.stringify(agents.map((a: any) => a.agent_type)));
    assert.match(agent.out(), /fake backend/);

    const network = (await net('POST', '/networks', { network: { name: 'agent-cli' } })).body.network;
    assert.equal((await net('POST', '/subnets', { subnet: { network_id: network.id, ip_version: 4, cidr: '10.9.0.0/24' } })).status, 201);
    const created = await net('POST', '/ports', { port: { network_id: network.id, 'binding:host_id': 'other' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.port['binding:host_id'], 'other');
    assert.notEqual(created.body.port['binding:vif_type'], 'binding_failed');
    const active = await until('the port to go ACTIVE', async () => {
      const p = (await net('GET', `/ports/${created.body.port.id}`)).body.port;
      return p.status === 'ACTIVE' ? p : undefined;
    }, procs);
    assert.equal(active['binding:vif_type'], created.body.port['binding:vif_type']);

    // SIGTERM stops the agent cleanly.
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0, agent.out());
    assert.match(agent.out(), /SIGTERM: stopping the network agent of other/);
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) { p.child.kill('SIGKILL'); await p.exited; }
    rmSync(dataDir, { recursive: true, force: true });
    await drop();
  }
});
