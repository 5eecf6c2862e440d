import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyError, checkToString, compileTemplate, parseCheckString, referencedRules } from './parser.ts';

const canon = (s: string) => checkToString(parseCheckString(s));

test('special checks and the empty rule', () => {
  assert.deepEqual(parseCheckString('@'), { type: 'true' });
  assert.deepEqual(parseCheckString('!'), { type: 'false' });
  assert.deepEqual(parseCheckString(''), { type: 'true' });
  assert.deepEqual(parseCheckString('   '), { type: 'true' });
});

test('and binds tighter than or, as oslo reduces it', () => {
  assert.equal(canon('role:a or role:b and role:c'), '(role:a or (role:b and role:c))');
  assert.equal(canon('role:a and role:b or role:c'), '((role:a and role:b) or role:c)');
  assert.equal(canon('role:a or role:b and role:c or role:d'), '(role:a or (role:b and role:c) or role:d)');
  assert.equal(canon('role:a and role:b and role:c'), '(role:a and role:b and role:c)');
});

test('parentheses group, also when glued to checks and nested', () => {
  assert.equal(canon('(role:a or role:b) and role:c'), '((role:a or role:b) and role:c)');
  assert.equal(canon('((role:a))'), 'role:a');
  assert.equal(
    canon('(role:reader and token.domain.id:%(target.user.domain_id)s) or rule:admin_required'),
    '((role:reader and token.domain.id:%(target.user.domain_id)s) or rule:admin_required)',
  );
  assert.equal(canon('( role:a or ( role:b and role:c ) )'), '(role:a or (role:b and role:c))');
});

test('not binds tightest and nests', () => {
  assert.equal(canon('not role:a and role:b'), '(not role:a and role:b)');
  assert.equal(canon('not (role:a or role:b)'), 'not (role:a or role:b)');
  assert.equal(canon('not not role:a'), 'not not role:a');
  assert.equal(canon('role:a or not role:b and role:c'), '(role:a or (not role:b and role:c))');
});

test('keywords are case-insensitive', () => {
  assert.equal(canon('role:a AND role:b Or NOT role:c'), '((role:a and role:b) or not role:c)');
});

test('kinds: rule, role (match may contain colons), generic with literal or dotted path', () => {
  assert.deepEqual(parseCheckString('rule:admin_api'), { type: 'rule', name: 'admin_api' });
  const role = parseCheckString('role:compute:admin');
  assert.equal(role.type, 'role');
  assert.deepEqual(role.type === 'role' && role.match, ['compute:admin']);
  const generic = parseCheckString('token.domain.id:%(target.domain.id)s');
  assert.deepEqual(generic.type === 'generic' && generic.left, { path: ['token', 'domain', 'id'] });
  assert.deepEqual(generic.type === 'generic' && generic.match, [{ key: 'target.domain.id' }]);
  const literal = parseCheckString("'Member':%(role.name)s");
  assert.deepEqual(literal.type === 'generic' && literal.left, { literal: 'Member' });
  const bool = parseCheckString('True:%(user.enabled)s');
  assert.deepEqual(bool.type === 'generic' && bool.left, { literal: 'True' });
  assert.deepEqual(referencedRules(parseCheckString('rule:a or (rule:b and not rule:c)')), ['a', 'b', 'c']);
});

test('templates: substitutions, literals, %%', () => {
  assert.deepEqual(compileTemplate('%(a)s-%(b.c)s'), [{ key: 'a' }, '-', { key: 'b.c' }]);
  assert.deepEqual(compileTemplate('100%%'), ['100%']);
  assert.deepEqual(compileTemplate(''), ['']);
});

test('malformed rules throw PolicyError naming the rule', () => {
  for (const bad of ['role:a or', 'and role:a', '(role:a', 'role:a)', 'role:a role:b', 'not', '()',
    'admin', '"quoted"', 'role:a or "x"', ':x', 'http://example.com/check']) {
    assert.throws(() => parseCheckString(bad, 'my:rule'), (err: unknown) =>
      err instanceof PolicyError && err.message.includes('"my:rule"'), bad);
  }
});
