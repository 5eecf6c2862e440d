import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anonymousContext, type RequestContext } from '../auth/context.ts';
import { Forbidden } from '../errors.ts';
import {
  Enforcer, PolicyError, PolicyNotRegistered, credentialsFromContext, parsePolicyFile, readPolicyFile,
  type RuleDefault,
} from './index.ts';

function ctx(extra: Partial<RequestContext>): RequestContext {
  return { ...anonymousContext('req-1'), ...extra };
}

const projectMember = ctx({ userId: 'u1', userDomainId: 'd1', projectId: 'p1', projectDomainId: 'd1', roles: ['member', 'reader'] });
const projectAdmin = ctx({ userId: 'u0', userDomainId: 'd0', projectId: 'p0', projectDomainId: 'd0', roles: ['admin', 'member', 'reader'] });
const systemAdmin = ctx({ userId: 'u0', userDomainId: 'd0', system: 'all', roles: ['admin', 'member', 'reader'] });
const domainManager = ctx({ userId: 'u2', userDomainId: 'd1', domainId: 'd1', roles: ['manager', 'member', 'reader'] });

const defaults: RuleDefault[] = [
  { name: 'admin_api', checkStr: 'role:admin' },
  { name: 'project_member_api', checkStr: 'role:member and project_id:%(project_id)s' },
  {
    name: 'os_compute_api:servers:create', checkStr: 'rule:project_member_api', scopeTypes: ['project'],
    description: 'Create a server', operations: [{ method: 'POST', path: '/servers' }],
  },
  { name: 'os_compute_api:servers:delete', checkStr: 'rule:admin_api or rule:project_member_api', scopeTypes: ['project'] },
  { name: 'identity:get_user', checkStr: 'role:admin or (role:manager and token.domain.id:%(target.user.domain_id)s) or user_id:%(target.user.id)s', scopeTypes: ['system', 'domain', 'project'] },
  { name: 'identity:list_system_things', checkStr: 'role:reader and system_scope:all', scopeTypes: ['system'] },
  { name: 'identity:get_auth_projects', checkStr: '', scopeTypes: ['system', 'domain', 'project'] },
];

test('credentials from a RequestContext have the oslo/keystone shape', () => {
  const creds = credentialsFromContext({ ...projectMember, projectName: 'demo', trustId: 't1', serviceRoles: ['service'], serviceUserId: 'nova' });
  assert.equal(creds.user_id, 'u1');
  assert.equal(creds.project_id, 'p1');
  assert.equal(creds.project_domain_id, 'd1');
  assert.equal(creds.trust_id, 't1');
  assert.equal(creds.is_admin, false);
  assert.equal(creds.is_admin_project, false);
  assert.deepEqual(creds.service_roles, ['service']);
  assert.equal(creds.service_user_id, 'nova');
  assert.deepEqual(creds.roles, ['member', 'reader']);
  assert.deepEqual(creds.token, { user: { id: 'u1', domain: { id: 'd1' } }, project: { id: 'p1', name: 'demo', domain: { id: 'd1' } } });
  assert.equal('domain_id' in creds, false);
  assert.equal('system_scope' in creds, false);

  const sys = credentialsFromContext(systemAdmin);
  assert.equal(sys.system_scope, 'all');
  assert.deepEqual(sys.token.system, { all: true });
  assert.equal(credentialsFromContext(domainManager).token.domain?.id, 'd1');
  assert.equal(credentialsFromContext({ ...projectMember, isAdmin: true }).is_admin, true);
});

