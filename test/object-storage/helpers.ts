// Object storage test helpers: projects with member users (their own AUTH_ accounts), and a raw
// HTTP client for Swift requests (binary bodies, every header).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { TestCloud } from '../helpers/cloud.ts';

/** SWIFT_TEST_DATABASE=postgres://… runs the API tests on PostgreSQL (a fresh database: every service's schema lands in it). */
export const dbFlags = (): Record<string, unknown> => (process.env.SWIFT_TEST_DATABASE ? { database: process.env.SWIFT_TEST_DATABASE } : {});

export interface SwiftUser { userId: string; projectId: string; token: string; account: string; url: string }

export interface SwiftResponse { status: number; headers: Record<string, string>; body: Buffer; text: string; json(): any }

/** A new project with a user holding `role` on it; the user's token and storage URL. */
export async function swiftUser(c: TestCloud, name: string, role = 'member'): Promise<SwiftUser> {
  const admin = await c.adminToken();
  const id = (method: string, path: string, body?: unknown) => c.request(method, `/identity/v3${path}`, { token: admin, body });
  const p = await id('POST', '/projects', { project: { name: `${name}-project`, domain_id: 'default' } });
  assert.equal(p.status, 201, p.text);
  const u = await id('POST', '/users', { user: { name, password: `${name}-pw`, domain_id: 'default' } });
  assert.equal(u.status, 201, u.text);
  const roleId = (await id('GET', `/roles?name=${role}`)).body.roles[0].id;
  assert.equal((await id('PUT', `/projects/${p.body.project.id}/users/${u.body.user.id}/roles/${roleId}`)).status, 204);
  const login = await c.login({ name, password: `${name}-pw` }, { project: { id: p.body.project.id } });
  assert.equal(login.status, 201);
  const account = `AUTH_${p.body.project.id}`;
  return { userId: u.body.user.id, projectId: p.body.project.id, token: login.token, account, url: `${c.url}/object-store/v1/${account}` };
}

/** One HTTP request with node:http (fetch hides some headers and cannot send COPY bodies). */
export function swift(method: string, url: string, opts: { token?: string; headers?: Record<string, string>; body?: string | Buffer | AsyncIterable<Buffer> } = {}): Promise<SwiftResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    if (opts.token) headers['x-auth-token'] = opts.token;
    if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) headers['content-length'] ??= String(Buffer.byteLength(opts.body));
    else if (opts.body === undefined && ['PUT', 'POST'].includes(method)) headers['content-length'] ??= '0';
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : String(v);
        resolve({ status: res.statusCode ?? 0, headers: flat, body, text: body.toString('utf8'), json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body === undefined || typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) req.end(opts.body);
    else (async () => { for await (const c of opts.body as AsyncIterable<Buffer>) req.write(c); req.end(); })().catch(reject);
  });
}

/** Asserts the headers every Swift response carries. */
export function assertSwiftHeaders(r: SwiftResponse): void {
  assert.match(r.headers['x-trans-id'] ?? '', /^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
  assert.equal(r.headers['x-openstack-request-id'], r.headers['x-trans-id']);
  assert.ok(r.headers['content-type'], 'content-type');
  assert.ok(r.headers['date'], 'date');
  if (r.status !== 204 && r.status !== 304) assert.ok(r.headers['content-length'] !== undefined || r.headers['transfer-encoding'] === 'chunked', 'content-length');
}
