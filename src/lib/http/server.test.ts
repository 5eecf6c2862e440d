import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpServer, mountService } from './server.ts';
import { PUBLIC, reply, type Route } from './routes.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import { Enforcer } from '../policy/index.ts';
import { NotFound } from '../errors.ts';
import { silentLogger } from '../log.ts';

const tokens: Record<string, { roles: string[]; projectId: string }> = {
  admin: { roles: ['admin'], projectId: 'p1' },
  reader: { roles: ['reader'], projectId: 'p2' },
};
const authenticator = createAuthenticator({
  async validate(t) {
    const info = tokens[t];
    if (!info) throw new NotFound('no such token');
    return { ...info, roleIds: [], isAdminProject: false, authMethods: ['password'], auditIds: [], userId: 'u-' + t };
  },
});
const policy = new Enforcer([{ name: 'thing:get', checkStr: 'role:admin or project_id:%(project_id)s' }]);
const routes: Route[] = [
  { method: 'GET', path: '/', policy: PUBLIC, handler: () => reply(300, { versions: [] }) },
  { method: 'GET', path: '/things/:id', policy: 'thing:get', target: (req) => ({ project_id: req.params.id }), handler: (req) => ({ thing: { id: req.params.id, by: req.ctx.userId } }) },
  { method: 'GET', path: '/cased', policy: PUBLIC, handler: () => reply(200, 'ok', { 'X-Object-Meta-Color': 'blue', 'X-Openstack-Request-Id': 'tx-own', 'Content-Type': 'text/x-own' }) },
  { method: 'POST', path: '/things', policy: PUBLIC, body: { type: 'object', required: ['thing'], properties: { thing: { type: 'object', properties: { size: { type: 'integer' } } } } }, handler: () => reply(201, { ok: true }) },
];

async function server(style: 'keystone' | 'nova' = 'keystone') {
  const app = createHttpServer({ log: silentLogger(), maxBodyBytes: 2048 });
  mountService(app, { id: 'x', prefix: '/x', faultStyle: style, routes, policy, authenticator });
  await app.ready();
  return app;
}

test('public route answers without a token, with a request id', async () => {
  const app = await server();
  const res = await app.inject({ method: 'GET', url: '/x/' });
  assert.equal(res.statusCode, 300);
  assert.match(String(res.headers['x-openstack-request-id']), /^req-[0-9a-f-]{36}$/);
});

test('a reply\'s header names go out as written (clients match "X-Object-Meta-" case-sensitively), its values win', async () => {
  const app = await server();
  const res = await app.inject({ method: 'GET', url: '/x/cased' });
  // Node's getRawHeaderNames (since 15.13), which @types/node here does not declare
  const names = (res.raw.res as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames();
  assert.ok(names.includes('X-Object-Meta-Color'), names.join(', '));
  assert.deepEqual([res.headers['x-object-meta-color'], res.headers['x-openstack-request-id'], res.headers['content-type'], res.body], ['blue', 'tx-own', 'text/x-own', 'ok']);
});

test('a protected route needs a token (401 in the API style, with WWW-Authenticate for keystone)', async () => {
  const app = await server();
  const res = await app.inject({ method: 'GET', url: '/x/things/p1' });
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json().error.code, 401);
  assert.equal(res.json().error.title, 'Unauthorized');
  assert.match(String(res.headers['www-authenticate']), /^Keystone uri=/);
  const bad = await app.inject({ method: 'GET', url: '/x/things/p1', headers: { 'x-auth-token': 'nope' } });
  assert.equal(bad.statusCode, 401);
});

test('policy decides with the route target: admin yes, reader of another project 403', async () => {
  const app = await server('nova');
  assert.equal((await app.inject({ method: 'GET', url: '/x/things/p1', headers: { 'x-auth-token': 'admin' } })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/x/things/p2', headers: { 'x-auth-token': 'reader' } })).statusCode, 200);
  const denied = await app.inject({ method: 'GET', url: '/x/things/p1', headers: { 'x-auth-token': 'reader' } });
  assert.equal(denied.statusCode, 403);
  assert.equal(denied.json().forbidden.code, 403);
});

test('bad bodies are 400 in the API style, oversize bodies 413, unknown paths 404, wrong methods 405', async () => {
  const app = await server();
  const post = (payload: string) => app.inject({ method: 'POST', url: '/x/things', payload, headers: { 'content-type': 'application/json' } });
  assert.equal((await post('{not json')).statusCode, 400);
  assert.equal((await post('{"thing": {"size": "12"}}')).statusCode, 400, 'no type coercion');
  assert.equal((await post('{}')).json().error.code, 400);
  assert.equal((await post(JSON.stringify({ thing: { pad: 'x'.repeat(4096) } }))).statusCode, 413);
  assert.equal((await app.inject({ method: 'GET', url: '/x/nothing/here' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'DELETE', url: '/x/things/p1' })).statusCode, 405);
});

test('a path that does not decode is 400 in the API style, or what the service answers to it', async () => {
  const app = await server('nova');
  const res = await app.inject({ method: 'GET', url: '/x/things/%FF' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().badRequest.code, 400);
  assert.match(String(res.headers['x-openstack-request-id']), /^req-/);
  // the router's other refusal keeps Fastify's status
  assert.equal((await app.inject({ method: 'GET', url: `/x/things/${'p'.repeat(101)}` })).statusCode, 414);
  const own = createHttpServer({ log: silentLogger() });
  mountService(own, { id: 'x', prefix: '/x', faultStyle: 'swift', routes, policy, authenticator, badPath: (req) => reply(412, `bad: ${req.method}`) });
  await own.ready();
  const mine = await own.inject({ method: 'PUT', url: '/x/things/%E0%A4%A' });
  assert.deepEqual([mine.statusCode, mine.body], [412, 'bad: PUT']);
});

test('a route without a policy, or with an unknown rule, refuses to start', () => {
  const app = createHttpServer({ log: silentLogger() });
  assert.throws(() => mountService(app, { id: 'x', prefix: '/x', faultStyle: 'nova', policy, authenticator, routes: [{ method: 'GET', path: '/a', policy: '', handler: () => 1 }] }), /no policy rule/);
  assert.throws(() => mountService(app, { id: 'x', prefix: '/x', faultStyle: 'nova', policy, authenticator, routes: [{ method: 'GET', path: '/a', policy: 'nope', handler: () => 1 }] }), /unknown policy rule/);
});

test('traffic: told of each request from its arrival to its answer, failures included', async () => {
  const log: string[] = [];
  let inFlight = 0;
  const app = createHttpServer({ log: silentLogger() });
  const slow: Route = { method: 'GET', path: '/slow', policy: PUBLIC, handler: async () => { log.push(`handler sees ${inFlight}`); return { ok: true }; } };
  mountService(app, {
    id: 'x', prefix: '/x', faultStyle: 'nova', routes: [...routes, slow], policy, authenticator,
    traffic: { enter: () => { inFlight++; log.push('enter'); }, leave: () => { inFlight--; log.push('leave'); } },
  });
  mountService(app, { id: 'y', prefix: '/y', faultStyle: 'nova', routes, policy, authenticator });
  await app.ready();
  assert.equal((await app.inject({ method: 'GET', url: '/x/slow' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/x/things/p1' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/y/' })).statusCode, 300, 'another service is not counted');
  assert.deepEqual(log, ['enter', 'handler sees 1', 'leave', 'enter', 'leave']);
  assert.equal(inFlight, 0);
});