test('enforce evaluates registered defaults against target and context', () => {
  const enforcer = new Enforcer(defaults);
  assert.equal(enforcer.enforce('os_compute_api:servers:create', { project_id: 'p1' }, projectMember), true);
  assert.equal(enforcer.enforce('os_compute_api:servers:create', { project_id: 'p2' }, projectMember), false);
  assert.equal(enforcer.enforce('os_compute_api:servers:create', {}, projectMember), false);
  assert.equal(enforcer.enforce('os_compute_api:servers:delete', { project_id: 'p2' }, projectAdmin), true);
  const target = { target: { user: { id: 'u9', domain_id: 'd1' } } };
  assert.equal(enforcer.enforce('identity:get_user', target, domainManager), true);
  assert.equal(enforcer.enforce('identity:get_user', { target: { user: { id: 'u9', domain_id: 'd2' } } }, domainManager), false);
  assert.equal(enforcer.enforce('identity:get_user', target, projectMember), false);
  assert.equal(enforcer.enforce('identity:get_user', { target: { user: { id: 'u1' } } }, projectMember), true);
  assert.equal(enforcer.enforce('identity:list_system_things', {}, systemAdmin), true);
  assert.equal(enforcer.enforce('identity:list_system_things', {}, projectAdmin), false);
});

test('authorize throws Forbidden with the oslo-style message', () => {
  const enforcer = new Enforcer(defaults);
  assert.doesNotThrow(() => enforcer.authorize('os_compute_api:servers:create', { project_id: 'p1' }, projectMember));
  assert.throws(() => enforcer.authorize('os_compute_api:servers:create', { project_id: 'p2' }, projectMember), (err: unknown) =>
    err instanceof Forbidden && err.status === 403
    && err.message === "Policy doesn't allow os_compute_api:servers:create to be performed.");
});

test('an unregistered rule name is a programming error, not a 403', () => {
  const enforcer = new Enforcer(defaults, { overrides: { helper: 'role:admin' } });
  assert.throws(() => enforcer.enforce('os_compute_api:nope', {}, projectAdmin), PolicyNotRegistered);
  assert.throws(() => enforcer.authorize('os_compute_api:nope', {}, projectAdmin), PolicyNotRegistered);
  // a rule that only the policy file defines can be referenced but not enforced directly
  assert.throws(() => enforcer.enforce('helper', {}, projectAdmin), PolicyNotRegistered);
  assert.equal(enforcer.isRegistered('admin_api'), true);
  assert.equal(enforcer.isRegistered('helper'), false);
});

test('overrides replace defaults (also rules referenced by others) and may add helper rules', () => {
  const overrides = parsePolicyFile([
    '# operator overrides',
    '"admin_api": "role:cloud_admin"',
    '"project_member_api": "rule:helper and project_id:%(project_id)s"',
    '"helper": "role:Creator"',
    '"os_compute_api:servers:delete": "!"',
  ].join('\n'));
  const enforcer = new Enforcer(defaults, { overrides });
  const creator = ctx({ ...projectMember, roles: ['creator'] });
  assert.equal(enforcer.enforce('os_compute_api:servers:create', { project_id: 'p1' }, creator), true);
  assert.equal(enforcer.enforce('os_compute_api:servers:create', { project_id: 'p1' }, projectMember), false);
  assert.equal(enforcer.enforce('os_compute_api:servers:delete', { project_id: 'p0' }, projectAdmin), false);
  const info = enforcer.describe().find((r) => r.name === 'admin_api');
  assert.deepEqual(info && { eff: info.effectiveCheckStr, overridden: info.overridden, def: info.checkStr },
    { eff: 'role:cloud_admin', overridden: true, def: 'role:admin' });
  assert.equal(enforcer.describe().find((r) => r.name === 'os_compute_api:servers:create')?.description, 'Create a server');
});

test('scope enforcement: off by default, denies a scope outside scopeTypes when on', () => {
  const off = new Enforcer(defaults);
  const on = new Enforcer(defaults, { enforceScope: true });
  // a system-scoped admin on a project-only rule: the check string allows it, the scope does not
  const target = { project_id: 'p1' };
  assert.equal(off.enforce('os_compute_api:servers:delete', target, systemAdmin), true);
  assert.equal(on.enforce('os_compute_api:servers:delete', target, systemAdmin), false);
  assert.throws(() => on.authorize('os_compute_api:servers:delete', target, systemAdmin), Forbidden);
  assert.equal(on.enforce('os_compute_api:servers:delete', { project_id: 'p0' }, projectAdmin), true);
  assert.equal(on.enforce('identity:list_system_things', {}, systemAdmin), true);
  assert.equal(on.enforce('identity:get_user', { target: { user: { id: 'u9', domain_id: 'd1' } } }, domainManager), true);
  // rules without scopeTypes are not scope-checked
  assert.equal(on.enforce('admin_api', {}, systemAdmin), true);
  // an unscoped token counts as project-scoped, as in oslo (Keystone's GET /v3/auth/projects)
  const unscoped = ctx({ userId: 'u1', userDomainId: 'd1' });
  assert.equal(on.enforce('identity:get_auth_projects', {}, unscoped), true);
  assert.equal(on.enforce('identity:list_system_things', {}, ctx({ ...unscoped, roles: ['reader'] })), false);
});

