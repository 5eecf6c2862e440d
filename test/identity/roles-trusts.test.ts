// Roles, grants, role assignments and trusts over HTTP, as Tempest and the CLI drive them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';

let c: TestCloud;
let admin: string;
const v3 = '/identity/v3';

before(async () => {
  c = await startTestCloud();
  admin = await c.adminToken();
});
after(() => c?.stop());

async function create(path: string, key: string, body: object): Promise<any> {
  const r = await c.request('POST', `${v3}/${path}`, { token: admin, body: { [key]: body } });
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.body[key];
}

test('grants take a JSON content type with an empty body, as Tempest sends them', async () => {
  const project = await create('projects', 'project', { name: 'grant-p', domain_id: 'default' });
  const user = await create('users', 'user', { name: 'grant-u', password: 'pw-grant-u' });
  const role = await create('roles', 'role', { name: 'grant-r' });
  const path = `${v3}/projects/${project.id}/users/${user.id}/roles/${role.id}`;
  const put = await c.request('PUT', path, { token: admin, headers: { 'content-type': 'application/json' } });
  assert.equal(put.status, 204, put.text);
  assert.equal((await c.request('HEAD', path, { token: admin })).status, 204);
  const list = await c.request('GET', `${v3}/projects/${project.id}/users/${user.id}/roles`, { token: admin });
  assert.deepEqual(list.body.roles.map((r: any) => r.id), [role.id]);

  const ra = await c.request('GET', `${v3}/role_assignments?user.id=${user.id}&effective`, { token: admin });
  assert.deepEqual(ra.body.role_assignments, [{
    links: { assignment: `${c.url}${path}` }, scope: { project: { id: project.id } }, user: { id: user.id }, role: { id: role.id },
  }]);
  assert.equal((await c.request('DELETE', path, { token: admin })).status, 204);
  assert.equal((await c.request('HEAD', path, { token: admin })).status, 404);
});

test('a trustor creates, lists, reads and deletes a trust; the trustee gets a trust-scoped token', async () => {
  const project = await create('projects', 'project', { name: 'trust-p', domain_id: 'default' });
  const trustor = await create('users', 'user', { name: 'trustor', password: 'pw-trustor' });
  const trustee = await create('users', 'user', { name: 'trustee', password: 'pw-trustee' });
  const delegated = await create('roles', 'role', { name: 'delegated' });
  const kept = await create('roles', 'role', { name: 'not-delegated' });
  for (const role of [delegated, kept]) {
    assert.equal((await c.request('PUT', `${v3}/projects/${project.id}/users/${trustor.id}/roles/${role.id}`, { token: admin })).status, 204);
  }
  const login = await c.login({ name: 'trustor', password: 'pw-trustor' }, { project: { id: project.id } });
  assert.equal(login.status, 201);
  const token = login.token;

  const created = await c.request('POST', `${v3}/OS-TRUST/trusts`, {
    token, body: { trust: { trustor_user_id: trustor.id, trustee_user_id: trustee.id, project_id: project.id, impersonation: false, roles: [{ name: 'delegated' }], expires_at: '2999-01-01T10:00:00Z' } },
  });
  assert.equal(created.status, 201, created.text);
  const trust = created.body.trust;
  assert.equal(trust.expires_at, '2999-01-01T10:00:00.000000Z');
  assert.deepEqual(trust.roles.map((r: any) => r.name), ['delegated']);
  assert.match(trust.links.self, /\/v3\/OS-TRUST\/trusts\//);

  const someoneElse = await c.request('POST', `${v3}/OS-TRUST/trusts`, {
    token: admin, body: { trust: { trustor_user_id: trustor.id, trustee_user_id: trustee.id, impersonation: false } },
  });
  assert.equal(someoneElse.status, 403);

  const mine = await c.request('GET', `${v3}/OS-TRUST/trusts/?trustor_user_id=${trustor.id}`, { token });
  assert.equal(mine.status, 200, mine.text);
  assert.deepEqual(mine.body.trusts.map((t: any) => t.id), [trust.id]);
  assert.equal(mine.body.trusts[0].roles, undefined);
  assert.equal((await c.request('GET', `${v3}/OS-TRUST/trusts`, { token })).status, 403);
  assert.equal((await c.request('GET', `${v3}/OS-TRUST/trusts/${trust.id}`, { token })).status, 200);
  assert.equal((await c.request('HEAD', `${v3}/OS-TRUST/trusts/${trust.id}/roles/${delegated.id}`, { token })).status, 200);
  assert.equal((await c.request('GET', `${v3}/OS-TRUST/trusts/${trust.id}/roles/${kept.id}`, { token })).status, 404);

  const scoped = await c.login({ name: 'trustee', password: 'pw-trustee' }, { 'OS-TRUST:trust': { id: trust.id } });
  assert.equal(scoped.status, 201, JSON.stringify(scoped.body));
  assert.deepEqual(scoped.body.token['OS-TRUST:trust'], { id: trust.id, trustor_user: { id: trustor.id }, trustee_user: { id: trustee.id }, impersonation: false });
  assert.deepEqual(scoped.body.token.roles.map((r: any) => r.name), ['delegated']);

  assert.equal((await c.request('DELETE', `${v3}/OS-TRUST/trusts/${trust.id}`, { token })).status, 204);
  assert.equal((await c.request('GET', `${v3}/OS-TRUST/trusts/${trust.id}`, { token })).status, 404);
  const after = await c.request('GET', `${v3}/auth/tokens`, { token: admin, headers: { 'x-subject-token': scoped.token } });
  assert.equal(after.status, 404);
});
