// A whole cloud for compute tests: identity, the real image service, compute, and the fakes of
// placement and network until the real ones are registered in src/cli/services.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type Cloud } from '../../src/cli/cloud.ts';
import { allServices } from '../../src/cli/services.ts';
import type { Bus } from '../../src/lib/bus/index.ts';
import { silentLogger } from '../../src/lib/log.ts';
import type { ServiceDefinition } from '../../src/lib/service.ts';
import compute from '../../src/services/compute/index.ts';
import { fakePlacement } from './fakes/placement.ts';
import { fakeNetwork } from './fakes/network.ts';

export const ADMIN_PASSWORD = 'test-admin-secret';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

export interface ComputeCloud {
  cloud: Cloud;
  url: string;
  /** The cloud's message bus, as compute got it (notifications, RPC). */
  bus: Bus;
  placement?: ReturnType<typeof fakePlacement>;
  network?: ReturnType<typeof fakeNetwork>;
  /** JSON request; `mv` sets the compute microversion. */
  req(method: string, path: string, opts?: { token?: string; body?: unknown; mv?: string; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  adminToken(): Promise<string>;
  /** A user with the member role in a new project; returns its token and ids. */
  user(name: string): Promise<{ token: string; projectId: string; userId: string }>;
  /** Uploads a tiny active image; returns its id. */
  image(token?: string): Promise<string>;
  /** Creates a flavor (admin); returns its id. */
  flavor(opts?: { ram?: number; vcpus?: number; disk?: number; name?: string }): Promise<string>;
  waitFor(serverId: string, pred: (s: any) => boolean, token?: string, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

export async function startComputeCloud(flags: Record<string, unknown> = {}): Promise<ComputeCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-compute-'));
  const have = new Set(allServices.map((s) => s.id));
  const placement = have.has('placement') ? undefined : fakePlacement();
  const network = have.has('network') ? undefined : fakeNetwork();
  // Compute is wrapped only to catch the bus it is given: the cloud does not expose it.
  let bus: Bus | undefined;
  const computeSeeingBus: ServiceDefinition = { ...compute, init: (deps) => { bus = deps.bus; return compute.init(deps); } };
  const services: ServiceDefinition[] = [...allServices.filter((s) => s.id !== 'compute'), ...(placement ? [placement] : []), ...(network ? [network] : []), computeSeeingBus];
  const port = await freePort();
  const cloud = await startCloud({
    env: {}, log: silentLogger(), services,
    flags: {
      port, data_dir: dataDir, admin_password: ADMIN_PASSWORD, 'identity.password_hash_cost': 'cheap', 'compute.fake_hosts': 2,
      // COMPUTE_TEST_DATABASE=postgres://…/db runs the same tests on PostgreSQL (one schema per service).
      ...(process.env.COMPUTE_TEST_DATABASE ? { database: process.env.COMPUTE_TEST_DATABASE } : {}), ...flags,
    },
  });
  let admin: string | undefined;
  const req: ComputeCloud['req'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers['x-auth-token'] = opts.token;
    if (opts.mv) headers['openstack-api-version'] = `compute ${opts.mv}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] ??= 'application/json'; }
    const res = await fetch(cloud.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const login = async (name: string, password: string, project: string) => {
    const r = await fetch(`${cloud.url}/identity/v3/auth/tokens`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name, password, domain: { id: 'default' } } } }, scope: { project: { name: project, domain: { id: 'default' } } } } }),
    });
    if (r.status !== 201) throw new Error(`login ${name} failed: ${r.status} ${await r.text()}`);
    return { token: r.headers.get('x-subject-token')!, body: await r.json() as any };
  };
  const adminToken = async () => (admin ??= (await login('admin', ADMIN_PASSWORD, 'admin')).token);
  const c: ComputeCloud = {
    cloud, url: cloud.url, bus: bus!, placement, network, req, adminToken,
    async user(name) {
      const t = await adminToken();
      const p = await req('POST', '/identity/v3/projects', { token: t, body: { project: { name: `${name}-project`, domain_id: 'default' } } });
      const u = await req('POST', '/identity/v3/users', { token: t, body: { user: { name, password: 'pw', domain_id: 'default', default_project_id: p.body.project.id } } });
      const roles = await req('GET', '/identity/v3/roles?name=member', { token: t });
      await req('PUT', `/identity/v3/projects/${p.body.project.id}/users/${u.body.user.id}/roles/${roles.body.roles[0].id}`, { token: t });
      const l = await login(name, 'pw', `${name}-project`);
      return { token: l.token, projectId: p.body.project.id, userId: u.body.user.id };
    },
    async image(token) {
      const t = token ?? await adminToken();
      const img = await req('POST', '/image/v2/images', { token: t, body: { name: 'tiny', disk_format: 'raw', container_format: 'bare', visibility: token ? 'private' : 'public' } });
      if (img.status !== 201) throw new Error(`image create: ${img.status} ${JSON.stringify(img.body)}`);
      const up = await fetch(`${cloud.url}/image/v2/images/${img.body.id}/file`, { method: 'PUT', headers: { 'x-auth-token': t, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(1024) });
      if (up.status !== 204) throw new Error(`image upload: ${up.status}`);
      return img.body.id;
    },
    async flavor(o = {}) {
      const r = await req('POST', '/compute/v2.1/flavors', { token: await adminToken(), body: { flavor: { name: o.name ?? `f-${Math.random().toString(36).slice(2, 8)}`, ram: o.ram ?? 64, vcpus: o.vcpus ?? 1, disk: o.disk ?? 1 } } });
      if (r.status !== 200) throw new Error(`flavor create: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.flavor.id;
    },
    async waitFor(id, pred, token, timeoutMs = 10_000) {
      const t0 = Date.now();
      for (;;) {
        const r = await req('GET', `/compute/v2.1/servers/${id}`, { token: token ?? await adminToken() });
        if (pred(r.status === 404 ? null : r.body?.server)) return r.status === 404 ? null : r.body.server;
        if (Date.now() - t0 > timeoutMs) throw new Error(`timeout waiting for server ${id}: ${JSON.stringify(r.body)}`);
        await new Promise((res) => setTimeout(res, 25));
      }
    },
    async stop() { await cloud.close(); rmSync(dataDir, { recursive: true, force: true }); },
  };
  return c;
}
