// Bad input gets Keystone's error body and a 4xx, never a 500; failed logins all look alike;
// expired and revoked tokens are 404 on validate and 401 on use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestCloud, ADMIN_PASSWORD, type TestCloud } from '../helpers/cloud.ts';

let c: TestCloud;
let admin: string;
before(async () => { c = await startTestCloud({ 'identity.token_expiration': 2 }); admin = await c.adminToken(); });
after(() => c.stop());

const keystoneFault = (res: { status: number; body: any }, status: number) => {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, status);
  assert.equal(typeof res.body.error.message, 'string');
  assert.equal(typeof res.body.error.title, 'string');
};

test('malformed JSON, wrong types and missing fields are 400', async () => {
  const tokens = '/identity/v3/auth/tokens';
  keystoneFault(await c.request('POST', tokens, { raw: '{"auth": ', headers: { 'content-type': 'application/json' } }), 400);
  keystoneFault(await c.request('POST', tokens, { body: { auth: 'password' } }), 400);
  keystoneFault(await c.request('POST', tokens, { body: { auth: { identity: { methods: 'password' } } } }), 400);
  keystoneFault(await c.request('POST', tokens, { body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin' } } } } } }), 400);
  keystoneFault(await c.request('POST', '/identity/v3/projects', { token: admin, body: { project: { name: 'x', enabled: 'true' } } }), 400);
  keystoneFault(await c.request('POST', '/identity/v3/projects', { token: admin, body: { project: { name: '' } } }), 400);
  keystoneFault(await c.request('POST', '/identity/v3/projects', { token: admin, body: { project: { name: 'x'.repeat(65) } } }), 400);
  keystoneFault(await c.request('POST', '/identity/v3/users', { token: admin, body: { user: { name: 'u', domain_id: 'no-such-domain' } } }), 404); // as Keystone
  keystoneFault(await c.request('POST', '/identity/v3/domains', { token: admin, body: [] }), 400);
});

test('an unknown auth method is 401; an oversize body is 413', async () => {
  keystoneFault(await c.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['kerberos'], kerberos: {} } } } }), 401);
  const huge = { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'x'.repeat(2 * 1024 * 1024), domain: { id: 'default' } } } } } };
  keystoneFault(await c.request('POST', '/identity/v3/auth/tokens', { body: huge }), 413);
});

test('a wrong password and an unknown user get the same 401', async () => {
  const wrong = await c.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'nope', domain: { id: 'default' } } } } } } });
  const unknown = await c.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['password'], password: { user: { name: 'nobody', password: 'nope', domain: { id: 'default' } } } } } } });
  keystoneFault(wrong, 401);
  keystoneFault(unknown, 401);
  assert.deepEqual(wrong.body, unknown.body);
});

test('a revoked token is 404 on validate and 401 on use', async () => {
  const { token } = await c.login({ name: 'admin', password: ADMIN_PASSWORD }, { project: { name: 'admin', domain: { id: 'default' } } });
  assert.equal((await c.request('GET', '/identity/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': token } })).status, 200);
  assert.equal((await c.request('DELETE', '/identity/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': token } })).status, 204);
  keystoneFault(await c.request('GET', '/identity/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': token } }), 404);
  assert.equal((await c.request('HEAD', '/identity/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': token } })).status, 404);
  keystoneFault(await c.request('GET', '/identity/v3/projects', { token }), 401);
});

test('an expired token is 404 on validate (200 with allow_expired) and 401 on use', async () => {
  const { token } = await c.login({ name: 'admin', password: ADMIN_PASSWORD }, { project: { name: 'admin', domain: { id: 'default' } } });
  await sleep(3100); // token_expiration is 2 s in this cloud; Fernet expiry has 1 s resolution
  const fresh = (await c.login({ name: 'admin', password: ADMIN_PASSWORD }, { project: { name: 'admin', domain: { id: 'default' } } })).token;
  keystoneFault(await c.request('GET', '/identity/v3/auth/tokens', { token: fresh, headers: { 'x-subject-token': token } }), 404);
  assert.equal((await c.request('GET', '/identity/v3/auth/tokens?allow_expired=1', { token: fresh, headers: { 'x-subject-token': token } })).status, 200);
  keystoneFault(await c.request('GET', '/identity/v3/projects', { token }), 401);
});

test('tokens survive a restart (keys and data persist)', async () => {
  const { token } = await c.login({ name: 'admin', password: ADMIN_PASSWORD }, { project: { name: 'admin', domain: { id: 'default' } } });
  const again = await startTestCloud({ data_dir: c.cloud.config.str('data_dir'), 'identity.token_expiration': 2 }).catch((e) => e);
  // a second cloud on the same data directory (a restart) accepts the token
  assert.ok(!(again instanceof Error), String(again));
  const res = await again.request('GET', '/identity/v3/auth/tokens', { token, headers: { 'x-subject-token': token } });
  assert.equal(res.status, 200);
  await again.cloud.close();
});
