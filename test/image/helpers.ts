// A cloud with identity and image, two projects with a member user each, and small clients for
// the image API (JSON calls and raw data transfers).
import assert from 'node:assert/strict';
import { startTestCloud, type TestCloud, type TestResponse } from '../helpers/cloud.ts';

export interface ImageCloud {
  c: TestCloud;
  admin: string;
  /** Member of project A, member of project B, reader-only of project A. */
  alice: { token: string; project: string };
  bob: { token: string; project: string };
  rita: { token: string; project: string };
  api(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<TestResponse>;
  /** PATCH with the v2.1 JSON-patch media type. */
  patch(id: string, ops: unknown, token?: string): Promise<TestResponse>;
  /** PUT bytes (or a stream) to /file or /stage. */
  put(path: string, data: Uint8Array | ReadableStream<Uint8Array>, opts?: { token?: string; headers?: Record<string, string> }): Promise<TestResponse>;
  get(path: string, opts?: { token?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; data: Buffer }>;
  create(body: Record<string, unknown>, token?: string): Promise<any>;
  stop(): Promise<void>;
}

export async function startImageCloud(flags: Record<string, unknown> = {}): Promise<ImageCloud> {
  // STRATUS_IMAGE_TEST_DB=postgres://… runs the cloud on PostgreSQL (one test file at a time,
  // on a database of its own: the schemas are per service, not per test).
  const database = process.env.STRATUS_IMAGE_TEST_DB;
  const c = await startTestCloud({ services: 'identity,image', 'image.hash_workers': 1, ...(database ? { database } : {}), ...flags });
  const admin = await c.adminToken();
  const idApi = (method: string, path: string, body?: unknown) => c.request(method, `/identity/v3${path}`, { token: admin, body });
  const roleId = async (name: string) => (await idApi('GET', `/roles?name=${name}`)).body.roles[0].id;
  const memberRole = await roleId('member');
  const readerRole = await roleId('reader');
  const projects: Record<string, string> = {};
  for (const p of ['img-a', 'img-b']) projects[p] = (await idApi('POST', '/projects', { project: { name: p, domain_id: 'default' } })).body.project.id;
  async function user(name: string, project: string, role: string) {
    const u = (await idApi('POST', '/users', { user: { name, password: `${name}-pw`, domain_id: 'default' } })).body.user;
    assert.equal((await idApi('PUT', `/projects/${project}/users/${u.id}/roles/${role}`)).status, 204);
    const login = await c.login({ name, password: `${name}-pw` }, { project: { id: project } });
    assert.equal(login.status, 201);
    return { token: login.token, project };
  }
  const alice = await user('alice', projects['img-a']!, memberRole);
  const bob = await user('bob', projects['img-b']!, memberRole);
  const rita = await user('rita', projects['img-a']!, readerRole);

  const api: ImageCloud['api'] = (method, path, opts = {}) => c.request(method, `/image${path}`, { ...opts, token: opts.token ?? alice.token });
  return {
    c, admin, alice, bob, rita, api,
    patch: (id, ops, token = alice.token) => c.request('PATCH', `/image/v2/images/${id}`, {
      token, raw: JSON.stringify(ops), headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
    }),
    async put(path, data, opts = {}) {
      const res = await fetch(`${c.url}/image${path}`, {
        method: 'PUT', body: data as BodyInit, duplex: 'half',
        headers: { 'x-auth-token': opts.token ?? alice.token, 'content-type': 'application/octet-stream', ...opts.headers },
      } as RequestInit);
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, body: undefined };
    },
    async get(path, opts = {}) {
      const res = await fetch(`${c.url}/image${path}`, { headers: { 'x-auth-token': opts.token ?? alice.token, ...opts.headers } });
      return { status: res.status, headers: res.headers, data: Buffer.from(await res.arrayBuffer()) };
    },
    async create(body, token = alice.token) {
      const r = await api('POST', '/v2/images', { token, body: { disk_format: 'raw', container_format: 'bare', ...body } });
      assert.equal(r.status, 201, r.text);
      return r.body;
    },
    stop: () => c.stop(),
  };
}

/** Polls an image until `done` says so (imports run in the background). */
export async function waitFor(cloud: ImageCloud, id: string, done: (image: any) => boolean, token?: string, timeoutMs = 10_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await cloud.api('GET', `/v2/images/${id}`, { token });
    if (r.status === 200 && done(r.body)) return r.body;
    if (Date.now() > until) throw new Error(`image ${id} did not get there: ${r.text}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