test('construction rejects bad definitions with clear errors', () => {
  const throwsWith = (fn: () => unknown, text: string) =>
    assert.throws(fn, (err: unknown) => err instanceof PolicyError && err.message.includes(text), text);
  throwsWith(() => new Enforcer([{ name: 'a', checkStr: 'role:x or' }]), 'Policy rule "a" does not parse');
  throwsWith(() => new Enforcer(defaults, { overrides: { admin_api: 'role:admin)' } }), '"admin_api"');
  throwsWith(() => new Enforcer([...defaults, { name: 'admin_api', checkStr: '@' }]), 'already registered');
  throwsWith(() => new Enforcer([{ name: 'a', checkStr: '@', scopeTypes: ['tenant' as 'project'] }]), 'unknown scope type');
  throwsWith(() => new Enforcer(defaults, { overrides: { admin_api: 'rule:loop', loop: 'role:x or rule:admin_api' } }),
    'Policies admin_api, loop are part of a cyclical reference');
  throwsWith(() => new Enforcer([{ name: 'self', checkStr: 'not rule:self' }]), 'self');
});

test('references to undefined rules are warned about and evaluate to false', () => {
  const enforcer = new Enforcer([{ name: 'a', checkStr: 'rule:missing or role:admin' }]);
  assert.deepEqual(enforcer.warnings, ['Policies a reference a rule that is not defined (it evaluates to false)']);
  assert.equal(enforcer.enforce('a', {}, projectMember), false);
  assert.equal(enforcer.enforce('a', {}, projectAdmin), true);
  assert.deepEqual(new Enforcer(defaults).warnings, []);
});

test('policy file: YAML and JSON, empty file, clear errors naming the rule', async () => {
  assert.deepEqual(parsePolicyFile('"a": "role:x"\n"b": ""\n"c":\n'), { a: 'role:x', b: '', c: '' });
  assert.deepEqual(parsePolicyFile('{"a": "role:x", "b": "rule:a or @"}'), { a: 'role:x', b: 'rule:a or @' });
  assert.deepEqual(parsePolicyFile(''), {});
  assert.deepEqual(parsePolicyFile('# only comments\n'), {});
  const throwsWith = (text: string, want: string) =>
    assert.throws(() => parsePolicyFile(text, 'policy.yaml'), (err: unknown) =>
      err instanceof PolicyError && err.message.startsWith('policy.yaml: ') && err.message.includes(want), want);
  throwsWith('"good": "@"\n"compute:bad": "role:a and and role:b"\n', 'Policy rule "compute:bad" does not parse');
  throwsWith('"a": ["role:x"]', 'old list syntax');
  throwsWith('"a": true', 'must be a string');
  throwsWith('- "role:x"', 'expected a mapping');
  throwsWith('"a": "x"\n"a": "y"\n', 'not valid YAML');

  const dir = await mkdtemp(join(tmpdir(), 'policy-test-'));
  try {
    const file = join(dir, 'policy.yaml');
    await writeFile(file, '"admin_api": "role:superuser"\n');
    assert.deepEqual(await readPolicyFile(file), { admin_api: 'role:superuser' });
    await writeFile(file, '"admin_api": "role:x or"\n');
    await assert.rejects(readPolicyFile(file), (err: unknown) => err instanceof PolicyError && err.message.startsWith(`${file}: Policy rule "admin_api" does not parse`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
