// Who may call placement (admin and the `service` role; project readers their own /usages), and
// bad input: every malformed request gets placement's 4xx body, never a 500.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPlacementCloud, placementError, compute, type PlacementTestCloud } from './helpers.ts';

let t: PlacementTestCloud;
const v3 = '/identity/v3';
before(async () => { t = await startPlacementCloud(); });
after(() => t.c.stop());

/** A user with `role` on a new project; returns the project id and a project-scoped token. */
async function userWithRole(name: string, role: string): Promise<{ project: string; token: string }> {
  const { c, admin } = t;
  const project = (await c.request('POST', `${v3}/projects`, { token: admin, body: { project: { name: `${name}-project`, domain_id: 'default' } } })).body.project.id;
  const user = (await c.request('POST', `${v3}/users`, { token: admin, body: { user: { name, password: 'secret-pw', domain_id: 'default' } } })).body.user.id;
  const roleId = (await c.request('GET', `${v3}/roles?name=${role}`, { token: admin })).body.roles[0].id;
  assert.equal((await c.request('PUT', `${v3}/projects/${project}/users/${user}/roles/${roleId}`, { token: admin })).status, 204);
  const login = await c.login({ name, password: 'secret-pw' }, { project: { id: project } });
  assert.equal(login.status, 201);
  return { project, token: login.token };
}

test('project members cannot read or change placement; a service-role user can', async () => {
  const rp = await t.provider('iso-rp', { inventories: compute });
  const member = await userWithRole('iso-member', 'member');
  const tries: Array<[string, string, unknown?]> = [
    ['GET', '/resource_providers'], ['GET', `/resource_providers/${rp}`], ['POST', '/resource_providers', { name: 'x' }],
    ['DELETE', `/resource_providers/${rp}`], ['GET', `/resource_providers/${rp}/inventories`], ['GET', '/allocation_candidates?resources=VCPU:1'],
    ['PUT', `/allocations/${randomUUID()}`, { allocations: { [rp]: { resources: { VCPU: 1 } } }, project_id: member.project, user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE' }],
    ['GET', '/traits'], ['PUT', '/traits/CUSTOM_MINE'], ['GET', '/resource_classes'], ['GET', `/resource_providers/${rp}/usages`],
  ];
  for (const [method, path, body] of tries) placementError(await t.p(method, path, { token: member.token, body }), 403);
  assert.equal((await t.p('GET', `/resource_providers/${rp}`)).status, 200, 'still there');

  const svc = await userWithRole('iso-service', 'service');
  assert.equal((await t.p('GET', '/allocation_candidates?resources=VCPU:1', { token: svc.token })).status, 200);
  const c = randomUUID();
  const claim = await t.p('PUT', `/allocations/${c}`, { token: svc.token, body: { allocations: { [rp]: { resources: { VCPU: 1 } } }, project_id: member.project, user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE' } });
  assert.equal(claim.status, 204);

  // /usages: a project reader sees its own project's usage, not another project's.
  const mine = await t.p('GET', `/usages?project_id=${member.project}`, { token: member.token });
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.usages, { INSTANCE: { VCPU: 1, consumer_count: 1 } });
  const stranger = await userWithRole('iso-stranger', 'member');
  placementError(await t.p('GET', `/usages?project_id=${member.project}`, { token: stranger.token }), 403);
  assert.deepEqual((await t.p('GET', `/usages?project_id=${stranger.project}`, { token: stranger.token })).body.usages, {});
  assert.equal((await t.p('DELETE', `/allocations/${c}`)).status, 204);
});

test('malformed bodies, wrong types and bad query strings are 4xx with placement errors, never 500', async () => {
  const rp = await t.provider('bad-rp', { inventories: compute });
  const json = { 'content-type': 'application/json' };
  const cases: Array<[string, string, { body?: unknown; raw?: string; headers?: Record<string, string>; version?: string }, number]> = [
    ['POST', '/resource_providers', { raw: '{"name": ', headers: json }, 400],
    ['POST', '/resource_providers', { raw: '', headers: json }, 400],
    ['POST', '/resource_providers', { raw: 'name=x', headers: { 'content-type': 'text/plain' } }, 415],
    ['POST', '/resource_providers', { body: { name: 'x'.repeat(201) } }, 400],
    ['POST', '/resource_providers', { body: { name: 'ok', uuid: 'nope' } }, 400],
    ['POST', '/resource_providers', { body: { name: 'ok', extra: 1 } }, 400],
    ['POST', '/resource_providers', { body: [] }, 400],
    ['PUT', `/resource_providers/${rp}`, { body: { name: 5 } }, 400],
    ['PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: '1', inventories: {} } }, 400],
    ['PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 1, inventories: { VCPU: { total: 2147483648 } } } }, 400],
    ['PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 1, inventories: { vcpu: { total: 1 } } } }, 400],
    ['PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 1, inventories: { VCPU: { total: 1, allocation_ratio: 'x' } } } }, 400],
    ['PUT', `/resource_providers/${rp}/traits`, { body: { traits: 'HW_CPU_X86_SSE', resource_provider_generation: 1 } }, 400],
    ['PUT', `/allocations/${randomUUID()}`, { body: { allocations: { [rp]: { resources: { VCPU: 1.5 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE' } }, 400],
    ['PUT', `/allocations/${randomUUID()}`, { body: { allocations: { [rp]: { resources: { VCPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'instance' } }, 400],
    ['PUT', `/allocations/${randomUUID()}`, { body: { allocations: { [rp]: { resources: { VCPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: null } }, 400],
    ['PUT', `/allocations/${randomUUID()}`, { body: { allocations: { 'not-a-uuid': { resources: { VCPU: 1 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'I' } }, 400],
    ['POST', '/allocations', { body: {} }, 400],
    ['POST', '/allocations', { body: { x: 1 } }, 400],
    ['GET', '/allocation_candidates', {}, 400],
    ['GET', '/allocation_candidates?resources=VCPU:x', {}, 400],
    ['GET', '/allocation_candidates?resources=VCPU:1&limit=abc', {}, 400],
    ['GET', '/allocation_candidates?resources=VCPU:1&member_of=nope', {}, 400],
    ['GET', '/allocation_candidates?resources=VCPU:1&in_tree=nope', {}, 400],
    ['GET', '/allocation_candidates?resources=VCPU:1&root_required=A&root_required=B', {}, 400],
    ['GET', '/allocation_candidates?resources=VCPU:1&required=in:', {}, 400],
    ['GET', '/allocation_candidates?resources=VCPU:1&required=', {}, 400],
    ['GET', '/allocation_candidates?resources=VCPU:1&foo=bar', {}, 400],
    ['GET', '/resource_providers?in_tree=nope', {}, 400],
    ['GET', '/resource_providers?member_of=a,b', {}, 400],
    ['GET', '/traits?name=nocolon', {}, 400],
    ['GET', '/traits?associated=maybe', {}, 400],
    ['GET', '/usages?project_id=p&consumer_type=lower', {}, 400],
    ['PATCH', '/resource_providers', {}, 405],
    ['GET', '/nothing/here', {}, 404],
  ];
  for (const [method, path, opts, status] of cases) {
    const res = await t.p(method, path, opts);
    assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(opts.body ?? opts.raw)} → ${res.status} ${res.text}`);
    placementError(res, status);
  }
});
