// The image records through the REST API: create, list (filters, sorting, pages), show, JSON
// patch, tags, actions, delete, discovery and schemas — and Glance's 4xx for bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImageCloud, type ImageCloud } from './helpers.ts';

let cl: ImageCloud;
before(async () => { cl = await startImageCloud(); });
after(() => cl.stop());

test('discovery: GET / lists the versions with 300, 2.17 CURRENT; schemas are served', async () => {
  const r = await cl.c.request('GET', '/image/');
  assert.equal(r.status, 300);
  assert.equal(r.body.versions.find((v: any) => v.status === 'CURRENT').id, 'v2.17');
  assert.equal(r.body.versions[0].links[0].href, `${cl.c.url}/image/v2/`);
  assert.equal((await cl.c.request('GET', '/image/versions')).status, 200);
  for (const [name, title] of [['image', 'image'], ['images', 'images'], ['member', 'member'], ['members', 'members'], ['metadefs/namespace', 'namespace'], ['metadefs/resource_type', 'resource_type_association']]) {
    const s = await cl.api('GET', `/v2/schemas/${name}`);
    assert.equal(s.status, 200);
    assert.equal(s.body.name, title);
  }
  const image = (await cl.api('GET', '/v2/schemas/image')).body;
  assert.ok(image.properties.disk_format.enum.includes('qcow2'));
  assert.deepEqual(image.additionalProperties, { type: 'string' });
  assert.equal((await cl.api('GET', '/v2/info/import')).body['import-methods'].value.length, 3);
  assert.deepEqual((await cl.api('GET', '/v2/info/stores')).body.stores, [{ id: 'file', default: 'true' }]);
  assert.equal((await cl.api('GET', '/v2/info/stores/detail')).status, 403);
  assert.equal((await cl.api('GET', '/v2/info/stores/detail', { token: cl.admin })).body.stores[0].type, 'file');
  assert.equal((await cl.api('GET', '/v2/images', { token: undefined, headers: {} }).then(() => cl.c.request('GET', '/image/v2/images'))).status, 401);
});

