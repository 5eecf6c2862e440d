import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudError } from '../../../lib/errors.ts';
import { applyPatch, parsePatch } from './image-patch.ts';
import { buildSchemas } from './schemas.ts';
import type { Image } from './model.ts';

const schema = buildSchemas({ disk: ['raw', 'qcow2'], container: ['bare'] }).image;
const V21 = 'application/openstack-images-v2.1-json-patch';
const V20 = 'application/openstack-images-v2.0-json-patch';
const status = (fn: () => unknown) => { try { fn(); return 200; } catch (e) { return (e as CloudError).status; } };

const image: Image = {
  id: '11111111-1111-1111-1111-111111111111', name: 'n', status: 'queued', visibility: 'shared', protected: false, os_hidden: false,
  owner: 'p', size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null, disk_format: 'raw',
  container_format: 'bare', min_disk: 0, min_ram: 0, created_at: '', updated_at: '', properties: { a: '1' }, tags: [], locations: [],
};
const checks = { isAdmin: false, checkVisibility: () => undefined, locationsVisible: false, limits: { properties: 3, tags: 2 } };

test('both drafts parse to the same change', () => {
  assert.deepEqual(parsePatch(V21, [{ op: 'replace', path: '/name', value: 'x' }], schema).map((c) => [c.op, c.path, c.value]), [['replace', ['name'], 'x']]);
  assert.deepEqual(parsePatch(V20, [{ replace: '/name', value: 'x' }], schema).map((c) => [c.op, c.path, c.value]), [['replace', ['name'], 'x']]);
  assert.deepEqual(parsePatch(`${V21}; charset=UTF-8`, [{ op: 'add', path: '/a~1b~0c', value: 'v' }], schema)[0]!.path, ['a/b~c']);
});

test('parse errors are Glance\'s statuses', () => {
  assert.equal(status(() => parsePatch('application/json', [], schema)), 415);
  assert.equal(status(() => parsePatch(V20, [{ add: '/a', replace: '/b', value: 1 }], schema)), 400);
  assert.equal(status(() => parsePatch(V21, [{ op: 'add', path: '/a//b', value: 'x' }], schema)), 400);
  assert.equal(status(() => parsePatch(V21, [{ op: 'add', path: '/a/', value: 'x' }], schema)), 400);
  assert.equal(status(() => parsePatch(V21, [{ op: 'add', path: '/checksum', value: 'x' }], schema)), 403);
  assert.equal(status(() => parsePatch(V21, [{ op: 'replace', path: '/disk_format', value: 'vhd' }], schema)), 400);
  assert.equal(status(() => parsePatch(V21, [{ op: 'add', path: '/locations/-', value: { url: 'x', metadata: {} } }], schema)), 200);
  assert.equal(status(() => parsePatch(V21, [{ op: 'remove', path: '/locations/0/url' }], schema)), 400);
});

test('apply: formats only while queued, property and tag quotas, draft-4 add of a present key', () => {
  const ch = (ops: unknown[], draft = V21) => parsePatch(draft, ops, schema);
  assert.equal(applyPatch(image, ch([{ op: 'replace', path: '/disk_format', value: 'qcow2' }]), checks).disk_format, 'qcow2');
  assert.equal(status(() => applyPatch({ ...image, status: 'active' }, ch([{ op: 'replace', path: '/disk_format', value: 'qcow2' }]), checks)), 403);
  assert.equal(status(() => applyPatch(image, ch([{ op: 'add', path: '/b', value: '2' }, { op: 'add', path: '/c', value: '3' }, { op: 'add', path: '/d', value: '4' }]), checks)), 413);
  assert.equal(status(() => applyPatch(image, ch([{ op: 'replace', path: '/tags', value: ['a', 'b', 'c'] }]), checks)), 413);
  assert.equal(status(() => applyPatch(image, ch([{ add: '/a', value: '2' }], V20), checks)), 409);
  assert.equal(applyPatch(image, ch([{ op: 'add', path: '/a', value: '2' }]), checks).properties.a, '2');
  assert.equal(status(() => applyPatch(image, ch([{ op: 'replace', path: '/min_ram', value: -5 }]), checks)), 400);
  // the original is untouched
  assert.deepEqual(image.properties, { a: '1' });
});
