// Users, groups, credentials and application credentials through the REST API, as an admin and
// as an ordinary project member managing their own things.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';

const GENERIC = 'The request you have made requires authentication.';
let c: TestCloud;
let admin: string;
let projectId: string;
let memberRoleId: string;
let readerRoleId: string;

/** Fernet tokens carry whole seconds: a token from the second of a revocation counts as revoked. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1010 - (Date.now() % 1000)));

const api = (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => c.request(method, `/identity/v3${path}`, { token: admin, ...opts });

async function createUser(body: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await api('POST', '/users', { body: { user: { domain_id: 'default', ...body } } });
  assert.equal(r.status, 201, r.text);
  return r.body.user;
}

/** A user with the member role on the test project, and their project-scoped token. */
async function member(name: string): Promise<{ id: string; token: string }> {
  const u = await createUser({ name, password: `${name}-pw` });
  assert.equal((await api('PUT', `/projects/${projectId}/users/${u.id}/roles/${memberRoleId}`)).status, 204);
  const login = await c.login({ name, password: `${name}-pw` }, { project: { id: projectId } });
  assert.equal(login.status, 201, JSON.stringify(login.body));
  return { id: u.id, token: login.token };
}

before(async () => {
  c = await startTestCloud();
  admin = await c.adminToken();
  const p = await api('POST', '/projects', { body: { project: { name: 'users-api', domain_id: 'default' } } });
  projectId = p.body.project.id;
  memberRoleId = (await api('GET', '/roles?name=member')).body.roles[0].id;
  readerRoleId = (await api('GET', '/roles?name=reader')).body.roles[0].id;
});
after(() => c.stop());

test('users look like Keystone\'s: extras at top level, never a password', async () => {
  const u = await createUser({ name: 'ann', password: 'pw', email: 'ann@example.org', description: 'Ann', enabled: false });
  assert.deepEqual(Object.keys(u).sort(), ['description', 'domain_id', 'email', 'enabled', 'id', 'links', 'name', 'options', 'password_expires_at']);
  assert.equal(u.links.self, `${c.url}/identity/v3/users/${u.id}`);
  const withProject = await createUser({ name: 'bea', default_project_id: projectId });
  assert.equal(withProject.default_project_id, projectId);
  const patched = await api('PATCH', `/users/${u.id}`, { body: { user: { email: 'new@example.org', project_id: projectId } } });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.body.user.email, patched.body.user.project_id, patched.body.user.description], ['new@example.org', projectId, 'Ann']);
  assert.equal((await api('POST', '/users', { body: { user: { name: 'x', domain_id: 'nowhere-at-all' } } })).status, 404);
  assert.equal((await api('POST', '/users', { body: { user: { name: 'ann' } } })).status, 409);
  assert.equal((await api('POST', '/users', { body: { user: { name: 'y', options: { no_such_option: true } } } })).status, 400);

  const names = async (q: string) => (await api('GET', `/users${q}`)).body.users.map((x: any) => x.name).sort();
  assert.deepEqual(await names('?name=ann'), ['ann']);
  assert.ok((await names('?enabled=false')).includes('ann'));
  assert.ok(!(await names('?enabled=false')).includes('bea'));
  assert.deepEqual(await names('?name__startswith=be'), ['bea']);
  assert.equal((await api('GET', '/users?password_expires_at=xx:2026-01-01T00:00:00Z')).status, 400);
});

test('password authentication fails the same way for every reason', async () => {
  const u = await createUser({ name: 'cid', password: 'right' });
  await createUser({ name: 'dee', password: 'right', enabled: false });
  const attempts = [
    { name: 'nobody', password: 'right' },
    { name: 'cid', password: 'wrong' },
    { name: 'dee', password: 'right' },
  ];
  for (const a of attempts) {
    const r = await c.login(a);
    assert.equal(r.status, 401, a.name);
    assert.deepEqual(r.body, { error: { code: 401, message: GENERIC, title: 'Unauthorized' } }, a.name);
  }
  assert.equal((await c.login({ name: 'cid', password: 'right' })).status, 201);
  assert.equal(u.name, 'cid');
});

test('a user changes their own password; old tokens and the old password stop working', async () => {
  const u = await createUser({ name: 'eve', password: 'old-pw' });
  await nextSecond();
  const before = await c.login({ name: 'eve', password: 'old-pw' });
  assert.equal(before.status, 201);
  const change = (original: string, password: string) => c.request('POST', `/identity/v3/users/${u.id}/password`, { body: { user: { original_password: original, password } } });
  const wrong = await change('not-it', 'new-pw');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.message, GENERIC);
  assert.equal((await change('old-pw', 'new-pw')).status, 204);
  assert.equal((await api('GET', '/auth/tokens', { headers: { 'x-subject-token': before.token } })).status, 404, 'the old token is revoked');
  await nextSecond();
  assert.equal((await c.login({ name: 'eve', password: 'old-pw' })).status, 401);
  assert.equal((await c.login({ name: 'eve', password: 'new-pw' })).status, 201);
  assert.equal((await api('GET', `/users/${u.id}/password`)).status, 405);
});

