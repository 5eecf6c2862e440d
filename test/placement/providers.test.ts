// Placement: versions, resource providers (generations, trees, filters), inventories,
// aggregates, traits and resource classes, against the real HTTP API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPlacementCloud, placementError, compute, type PlacementTestCloud } from './helpers.ts';

let t: PlacementTestCloud;
before(async () => { t = await startPlacementCloud(); });
after(() => t.c.stop());

test('GET / needs no token and lists 1.0–1.39; microversions are negotiated and echoed', async () => {
  const root = await t.c.request('GET', '/placement/');
  assert.equal(root.status, 200);
  assert.deepEqual(root.body.versions[0], { id: 'v1.0', max_version: '1.39', min_version: '1.0', status: 'CURRENT', links: [{ rel: 'self', href: '' }] });
  const latest = await t.p('GET', '/resource_providers', { version: 'latest' });
  assert.equal(latest.headers.get('openstack-api-version'), 'placement 1.39');
  assert.match(latest.headers.get('vary') ?? '', /OpenStack-API-Version/i);
  assert.equal(latest.headers.get('cache-control'), 'no-cache');
  const none = await t.c.request('GET', '/placement/resource_providers', { token: t.admin });
  assert.equal(none.headers.get('openstack-api-version'), 'placement 1.0');
  const tooNew = await t.p('GET', '/', { version: '1.40' });
  placementError(tooNew, 406);
  assert.equal(tooNew.body.errors[0].max_version, '1.39');
  assert.equal(tooNew.body.errors[0].min_version, '1.0');
  placementError(await t.p('GET', '/resource_providers', { version: 'one' }), 400);
  placementError(await t.c.request('GET', '/placement/resource_providers'), 401);
});

test('providers: create (201 before 1.20, 200 with body after), show, rename, delete; duplicates are 409', async () => {
  const old = await t.p('POST', '/resource_providers', { body: { name: 'rp-old' }, version: '1.19' });
  assert.equal(old.status, 201);
  assert.match(old.headers.get('location')!, /^http:\/\/.+\/placement\/resource_providers\/[0-9a-f-]{36}$/);
  const uuid = randomUUID();
  const made = await t.p('POST', '/resource_providers', { body: { name: 'rp-a', uuid: uuid.replaceAll('-', '').toUpperCase() } });
  assert.equal(made.status, 200);
  assert.equal(made.body.uuid, uuid, 'uuid normalised to lower-case dashed form');
  assert.deepEqual({ ...made.body, links: undefined }, { uuid, name: 'rp-a', generation: 0, parent_provider_uuid: null, root_provider_uuid: uuid, links: undefined });
  assert.deepEqual(made.body.links.map((l: any) => l.rel), ['self', 'inventories', 'usages', 'aggregates', 'traits', 'allocations']);
  assert.equal(made.body.links[0].href, `/placement/resource_providers/${uuid}`);
  placementError(await t.p('POST', '/resource_providers', { body: { name: 'rp-a' } }), 409, 'placement.duplicate_name');
  placementError(await t.p('POST', '/resource_providers', { body: { name: 'rp-b', uuid } }), 409, 'placement.duplicate_name');
  const shown = await t.p('GET', `/resource_providers/${uuid}`, { version: '1.13' });
  assert.deepEqual(Object.keys(shown.body).sort(), ['generation', 'links', 'name', 'uuid'], 'no tree fields before 1.14');
  const renamed = await t.p('PUT', `/resource_providers/${uuid}`, { body: { name: 'rp-a2' } });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, 'rp-a2');
  placementError(await t.p('PUT', `/resource_providers/${uuid}`, { body: { name: 'rp-old' } }), 409, 'placement.duplicate_name');
  assert.equal((await t.p('DELETE', `/resource_providers/${uuid}`)).status, 204);
  placementError(await t.p('GET', `/resource_providers/${uuid}`), 404);
  placementError(await t.p('DELETE', `/resource_providers/${uuid}`), 404);
});

