import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, lookupTarget, type PolicyCreds, type PolicyTarget } from './checks.ts';
import { parseCheckString, type Check } from './parser.ts';

function check(rule: string, creds: PolicyCreds, target: PolicyTarget = {}, rules: Record<string, string> = {}): boolean {
  const compiled = new Map<string, Check>(Object.entries(rules).map(([k, v]) => [k, parseCheckString(v, k)]));
  return evaluate(parseCheckString(rule), { creds, target, lookupRule: (name) => compiled.get(name) });
}

const member = { roles: ['member', 'reader'], user_id: 'u1', project_id: 'p1', is_admin: false };

test('role checks are case-insensitive and may substitute from the target', () => {
  assert.equal(check('role:Member', member), true);
  assert.equal(check('role:admin', member), false);
  assert.equal(check('role:%(target.role.name)s', member, { target: { role: { name: 'READER' } } }), true);
  assert.equal(check('role:member', { user_id: 'u1' }), false);
});

test('generic checks compare a credential with a literal or a target substitution', () => {
  assert.equal(check('project_id:p1', member), true);
  assert.equal(check('project_id:%(project_id)s', member, { project_id: 'p1' }), true);
  assert.equal(check('project_id:%(project_id)s', member, { project_id: 'p2' }), false);
  assert.equal(check('user_id:%(user_id)s and project_id:%(project_id)s', member, { user_id: 'u1', project_id: 'p1' }), true);
});

test('substitutions read nested targets and Keystone-style flattened keys', () => {
  const creds = { token: { domain: { id: 'd1' } }, user_domain_id: 'd1' };
  const rule = 'token.domain.id:%(target.user.domain_id)s';
  assert.equal(check(rule, creds, { target: { user: { domain_id: 'd1' } } }), true);
  assert.equal(check(rule, creds, { 'target.user.domain_id': 'd1' }), true);
  assert.equal(check(rule, creds, { target: { user: { domain_id: 'd2' } } }), false);
  assert.equal(lookupTarget({ a: { b: [1] } }, 'a.b.0'), undefined);
});

test('missing target keys or credentials are false, never a throw', () => {
  assert.equal(check('project_id:%(project_id)s', member, {}), false);
  assert.equal(check('project_id:%(target.project.id)s', member, { target: { project: null } }), false);
  assert.equal(check('project_id:%(target.project.id)s', member, { target: 'scalar' }), false);
  assert.equal(check('role:%(missing)s', member, {}), false);
  assert.equal(check('token.project.id:p1', member), false);
  assert.equal(check('domain_id:%(domain_id)s', { domain_id: null }, { domain_id: null }), false);
  // prototype properties are not keys
  assert.equal(check('x:%(constructor)s', { x: 'function Object() { [native code] }' }, {}), false);
  assert.equal(check('constructor.name:Object', {}), false);
  // a missing key makes only its own check false; `not` of it is true, as in oslo
  assert.equal(check('not project_id:%(nope)s', member, {}), true);
});

test('Python literals and booleans compare by their str()', () => {
  assert.equal(check('is_admin:True', { is_admin: true }), true);
  assert.equal(check('is_admin:True', { is_admin: false }), false);
  assert.equal(check('is_admin:False', { is_admin: false }), true);
  assert.equal(check('True:%(user.enabled)s', {}, { user: { enabled: true } }), true);
  assert.equal(check('True:%(user.enabled)s', {}, { user: { enabled: false } }), false);
  assert.equal(check("'member':%(role.name)s", {}, { role: { name: 'member' } }), true);
  assert.equal(check('"member":%(role.name)s', {}, { role: { name: 'admin' } }), false);
  assert.equal(check('5:%(n)s', {}, { n: 5 }), true);
  // the right side is not unquoted (as oslo): this compares against the text 'p1' with quotes
  assert.equal(check("project_id:'p1'", member), false);
});

test('lists in credentials: any element may match (service_roles, system_scope)', () => {
  assert.equal(check('service_roles:service', { service_roles: ['service'] }), true);
  assert.equal(check('service_roles:service', { service_roles: [] }), false);
  assert.equal(check('groups.id:g2', { groups: [{ id: 'g1' }, { id: 'g2' }] }), true);
  assert.equal(check('system_scope:all', { system_scope: 'all' }), true);
  assert.equal(check('system_scope:all', {}), false);
});

test('@, !, not, and, or', () => {
  assert.equal(check('@', {}), true);
  assert.equal(check('!', {}), false);
  assert.equal(check('', {}), true);
  assert.equal(check('not role:admin', member), true);
  assert.equal(check('role:admin or role:member and project_id:p1', member), true);
  assert.equal(check('(role:admin or role:member) and project_id:p2', member), false);
  assert.equal(check('role:admin or role:member and project_id:p2', member), false);
});

test('rule references: recursive, missing rule false, loops false', () => {
  const rules = {
    admin: 'role:admin',
    owner: 'project_id:%(project_id)s',
    admin_or_owner: 'rule:admin or rule:owner',
    loop_a: 'rule:loop_b', loop_b: 'rule:loop_a or rule:loop_a',
  };
  assert.equal(check('rule:admin_or_owner', member, { project_id: 'p1' }, rules), true);
  assert.equal(check('rule:admin_or_owner', member, { project_id: 'p9' }, rules), false);
  assert.equal(check('rule:undefined_rule', member, {}, rules), false);
  assert.equal(check('rule:loop_a or rule:admin', { roles: ['admin'] }, {}, rules), true);
  assert.equal(check('rule:loop_a', { roles: ['admin'] }, {}, rules), false);
});