test('groups, membership, and what a user can reach', async () => {
  const u = await createUser({ name: 'fay' });
  const g = await api('POST', '/groups', { body: { group: { name: 'team', description: 'The team' } } });
  assert.equal(g.status, 201);
  const gid = g.body.group.id;
  assert.deepEqual([g.body.group.domain_id, g.body.group.description], ['default', 'The team']);
  assert.equal((await api('HEAD', `/groups/${gid}/users/${u.id}`)).status, 404);
  assert.equal((await api('PUT', `/groups/${gid}/users/${u.id}`)).status, 204);
  assert.equal((await api('HEAD', `/groups/${gid}/users/${u.id}`)).status, 204);
  assert.deepEqual((await api('GET', `/groups/${gid}/users`)).body.users.map((x: any) => x.id), [u.id]);
  const groups = (await api('GET', `/users/${u.id}/groups`)).body.groups;
  assert.deepEqual(groups.map((x: any) => [x.id, x.membership_expires_at]), [[gid, null]]);

  assert.equal((await api('PUT', `/projects/${projectId}/groups/${gid}/roles/${readerRoleId}`)).status, 204);
  assert.deepEqual((await api('GET', `/users/${u.id}/projects`)).body.projects.map((p: any) => p.id), [projectId]);
  assert.equal((await api('DELETE', `/groups/${gid}/users/${u.id}`)).status, 204);
  assert.deepEqual((await api('GET', `/users/${u.id}/projects`)).body.projects, []);
  assert.equal((await api('DELETE', `/groups/${gid}`)).status, 204);
  assert.equal((await api('GET', `/groups/${gid}`)).status, 404);
});

test('credentials: ec2 ids are the sha256 of the access key; members manage their own EC2 keys', async () => {
  const m = await member('gus');
  const blob = JSON.stringify({ access: 'gus-access', secret: 'gus-secret' });
  const created = await api('POST', '/credentials', { token: m.token, body: { credential: { user_id: m.id, project_id: projectId, type: 'ec2', blob } } });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.credential.id, createHash('sha256').update('gus-access').digest('hex'));
  assert.equal(created.body.credential.blob, blob);
  assert.equal((await api('POST', '/credentials', { body: { credential: { user_id: m.id, type: 'ec2', blob } } })).status, 400, 'ec2 needs a project');
  const others = await api('POST', '/credentials', { token: m.token, body: { credential: { user_id: 'someone-else', type: 'totp', blob: 'x' } } });
  assert.equal(others.status, 403);
  // The member sees only their own credentials; the admin sees them all.
  const mine = await api('GET', '/credentials', { token: m.token });
  assert.deepEqual(mine.body.credentials.map((x: any) => x.user_id), [m.id]);

  const ec2 = await api('POST', `/users/${m.id}/credentials/OS-EC2`, { token: m.token, body: { tenant_id: projectId } });
  assert.equal(ec2.status, 201, ec2.text);
  const { access } = ec2.body.credential;
  assert.deepEqual(Object.keys(ec2.body.credential).sort(), ['access', 'links', 'secret', 'tenant_id', 'trust_id', 'user_id']);
  assert.equal(ec2.body.credential.tenant_id, projectId);
  assert.equal((await api('GET', `/users/${m.id}/credentials/OS-EC2/${access}`, { token: m.token })).body.credential.secret, ec2.body.credential.secret);
  assert.equal((await api('GET', `/users/${m.id}/credentials/OS-EC2`, { token: m.token })).body.credentials.length, 2);
  assert.equal((await api('DELETE', `/users/${m.id}/credentials/OS-EC2/${access}`, { token: m.token })).status, 204);
  assert.equal((await api('GET', `/users/${m.id}/credentials/OS-EC2/${access}`, { token: m.token })).status, 404);
});

test('application credentials: roles deduplicated, secret once, usable, deletable', async () => {
  const m = await member('hal');
  const path = `/users/${m.id}/application_credentials`;
  const create = (body: Record<string, unknown>) => api('POST', path, { token: m.token, body: { application_credential: body } });
  const r = await create({ name: 'ci', roles: [{ name: 'member' }, { id: memberRoleId }, { name: 'reader' }], access_rules: [{ service: 'compute', path: '/v2.1/servers', method: 'GET' }] });
  assert.equal(r.status, 201, r.text);
  const ac = r.body.application_credential;
  assert.deepEqual(ac.roles.map((x: any) => x.id).sort(), [memberRoleId, readerRoleId].sort());
  assert.equal(ac.project_id, projectId);
  assert.equal(typeof ac.secret, 'string');
  assert.equal((await create({ name: 'no', roles: [{ name: 'admin' }] })).status, 400, 'not a role of the token');
  assert.equal((await api('POST', path, { body: { application_credential: { name: 'for-someone-else' } } })).status, 403);

  const shown = await api('GET', `${path}/${ac.id}`, { token: m.token });
  assert.equal(shown.status, 200);
  assert.equal('secret' in shown.body.application_credential, false);
  assert.deepEqual((await api('GET', `${path}?name=ci`, { token: m.token })).body.application_credentials.map((x: any) => x.id), [ac.id]);

  const auth = await c.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: ac.secret } } } } });
  assert.equal(auth.status, 201, auth.text);
  assert.equal(auth.body.token.project.id, projectId);
  const bad = await c.request('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: ac.id, secret: 'nope' } } } } });
  assert.equal(bad.status, 401);

  const ruleId = ac.access_rules[0].id;
  assert.equal((await api('GET', `/users/${m.id}/access_rules`, { token: m.token })).body.access_rules.length, 1);
  assert.equal((await api('DELETE', `/users/${m.id}/access_rules/${ruleId}`, { token: m.token })).status, 403, 'in use');
  assert.equal((await api('DELETE', `${path}/${ac.id}`, { token: m.token })).status, 204);
  assert.equal((await api('GET', `${path}/${ac.id}`, { token: m.token })).status, 404);
  assert.equal((await api('DELETE', `/users/${m.id}/access_rules/${ruleId}`, { token: m.token })).status, 204);
});