test('provider trees: parents, roots, in_tree, no deleting a parent, re-parenting from 1.37', async () => {
  const root = await t.provider('tree-root');
  const child = await t.provider('tree-child', { parent: root });
  const grandchild = await t.provider('tree-grandchild', { parent: child });
  const gc = await t.p('GET', `/resource_providers/${grandchild}`);
  assert.equal(gc.body.parent_provider_uuid, child);
  assert.equal(gc.body.root_provider_uuid, root);
  const inTree = await t.p('GET', `/resource_providers?in_tree=${child}`);
  assert.deepEqual(inTree.body.resource_providers.map((r: any) => r.name).sort(), ['tree-child', 'tree-grandchild', 'tree-root']);
  placementError(await t.p('DELETE', `/resource_providers/${root}`), 409, 'placement.resource_provider.cannot_delete_parent');
  placementError(await t.p('POST', '/resource_providers', { body: { name: 'orphan', parent_provider_uuid: randomUUID() } }), 400);
  // Re-parenting is refused before 1.37 and allowed after; loops never.
  const other = await t.provider('tree-other');
  placementError(await t.p('PUT', `/resource_providers/${child}`, { body: { name: 'tree-child', parent_provider_uuid: other }, version: '1.36' }), 400);
  placementError(await t.p('PUT', `/resource_providers/${root}`, { body: { name: 'tree-root', parent_provider_uuid: grandchild } }), 400);
  const moved = await t.p('PUT', `/resource_providers/${child}`, { body: { name: 'tree-child', parent_provider_uuid: other } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal((await t.p('GET', `/resource_providers/${grandchild}`)).body.root_provider_uuid, other, 'the subtree follows');
  const unparented = await t.p('PUT', `/resource_providers/${child}`, { body: { name: 'tree-child', parent_provider_uuid: null } });
  assert.equal(unparented.body.root_provider_uuid, child);
  assert.equal((await t.p('GET', `/resource_providers/${grandchild}`)).body.root_provider_uuid, child);
});

test('inventories: PUT all with the generation, per class, capacity rules, 409 on a stale generation', async () => {
  const rp = await t.provider('inv-rp');
  const put = await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 0, inventories: { VCPU: { total: 8, allocation_ratio: 4.0 }, MEMORY_MB: { total: 2048, reserved: 512 } } } });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.resource_provider_generation, 1);
  assert.deepEqual(put.body.inventories.VCPU, { total: 8, reserved: 0, min_unit: 1, max_unit: 2147483647, step_size: 1, allocation_ratio: 4 });
  placementError(await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 0, inventories: {} } }), 409, 'placement.concurrent_update');
  placementError(await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 1, inventories: { VCPU: { total: 4, reserved: 4 } } }, version: '1.25' }), 400);
  const reservedAll = await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 1, inventories: { VCPU: { total: 4, reserved: 4 }, MEMORY_MB: { total: 2048 } } } });
  assert.equal(reservedAll.status, 200, 'reserved == total is fine from 1.26');
  placementError(await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 2, inventories: { NOPE: { total: 1 } } } }), 400);
  placementError(await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: 2, inventories: { VCPU: { total: 0 } } } }), 400);

  const one = await t.p('GET', `/resource_providers/${rp}/inventories/MEMORY_MB`);
  assert.deepEqual(one.body, { total: 2048, reserved: 0, min_unit: 1, max_unit: 2147483647, step_size: 1, allocation_ratio: 1, resource_provider_generation: 2 });
  const upd = await t.p('PUT', `/resource_providers/${rp}/inventories/MEMORY_MB`, { body: { resource_provider_generation: 2, total: 4096 } });
  assert.equal(upd.body.total, 4096);
  assert.equal(upd.body.resource_provider_generation, 3);
  placementError(await t.p('PUT', `/resource_providers/${rp}/inventories/DISK_GB`, { body: { resource_provider_generation: 3, total: 10 } }), 400);
  const post = await t.p('POST', `/resource_providers/${rp}/inventories`, { body: { resource_class: 'DISK_GB', total: 10 } });
  assert.equal(post.status, 201);
  assert.match(post.headers.get('location')!, /\/inventories\/DISK_GB$/);
  placementError(await t.p('POST', `/resource_providers/${rp}/inventories`, { body: { resource_class: 'DISK_GB', total: 10 } }), 409, 'placement.concurrent_update');
  assert.equal((await t.p('DELETE', `/resource_providers/${rp}/inventories/DISK_GB`)).status, 204);
  placementError(await t.p('GET', `/resource_providers/${rp}/inventories/DISK_GB`), 404);
  placementError(await t.p('DELETE', `/resource_providers/${rp}/inventories`, { version: '1.4' }), 405);
  assert.equal((await t.p('DELETE', `/resource_providers/${rp}/inventories`)).status, 204);
  assert.deepEqual((await t.p('GET', `/resource_providers/${rp}/inventories`)).body.inventories, {});
});

