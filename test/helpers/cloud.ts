// Starts a whole Stratus cloud in this process (SQLite in a temp dir, in-process bus, port 0)
// and gives tests a tiny client for its REST APIs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type Cloud } from '../../src/cli/cloud.ts';
import { silentLogger } from '../../src/lib/log.ts';

export const ADMIN_PASSWORD = 'test-admin-secret';

export interface TestCloud {
  cloud: Cloud;
  url: string;
  request(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<TestResponse>;
  /** A project-scoped admin token. */
  adminToken(): Promise<string>;
  /** Issues a password token; returns the X-Subject-Token and body. */
  login(user: { name: string; password: string; domain?: string }, scope?: unknown): Promise<{ token: string; body: any; status: number }>;
  stop(): Promise<void>;
}
export interface TestResponse { status: number; headers: Headers; body: any; text: string }

export async function startTestCloud(flags: Record<string, unknown> = {}): Promise<TestCloud> {
  // a data directory of its own, removed on stop, unless the test names one (a restart)
  const ownDir = flags.data_dir === undefined;
  const dataDir = ownDir ? mkdtempSync(join(tmpdir(), 'stratus-test-')) : String(flags.data_dir);
  const removeOwnDir = () => { if (ownDir) rmSync(dataDir, { recursive: true, force: true }); };
  const cloud = await startCloud({
    env: {},
    log: silentLogger(),
    flags: { port: 0, data_dir: dataDir, admin_password: ADMIN_PASSWORD, 'identity.password_hash_cost': 'cheap', ...flags },
  }).catch((err: unknown) => { removeOwnDir(); throw err; });
  let admin: string | undefined;
  const request: TestCloud['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers['x-auth-token'] = opts.token;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] ??= 'application/json'; }
    const res = await fetch(cloud.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  const login: TestCloud['login'] = async (user, scope) => {
    const res = await request('POST', '/identity/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: { name: user.name, password: user.password, domain: { id: user.domain ?? 'default' } } } }, ...(scope ? { scope } : {}) } },
    });
    return { token: res.headers.get('x-subject-token') ?? '', body: res.body, status: res.status };
  };
  return {
    cloud, url: cloud.url, request, login,
    async adminToken() {
      if (!admin) {
        const r = await login({ name: 'admin', password: ADMIN_PASSWORD }, { project: { name: 'admin', domain: { id: 'default' } } });
        if (r.status !== 201) throw new Error(`admin login failed: ${r.status} ${JSON.stringify(r.body)}`);
        admin = r.token;
      }
      return admin;
    },
    async stop() { await cloud.close(); removeOwnDir(); },
  };
}
