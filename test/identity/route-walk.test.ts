// Walks every registered identity route: without a token it must be 401; as a reader of another
// project, aimed at the admin's resources, it must be 403 or 404 — never 2xx, never 500.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { PUBLIC } from '../../src/lib/http/routes.ts';

let c: TestCloud;
let ids: Record<string, string>;
let readerToken: string;

before(async () => {
  c = await startTestCloud();
  const admin = await c.adminToken();
  const me = (await c.request('GET', '/identity/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': admin } })).body.token;
  const mk = async (path: string, key: string, body: object) => {
    const r = await c.request('POST', `/identity/v3/${path}`, { token: admin, body: { [key]: body } });
    assert.equal(r.status, 201, `${path}: ${r.text}`);
    return r.body[key].id as string;
  };
  // The victim: a domain of its own with a project, a user and a group the reader has nothing to do with.
  const domain = await mk('domains', 'domain', { name: 'victim-domain' });
  const project = await mk('projects', 'project', { name: 'victim', domain_id: domain });
  const user = await mk('users', 'user', { name: 'victim', password: 'victim-pw', domain_id: domain });
  const group = await mk('groups', 'group', { name: 'victims', domain_id: domain });
  const member = (await c.request('GET', '/identity/v3/roles?name=member', { token: admin })).body.roles[0].id;
  assert.equal((await c.request('PUT', `/identity/v3/projects/${project}/users/${user}/roles/${member}`, { token: admin })).status, 204);
  // The reader: reader role on a project of the default domain.
  const other = await mk('projects', 'project', { name: 'other', domain_id: 'default' });
  const reader = await mk('users', 'user', { name: 'reader', password: 'reader-pw', domain_id: 'default' });
  const readerRole = (await c.request('GET', '/identity/v3/roles?name=reader', { token: admin })).body.roles[0].id;
  assert.equal((await c.request('PUT', `/identity/v3/projects/${other}/users/${reader}/roles/${readerRole}`, { token: admin })).status, 204);
  ids = {
    user_id: user, project_id: project, domain_id: domain, group_id: group, role_id: member,
    prior_role_id: me.roles[0].id, implied_role_id: readerRole, actor_id: user,
  };
  const r = await c.login({ name: 'reader', password: 'reader-pw' }, { project: { id: other } });
  assert.equal(r.status, 201);
  readerToken = r.token;
});
after(() => c.stop());

function concrete(path: string): string {
  return path.replace(/:([a-z_]+)/g, (_, name: string) => ids[name] ?? '0123456789abcdef0123456789abcdef');
}

function routes() {
  const svc = c.cloud.services.get('identity')!;
  return svc.routes.flatMap((r) => [r.method].flat().map((method) => ({ method, path: r.path, policy: r.policy })));
}

test('every non-public identity route answers 401 without a token', async () => {
  let n = 0;
  for (const r of routes()) {
    if (r.policy === PUBLIC) continue;
    const res = await c.request(r.method, '/identity' + concrete(r.path), { body: r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH' ? {} : undefined });
    assert.equal(res.status, 401, `${r.method} ${r.path} → ${res.status} ${res.text}`);
    n++;
  }
  assert.ok(n > 50, `walked only ${n} routes`);
});

// Rules any authenticated user passes (their own token, catalog, scopes, regions; credential lists
// filtered to their own): not a leak.
const OPEN = new Set(['identity:get_auth_catalog', 'identity:get_auth_projects', 'identity:get_auth_domains', 'identity:get_auth_system',
  'identity:get_region', 'identity:list_regions', 'identity:list_credentials', 'identity:list_trusts', 'identity:get_security_compliance_domain_config']);

test('a reader of another project gets 403 or 404 on the admin\'s resources', async () => {
  for (const r of routes()) {
    if (r.policy === PUBLIC || OPEN.has(r.policy)) continue;
    const body = r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH' ? {} : undefined;
    const res = await c.request(r.method, '/identity' + concrete(r.path), { token: readerToken, body, headers: { 'x-subject-token': 'not-a-token' } });
    assert.ok([403, 404].includes(res.status), `${r.method} ${r.path} (${r.policy}) → ${res.status} ${res.text.slice(0, 200)}`);
  }
});