test('inventory in use cannot be removed: 409 placement.inventory.inuse', async () => {
  const rp = await t.provider('inuse-rp', { inventories: compute });
  const consumer = randomUUID();
  const claim = await t.p('PUT', `/allocations/${consumer}`, { body: { allocations: { [rp]: { resources: { VCPU: 2 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE' } });
  assert.equal(claim.status, 204, claim.text);
  const gen = (await t.p('GET', `/resource_providers/${rp}`)).body.generation;
  placementError(await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: gen, inventories: { MEMORY_MB: { total: 1 } } } }), 409, 'placement.inventory.inuse');
  placementError(await t.p('DELETE', `/resource_providers/${rp}/inventories`), 409, 'placement.inventory.inuse');
  placementError(await t.p('DELETE', `/resource_providers/${rp}`), 409, 'placement.resource_provider.inuse');
  // Shrinking below usage is allowed (upstream only logs it).
  const shrink = await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: gen, inventories: { ...compute, VCPU: { total: 1 } } } });
  assert.equal(shrink.status, 200, shrink.text);
  assert.equal((await t.p('DELETE', `/allocations/${consumer}`)).status, 204);
  assert.equal((await t.p('DELETE', `/resource_providers/${rp}`)).status, 204);
});

test('aggregates: generation in and out from 1.19, plain list before; member_of filters', async () => {
  const rp = await t.provider('agg-rp');
  const [a1, a2] = [randomUUID(), randomUUID()];
  const old = await t.p('PUT', `/resource_providers/${rp}/aggregates`, { body: [a1], version: '1.18' });
  assert.deepEqual(old.body, { aggregates: [a1] });
  placementError(await t.p('GET', `/resource_providers/${rp}/aggregates`, { version: '1.0' }), 404);
  const got = await t.p('GET', `/resource_providers/${rp}/aggregates`);
  assert.deepEqual(got.body, { aggregates: [a1], resource_provider_generation: 0 });
  placementError(await t.p('PUT', `/resource_providers/${rp}/aggregates`, { body: { aggregates: [a1, a2], resource_provider_generation: 7 } }), 409, 'placement.concurrent_update');
  const set = await t.p('PUT', `/resource_providers/${rp}/aggregates`, { body: { aggregates: [a1, a2], resource_provider_generation: 0 } });
  assert.equal(set.body.resource_provider_generation, 1);
  placementError(await t.p('PUT', `/resource_providers/${rp}/aggregates`, { body: { aggregates: ['not-a-uuid'], resource_provider_generation: 1 } }), 400);
  const names = async (qs: string, version?: string) => (await t.p('GET', `/resource_providers?${qs}`, { version })).body.resource_providers.map((r: any) => r.name);
  assert.deepEqual(await names(`member_of=${a2}`), ['agg-rp']);
  assert.deepEqual(await names(`member_of=in:${randomUUID()},${a1}`), ['agg-rp']);
  assert.deepEqual(await names(`member_of=${a1}&member_of=${randomUUID()}`), []);
  assert.ok(!(await names(`member_of=!${a1}`)).includes('agg-rp'));
  placementError(await t.p('GET', `/resource_providers?member_of=!${a1}`, { version: '1.31' }), 400);
});

