import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanAcl, cleanAccountAcl, parseAcl, referrerAllowed } from './acl.ts';

test('container ACLs are cleaned and parsed as Swift does', () => {
  assert.equal(cleanAcl('X-Container-Read', 'bob , sue,,, .referrer : *, .rlistings'), 'bob,sue,.r:*,.rlistings');
  assert.equal(cleanAcl('X-Container-Read', '.ref:*.example.com,.r:-thief.example.com'), '.r:.example.com,.r:-thief.example.com');
  assert.throws(() => cleanAcl('X-Container-Read', '.r:'), /No host\/domain/);
  assert.throws(() => cleanAcl('X-Container-Write', '.r:*'), /not allowed in write ACL/);
  assert.throws(() => cleanAcl('X-Container-Read', '.x:y'), /Unknown designator/);
  assert.deepEqual(parseAcl('.r:*,.rlistings,p1:u1'), { referrers: ['*'], groups: ['.rlistings', 'p1:u1'] });
  assert.equal(referrerAllowed('http://www.example.com/x', ['.example.com']), true);
  assert.equal(referrerAllowed('http://thief.example.com/x', ['.example.com', '-thief.example.com']), false);
  assert.equal(referrerAllowed(undefined, ['*']), true);
  assert.equal(referrerAllowed(undefined, []), false);
});

test('account ACLs must be JSON with known keys and lists of strings', () => {
  assert.equal(cleanAccountAcl('{"read-only": ["p:u"], "admin": []}'), '{"admin":[],"read-only":["p:u"]}');
  assert.throws(() => cleanAccountAcl('not json'), /Syntax error/);
  assert.throws(() => cleanAccountAcl('{"owner": []}'), /not recognized/);
  assert.throws(() => cleanAccountAcl('{"admin": "x"}'), /must be a list/);
});