test('create answers 201 with Glance\'s view; show and delete', async () => {
  const r = await cl.api('POST', '/v2/images', { body: { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', tags: ['a', 'b', 'a'], os_distro: 'cirros', min_ram: 64 } });
  assert.equal(r.status, 201);
  const img = r.body;
  assert.equal(r.headers.get('location'), `${cl.c.url}/image/v2/images/${img.id}`);
  assert.equal(r.headers.get('openstack-image-import-methods'), 'glance-direct,web-download,copy-image');
  assert.deepEqual(
    Object.keys(img).sort(),
    ['checksum', 'container_format', 'created_at', 'disk_format', 'file', 'id', 'min_disk', 'min_ram', 'name', 'os_distro', 'os_hash_algo', 'os_hash_value',
      'os_hidden', 'owner', 'protected', 'schema', 'self', 'size', 'status', 'tags', 'updated_at', 'virtual_size', 'visibility'],
  );
  assert.deepEqual([img.status, img.visibility, img.owner, img.size, img.tags, img.self], ['queued', 'shared', cl.alice.project, null, ['a', 'b'], `/v2/images/${img.id}`]);
  assert.match(img.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual((await cl.api('GET', `/v2/images/${img.id}`)).body, img);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`)).status, 204);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`)).status, 404);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`)).status, 404);
  // A deleted image's id is never reused.
  assert.equal((await cl.api('POST', '/v2/images', { body: { id: img.id } })).status, 409);
});

test('bad input gets Glance\'s 4xx, never 500', async () => {
  const post = (body: unknown) => cl.api('POST', '/v2/images', { body });
  const cases: Array<[string, Promise<{ status: number }>, number]> = [
    ['unknown disk format', post({ disk_format: 'floppy' }), 400],
    ['unknown container format', post({ container_format: 'wrong' }), 400],
    ['non-string extra property', post({ foo: 1 }), 400],
    ['oversize name', post({ name: 'x'.repeat(256) }), 400],
    ['oversize property name', post({ ['k'.repeat(256)]: 'v' }), 400],
    ['invalid id', post({ id: 'not-a-uuid' }), 400],
    ['non-uuid kernel_id', post({ kernel_id: 'abc' }), 400],
    ['negative min_ram', post({ min_ram: -1 }), 400],
    ['boolean as string', post({ protected: 'yes' }), 400],
    ['read-only status', post({ status: 'active' }), 403],
    ['read-only self', post({ self: '/x' }), 403],
    ['reserved os_glance_ property', post({ os_glance_foo: 'bar' }), 403],
    ['reserved locations', post({ locations: [] }), 403],
    ['array body', post([1, 2]), 400],
    ['non-JSON body', cl.api('POST', '/v2/images', { raw: '{nope', headers: { 'content-type': 'application/json' } }), 400],
    ['too many properties', post(Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`p${i}`, 'v']))), 413],
    ['limit not a number', cl.api('GET', '/v2/images?limit=abc'), 400],
    ['negative limit', cl.api('GET', '/v2/images?limit=-1'), 400],
    ['unknown sort key', cl.api('GET', '/v2/images?sort_key=owner'), 400],
    ['bad sort dir', cl.api('GET', '/v2/images?sort_dir=up'), 400],
    ['mixed sort syntaxes', cl.api('GET', '/v2/images?sort=name&sort_key=name'), 400],
    ['unknown marker', cl.api('GET', '/v2/images?marker=00000000-0000-0000-0000-000000000000'), 400],
    ['bad visibility filter', cl.api('GET', '/v2/images?visibility=everyone'), 400],
    ['bad member_status', cl.api('GET', '/v2/images?member_status=maybe'), 400],
    ['bad os_hidden filter', cl.api('GET', '/v2/images?os_hidden=perhaps'), 400],
    ['bad size_min', cl.api('GET', '/v2/images?size_min=big'), 400],
    ['bad created_at', cl.api('GET', '/v2/images?created_at=gt:yesterday'), 400],
    ['unknown filter operator', cl.api('GET', '/v2/images?name=like:x'), 400],
    ['changes-since', cl.api('GET', '/v2/images?changes-since=2020-01-01'), 400],
    ['invalid uuid in path', cl.api('GET', '/v2/images/not-a-uuid'), 404],
    // Fastify's router refuses path parameters over 100 characters before we see them.
    ['very long id in path', cl.api('GET', `/v2/images/${'x'.repeat(300)}`), 414],
    ['37-character id', cl.api('GET', `/v2/images/${'x'.repeat(37)}`), 404],
    ['no id', cl.api('GET', '/v2/images/'), 404],
    ['delete without id', cl.api('DELETE', '/v2/images/'), 404],
    ['delete the collection', cl.api('DELETE', '/v2/images'), 405],
  ];
  for (const [what, p, status] of cases) assert.equal((await p).status, status, what);
});

test('JSON patch: both media types, Glance\'s rules, and bad patches as 4xx', async () => {
  const img = await cl.create({ name: 'p' });
  const r = await cl.patch(img.id, [
    { op: 'replace', path: '/name', value: 'renamed' }, { op: 'add', path: '/os_distro', value: 'debian' },
    { op: 'add', path: '/tags', value: ['x'] }, { op: 'replace', path: '/min_disk', value: 2 },
  ]);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.name, r.body.os_distro, r.body.tags, r.body.min_disk], ['renamed', 'debian', ['x'], 2]);
  const d4 = await cl.api('PATCH', `/v2/images/${img.id}`, { raw: JSON.stringify([{ replace: '/name', value: 'v20' }, { remove: '/os_distro' }]), headers: { 'content-type': 'application/openstack-images-v2.0-json-patch' } });
  assert.equal(d4.status, 200, d4.text);
  assert.equal(d4.body.name, 'v20');
  assert.equal(d4.body.os_distro, undefined);

  const bad: Array<[string, unknown, number]> = [
    ['not an array', { op: 'replace', path: '/name', value: 'x' }, 400],
    ['unknown op', [{ op: 'move', path: '/name', value: 'x' }], 400],
    ['no op', [{ path: '/name', value: 'x' }], 400],
    ['pointer without slash', [{ op: 'replace', path: 'name', value: 'x' }], 400],
    ['deep pointer', [{ op: 'replace', path: '/name/first', value: 'x' }], 400],
    ['bad escape', [{ op: 'add', path: '/a~2b', value: 'x' }], 400],
    ['missing value', [{ op: 'replace', path: '/name' }], 400],
    ['read-only id', [{ op: 'replace', path: '/id', value: 'x' }], 403],
    ['read-only status', [{ op: 'replace', path: '/status', value: 'active' }], 403],
    ['reserved os_glance_', [{ op: 'add', path: '/os_glance_x', value: 'x' }], 403],
    ['remove a base attribute', [{ op: 'remove', path: '/name' }], 403],
    ['remove a missing property', [{ op: 'remove', path: '/nope' }], 409],
    ['replace a missing property', [{ op: 'replace', path: '/nope', value: 'x' }], 409],
    ['bad visibility', [{ op: 'replace', path: '/visibility', value: 'everyone' }], 400],
    ['publicize as non-admin', [{ op: 'replace', path: '/visibility', value: 'public' }], 403],
    ['owner as non-admin', [{ op: 'replace', path: '/owner', value: 'someone' }], 403],
    ['non-string property', [{ op: 'add', path: '/foo', value: 3 }], 400],
    ['oversize property value type', [{ op: 'add', path: '/tags', value: ['t'.repeat(256)] }], 400],
    ['locations are not shown', [{ op: 'add', path: '/locations/-', value: { url: 'http://x', metadata: {} } }], 403],
  ];
  for (const [what, body, status] of bad) assert.equal((await cl.patch(img.id, body)).status, status, what);
  const json = await cl.api('PATCH', `/v2/images/${img.id}`, { body: [{ op: 'replace', path: '/name', value: 'x' }] });
  assert.equal(json.status, 415);
  assert.match(json.headers.get('accept-patch') ?? '', /openstack-images-v2.1-json-patch/);
  assert.equal((await cl.patch('00000000-0000-0000-0000-000000000000', [])).status, 404);
});

test('web-download fetches nothing unless the operator allowed it', async () => {
  const img = await cl.create({ name: 'web' });
  const r = await cl.api('POST', `/v2/images/${img.id}/import`, { body: { method: { name: 'web-download', uri: 'https://download.cirros-cloud.net/0.6.2/cirros.img' } } });
  assert.equal(r.status, 400);
  assert.match(r.text, /does not pass filtering/);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`)).body.status, 'queued');
});