test('traits: standard list, CUSTOM_ create/delete, provider traits with generation, required filter', async () => {
  const list = await t.p('GET', '/traits');
  for (const name of ['COMPUTE_STATUS_DISABLED', 'HW_CPU_X86_AVX2', 'STORAGE_DISK_SSD', 'MISC_SHARES_VIA_AGGREGATE', 'COMPUTE_VOLUME_MULTI_ATTACH']) {
    assert.ok(list.body.traits.includes(name), name);
  }
  placementError(await t.p('GET', '/traits', { version: '1.5' }), 404);
  assert.equal((await t.p('PUT', '/traits/CUSTOM_FAST')).status, 201);
  assert.equal((await t.p('PUT', '/traits/CUSTOM_FAST')).status, 204);
  placementError(await t.p('PUT', '/traits/FAST'), 400);
  assert.equal((await t.p('GET', '/traits/CUSTOM_FAST')).status, 204);
  placementError(await t.p('GET', '/traits/CUSTOM_NOPE'), 404);
  assert.deepEqual((await t.p('GET', '/traits?name=startswith:CUSTOM_F')).body.traits, ['CUSTOM_FAST']);
  assert.deepEqual((await t.p('GET', '/traits?name=in:CUSTOM_FAST,HW_CPU_X86_AVX2')).body.traits.sort(), ['CUSTOM_FAST', 'HW_CPU_X86_AVX2']);

  const rp = await t.provider('trait-rp');
  placementError(await t.p('PUT', `/resource_providers/${rp}/traits`, { body: { traits: ['CUSTOM_NOPE'], resource_provider_generation: 0 } }), 400);
  placementError(await t.p('PUT', `/resource_providers/${rp}/traits`, { body: { traits: ['CUSTOM_FAST'], resource_provider_generation: 3 } }), 409, 'placement.concurrent_update');
  const set = await t.p('PUT', `/resource_providers/${rp}/traits`, { body: { traits: ['CUSTOM_FAST', 'HW_CPU_X86_AVX2'], resource_provider_generation: 0 } });
  assert.deepEqual(set.body, { traits: ['CUSTOM_FAST', 'HW_CPU_X86_AVX2'], resource_provider_generation: 1 });
  assert.deepEqual((await t.p('GET', '/traits?associated=true')).body.traits.sort(), ['CUSTOM_FAST', 'HW_CPU_X86_AVX2']);
  placementError(await t.p('DELETE', '/traits/CUSTOM_FAST'), 409);
  placementError(await t.p('DELETE', '/traits/HW_CPU_X86_AVX2'), 400);
  const names = async (qs: string) => (await t.p('GET', `/resource_providers?${qs}`)).body.resource_providers.map((r: any) => r.name);
  assert.deepEqual(await names('required=CUSTOM_FAST'), ['trait-rp']);
  assert.deepEqual(await names('required=CUSTOM_FAST,!HW_CPU_X86_AVX2'), []);
  assert.deepEqual(await names('required=in:CUSTOM_FAST,STORAGE_DISK_SSD'), ['trait-rp']);
  placementError(await t.p('GET', '/resource_providers?required=CUSTOM_NOPE'), 400);
  assert.equal((await t.p('DELETE', `/resource_providers/${rp}/traits`)).status, 204);
  assert.deepEqual((await t.p('GET', `/resource_providers/${rp}/traits`)).body, { traits: [], resource_provider_generation: 2 });
  assert.equal((await t.p('DELETE', '/traits/CUSTOM_FAST')).status, 204);
});

