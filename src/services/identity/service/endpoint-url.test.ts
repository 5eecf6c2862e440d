import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEndpointUrl, formatEndpointUrl, pyFormat, UrlFormatError } from './endpoint-url.ts';

const vals = { project_id: 'p1', tenant_id: 'p1', user_id: 'u1' };

test('substitutes $(name)s and %(name)s like Python % does', () => {
  assert.equal(formatEndpointUrl('http://h:8774/v2.1/$(project_id)s', vals, []), 'http://h:8774/v2.1/p1');
  assert.equal(formatEndpointUrl('http://h/v1/AUTH_%(tenant_id)s/x', vals, []), 'http://h/v1/AUTH_p1/x');
  assert.equal(formatEndpointUrl('http://h/%(user_id)s/%(project_id)s', vals, []), 'http://h/u1/p1');
  assert.equal(formatEndpointUrl('http://h/100%%', vals, []), 'http://h/100%');
  assert.equal(formatEndpointUrl('http://h/$(project_id)5s', vals, []), 'http://h/   p1');
  assert.equal(formatEndpointUrl('http://h/$(project_id)r', vals, []), "http://h/'p1'");
});

test('a URL needing a project is left out silently when unscoped, a malformed one with a report', () => {
  const reports: string[] = [];
  const report = (url: string) => reports.push(url);
  assert.equal(formatEndpointUrl('http://h/$(project_id)s', {}, ['project_id', 'tenant_id'], report), null);
  assert.deepEqual(reports, []);
  assert.equal(formatEndpointUrl('http://h/$(nope)s', vals, [], report), null);
  assert.equal(formatEndpointUrl('http://h/%20x', vals, [], report), null); // Python: TypeError (an unkeyed %x)
  assert.equal(reports.length, 2);
});

test('Python errors: KeyError, TypeError, ValueError', () => {
  const lookup = (k: string) => (k === 'a' ? 'x' : undefined);
  assert.throws(() => pyFormat('%(b)s', lookup), (e: unknown) => e instanceof UrlFormatError && e.kind === 'key' && e.key === 'b');
  assert.throws(() => pyFormat('%(a)d', lookup), (e: unknown) => e instanceof UrlFormatError && e.kind === 'type');
  assert.throws(() => pyFormat('%s', lookup), (e: unknown) => e instanceof UrlFormatError && e.kind === 'type');
  assert.throws(() => pyFormat('abc%', lookup), (e: unknown) => e instanceof UrlFormatError && e.kind === 'value');
  assert.throws(() => pyFormat('%(a', lookup), (e: unknown) => e instanceof UrlFormatError && e.kind === 'value');
  assert.throws(() => pyFormat('%y', lookup), (e: unknown) => e instanceof UrlFormatError && e.kind === 'value');
  assert.equal(pyFormat('no format here', lookup), 'no format here');
});

test('checkEndpointUrl accepts whitelisted names only', () => {
  checkEndpointUrl('http://h:8776/v3/$(project_id)s');
  checkEndpointUrl('http://h:8080/v1/AUTH_$(tenant_id)s');
  checkEndpointUrl('http://h:5000/v3');
  assert.throws(() => checkEndpointUrl('http://h/$(admin_token)s'), { status: 400, message: 'Cannot create an endpoint with an invalid URL: http://h/$(admin_token)s.' });
  assert.throws(() => checkEndpointUrl('http://h/$(project_id)d'), { status: 400 });
  assert.throws(() => checkEndpointUrl('http://h/$(project_id'), { status: 400 });
});
