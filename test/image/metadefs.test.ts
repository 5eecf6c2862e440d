// Metadata definitions: namespaces with objects, properties, tags and resource types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImageCloud, type ImageCloud } from './helpers.ts';

let cl: ImageCloud;
before(async () => { cl = await startImageCloud(); });
after(() => cl.stop());

const md = (method: string, path: string, body?: unknown, token?: string) => cl.api(method, `/v2/metadefs${path}`, { token: token ?? cl.admin, body });

test('namespaces: create with children, show, list, update, protected delete', async () => {
  const rts = (await md('GET', '/resource_types')).body.resource_types.map((r: any) => r.name);
  assert.ok(rts.includes('OS::Glance::Image'));
  const r = await md('POST', '/namespaces', {
    namespace: 'OS::Compute::Test', display_name: 'Test', visibility: 'public', protected: true,
    resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'hw_' }],
    properties: { cpu: { title: 'CPU', type: 'integer', minimum: 1 } },
    objects: [{ name: 'Obj', properties: { a: { title: 'A', type: 'string' } }, required: ['a'] }],
    tags: [{ name: 'fast' }],
  });
  assert.equal(r.status, 201, r.text);
  assert.equal((await md('POST', '/namespaces', { namespace: 'OS::Compute::Test' })).status, 409);
  const shown = (await md('GET', '/namespaces/OS::Compute::Test?resource_type=OS::Glance::Image')).body;
  assert.deepEqual(Object.keys(shown.properties), ['hw_cpu']);
  assert.deepEqual(shown.objects[0].required, ['hw_a']);
  assert.deepEqual(shown.tags, [{ name: 'fast' }]);
  assert.equal(shown.resource_type_associations[0].prefix, 'hw_');
  // public: readable by a project member; writes are admin-only
  assert.equal((await md('GET', '/namespaces/OS::Compute::Test', undefined, cl.alice.token)).status, 200);
  assert.equal((await md('POST', '/namespaces', { namespace: 'mine' }, cl.alice.token)).status, 403);
  assert.ok((await md('GET', '/namespaces', undefined, cl.alice.token)).body.namespaces.some((n: any) => n.namespace === 'OS::Compute::Test'));
  assert.equal((await md('DELETE', '/namespaces/OS::Compute::Test')).status, 403);
  const upd = await md('PUT', '/namespaces/OS::Compute::Test', { namespace: 'OS::Compute::Test', visibility: 'private', protected: false });
  assert.deepEqual([upd.status, upd.body.visibility, upd.body.protected], [200, 'private', false]);
  assert.equal((await md('GET', '/namespaces/OS::Compute::Test', undefined, cl.bob.token)).status, 404);
  assert.equal((await md('DELETE', '/namespaces/OS::Compute::Test')).status, 204);
  assert.equal((await md('GET', '/namespaces/OS::Compute::Test')).status, 404);
});

test('objects, properties, tags and associations of a namespace', async () => {
  assert.equal((await md('POST', '/namespaces', { namespace: 'ns2' })).status, 201);
  assert.equal((await md('POST', '/namespaces/ns2/objects', { name: 'o1', description: 'd' })).status, 201);
  assert.equal((await md('PUT', '/namespaces/ns2/objects/o1', { name: 'o2' })).body.name, 'o2');
  assert.deepEqual((await md('GET', '/namespaces/ns2/objects')).body.objects.map((o: any) => o.name), ['o2']);
  assert.equal((await md('DELETE', '/namespaces/ns2/objects/o2')).status, 204);
  assert.equal((await md('GET', '/namespaces/ns2/objects/o2')).status, 404);

  assert.equal((await md('POST', '/namespaces/ns2/properties', { name: 'p', title: 'P', type: 'string', enum: ['a'] })).status, 201);
  assert.equal((await md('POST', '/namespaces/ns2/properties', { name: 'q', type: 'string' })).status, 400, 'title is required');
  assert.equal((await md('POST', '/namespaces/ns2/properties', { name: 'r', title: 'R', type: 'colour' })).status, 400);
  assert.equal((await md('PUT', '/namespaces/ns2/properties/p', { name: 'p', title: 'P2', type: 'string' })).body.title, 'P2');
  assert.deepEqual(Object.keys((await md('GET', '/namespaces/ns2/properties')).body.properties), ['p']);

  assert.equal((await md('POST', '/namespaces/ns2/tags', { tags: [{ name: 'a' }, { name: 'b' }] })).status, 201);
  assert.equal((await md('POST', '/namespaces/ns2/tags/c')).status, 201);
  assert.equal((await md('POST', '/namespaces/ns2/tags/c')).status, 409);
  assert.equal((await md('PUT', '/namespaces/ns2/tags/c', { name: 'd' })).body.name, 'd');
  assert.deepEqual((await md('GET', '/namespaces/ns2/tags')).body.tags.map((t: any) => t.name).sort(), ['a', 'b', 'd']);
  assert.equal((await md('DELETE', '/namespaces/ns2/tags')).status, 204);
  assert.deepEqual((await md('GET', '/namespaces/ns2/tags')).body.tags, []);

  assert.equal((await md('POST', '/namespaces/ns2/resource_types', { name: 'OS::Nova::Flavor' })).status, 201);
  assert.equal((await md('POST', '/namespaces/ns2/resource_types', { name: 'OS::Nova::Flavor' })).status, 409);
  assert.equal((await md('DELETE', '/namespaces/ns2/resource_types/OS::Nova::Flavor')).status, 204);
  assert.equal((await md('DELETE', '/namespaces/ns2/resource_types/OS::Nova::Flavor')).status, 404);
  assert.equal((await md('POST', '/namespaces', { namespace: 'x', created_at: 'now' })).status, 403);
  assert.equal((await md('POST', '/namespaces', { display_name: 'no namespace' })).status, 400);
});