test('resource classes: standard ones, CUSTOM_ create/ensure/delete, no deleting standard or used ones', async () => {
  const list = await t.p('GET', '/resource_classes');
  const names = list.body.resource_classes.map((r: any) => r.name);
  for (const rc of ['VCPU', 'MEMORY_MB', 'DISK_GB', 'PCPU', 'SRIOV_NET_VF', 'NET_BW_EGR_KILOBIT_PER_SEC']) assert.ok(names.includes(rc), rc);
  assert.equal((await t.p('POST', '/resource_classes', { body: { name: 'CUSTOM_GPU' } })).status, 201);
  placementError(await t.p('POST', '/resource_classes', { body: { name: 'CUSTOM_GPU' } }), 409);
  placementError(await t.p('POST', '/resource_classes', { body: { name: 'GPU' } }), 400);
  assert.equal((await t.p('PUT', '/resource_classes/CUSTOM_GPU')).status, 204);
  assert.equal((await t.p('PUT', '/resource_classes/CUSTOM_FPGA2')).status, 201);
  placementError(await t.p('PUT', '/resource_classes/VCPU'), 400);
  assert.deepEqual((await t.p('GET', '/resource_classes/CUSTOM_GPU')).body, { name: 'CUSTOM_GPU', links: [{ rel: 'self', href: '/placement/resource_classes/CUSTOM_GPU' }] });
  const rp = await t.provider('rc-rp', { inventories: { CUSTOM_GPU: { total: 2 } } });
  placementError(await t.p('DELETE', '/resource_classes/CUSTOM_GPU'), 409);
  placementError(await t.p('DELETE', '/resource_classes/VCPU'), 400);
  // 1.2–1.6 rename, inventories follow the class.
  const renamed = await t.p('PUT', '/resource_classes/CUSTOM_FPGA2', { body: { name: 'CUSTOM_FPGA3' }, version: '1.6' });
  assert.equal(renamed.status, 200);
  const renamedUsed = await t.p('PUT', '/resource_classes/CUSTOM_GPU', { body: { name: 'CUSTOM_GPU2' }, version: '1.6' });
  assert.equal(renamedUsed.status, 200);
  assert.deepEqual(Object.keys((await t.p('GET', `/resource_providers/${rp}/inventories`)).body.inventories), ['CUSTOM_GPU2']);
  placementError(await t.p('GET', '/resource_classes/CUSTOM_GPU'), 404);
  assert.equal((await t.p('DELETE', '/resource_classes/CUSTOM_FPGA3')).status, 204);
});

test('resources filter on GET /resource_providers uses capacity, min/max unit and step size', async () => {
  await t.provider('res-big', { inventories: { VCPU: { total: 64 }, MEMORY_MB: { total: 65536, step_size: 512 } } });
  await t.provider('res-small', { inventories: { VCPU: { total: 2, max_unit: 1 }, MEMORY_MB: { total: 1024 } } });
  const names = async (qs: string) => (await t.p('GET', `/resource_providers?${qs}`)).body.resource_providers.map((r: any) => r.name).filter((n: string) => n.startsWith('res-')).sort();
  assert.deepEqual(await names('resources=VCPU:1'), ['res-big', 'res-small']);
  assert.deepEqual(await names('resources=VCPU:2'), ['res-big']);
  assert.deepEqual(await names('resources=MEMORY_MB:1000'), ['res-small']);
  assert.deepEqual(await names('resources=MEMORY_MB:1024,VCPU:1'), ['res-big', 'res-small']);
  placementError(await t.p('GET', '/resource_providers?resources=VCPU:0'), 400);
  placementError(await t.p('GET', '/resource_providers?resources=VCPU'), 400);
  placementError(await t.p('GET', '/resource_providers?resources=NOPE:1'), 400);
  placementError(await t.p('GET', '/resource_providers?bogus=1'), 400);
  placementError(await t.p('GET', '/resource_providers?resources=VCPU:1', { version: '1.3' }), 400);
});