test('tags, deactivate/reactivate and protected images', async () => {
  const img = await cl.create({ name: 't', protected: true });
  assert.equal((await cl.api('PUT', `/v2/images/${img.id}/tags/blue`)).status, 204);
  assert.equal((await cl.api('PUT', `/v2/images/${img.id}/tags/blue`)).status, 204);
  assert.deepEqual((await cl.api('GET', `/v2/images/${img.id}`)).body.tags, ['blue']);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}/tags/red`)).status, 404);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}/tags/blue`)).status, 204);
  assert.equal((await cl.api('PUT', `/v2/images/00000000-0000-0000-0000-000000000000/tags/x`)).status, 404);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`)).status, 403);
  // deactivate needs an active image
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/actions/deactivate`)).status, 403);
  assert.equal((await cl.patch(img.id, [{ op: 'replace', path: '/protected', value: false }])).status, 200);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`)).status, 204);
});

test('list: filters, sorting, pagination links, hidden and community images', async () => {
  const tag = `t${Date.now()}`;
  const made = [];
  for (let i = 0; i < 5; i++) made.push(await cl.create({ name: `list-${i}`, tags: [tag], disk_format: i % 2 ? 'qcow2' : 'raw', os_version: String(i) }));
  await cl.create({ name: 'hidden', tags: [tag], os_hidden: true });
  const ids = async (q: string) => (await cl.api('GET', `/v2/images?tag=${tag}&${q}`)).body.images.map((i: any) => i.name);
  assert.deepEqual(await ids('sort=name:asc'), ['list-0', 'list-1', 'list-2', 'list-3', 'list-4']);
  assert.deepEqual(await ids('sort_key=name&sort_dir=desc'), ['list-4', 'list-3', 'list-2', 'list-1', 'list-0']);
  assert.deepEqual(await ids('disk_format=qcow2&sort=name:asc'), ['list-1', 'list-3']);
  assert.deepEqual(await ids('name=in:list-0,list-4&sort=name:asc'), ['list-0', 'list-4']);
  assert.deepEqual(await ids('os_version=3'), ['list-3']);
  assert.deepEqual(await ids('os_hidden=true'), ['hidden']);
  assert.deepEqual(await ids(`created_at=lt:2000-01-01T00:00:00Z`), []);
  assert.equal((await ids('created_at=gte:2000-01-01T00:00:00Z')).length, 5);

  const page1 = await cl.api('GET', `/v2/images?tag=${tag}&limit=2&sort=name:asc`);
  assert.equal(page1.body.first, `/v2/images?tag=${tag}&limit=2&sort=name%3Aasc`);
  assert.deepEqual(page1.body.images.map((i: any) => i.name), ['list-0', 'list-1']);
  const page2 = await cl.api('GET', page1.body.next);
  assert.deepEqual(page2.body.images.map((i: any) => i.name), ['list-2', 'list-3']);
  const page3 = await cl.api('GET', page2.body.next);
  assert.deepEqual(page3.body.images.map((i: any) => i.name), ['list-4']);
  assert.equal(page3.body.next, undefined);
  assert.equal(page1.body.schema, '/v2/schemas/images');

  // community: listed for its owner, and for others only when asked for
  const comm = await cl.create({ name: 'comm', visibility: 'community', tags: [tag] });
  assert.ok((await ids('')).includes('comm'));
  const asBob = async (q: string) => (await cl.api('GET', `/v2/images?tag=${tag}&${q}`, { token: cl.bob.token })).body.images.map((i: any) => i.id);
  assert.deepEqual(await asBob(''), []);
  assert.deepEqual(await asBob('visibility=community'), [comm.id]);
  assert.equal((await cl.api('GET', `/v2/images/${comm.id}`, { token: cl.bob.token })).status, 200);
});
