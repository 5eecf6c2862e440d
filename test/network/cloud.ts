// A test cloud with the network service, two member users in two projects, and a small client
// for /networking/v2.0.
import assert from 'node:assert/strict';
import { startTestCloud, type TestCloud, type TestResponse } from '../helpers/cloud.ts';

export interface NetCloud {
  c: TestCloud;
  admin: string;
  /** Member tokens of projects A and B. */
  a: { token: string; project: string };
  b: { token: string; project: string };
  net(method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** Asserts the status; returns the body. */
  ok(status: number, method: string, path: string, token: string, body?: unknown): Promise<any>;
}

export async function startNetCloud(flags: Record<string, unknown> = {}): Promise<NetCloud> {
  const c = await startTestCloud({ 'network.host': 'test-host', ...flags });
  const admin = await c.adminToken();
  const id = (method: string, path: string, body?: unknown) => c.request(method, `/identity/v3${path}`, { token: admin, body });
  const memberRole = (await id('GET', '/roles?name=member')).body.roles[0].id;
  const user = async (name: string) => {
    const p = (await id('POST', '/projects', { project: { name: `proj-${name}`, domain_id: 'default' } })).body.project;
    const u = (await id('POST', '/users', { user: { name, password: `${name}-pw`, domain_id: 'default' } })).body.user;
    assert.equal((await id('PUT', `/projects/${p.id}/users/${u.id}/roles/${memberRole}`)).status, 204);
    const login = await c.login({ name, password: `${name}-pw` }, { project: { id: p.id } });
    return { token: login.token, project: p.id as string };
  };
  const net: NetCloud['net'] = (method, path, token, body, headers) => c.request(method, `/networking/v2.0${path}`, { token, body, headers });
  return {
    c, admin, a: await user('alice'), b: await user('bob'), net,
    async ok(status, method, path, token, body) {
      const r = await net(method, path, token, body);
      assert.equal(r.status, status, `${method} ${path}: ${r.status} ${r.text}`);
      return r.body;
    },
  };
}

/** Asserts a Neutron fault: status and NeutronError type. */
export function fault(r: TestResponse, status: number, type: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.NeutronError?.type, type, r.text);
  assert.equal(typeof r.body.NeutronError.message, 'string');
}
