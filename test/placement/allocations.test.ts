// Placement allocations: PUT/GET/DELETE per consumer in every body shape, consumer generations,
// POST /allocations, capacity and constraint checks, usages, and concurrent claims over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPlacementCloud, placementError, compute, type PlacementTestCloud } from './helpers.ts';

let t: PlacementTestCloud;
before(async () => { t = await startPlacementCloud(); });
after(() => t.c.stop());

const put = (consumer: string, allocations: Record<string, Record<string, number>>, extra: Record<string, unknown> = {}, version?: string) =>
  t.p('PUT', `/allocations/${consumer}`, {
    version,
    body: { allocations: Object.fromEntries(Object.entries(allocations).map(([rp, resources]) => [rp, { resources }])), project_id: 'proj-a', user_id: 'user-a', consumer_generation: null, consumer_type: 'INSTANCE', ...extra },
  });

test('claim, read, replace and release with consumer generations (1.28+)', async () => {
  const rp = await t.provider('alloc-rp', { inventories: compute });
  const c = randomUUID();
  assert.equal((await put(c, { [rp]: { VCPU: 2, MEMORY_MB: 512 } })).status, 204);
  const got = await t.p('GET', `/allocations/${c}`);
  assert.deepEqual(got.body, {
    allocations: { [rp]: { generation: 2, resources: { MEMORY_MB: 512, VCPU: 2 } } },
    project_id: 'proj-a', user_id: 'user-a', consumer_generation: 1, consumer_type: 'INSTANCE',
  });
  placementError(await put(c, { [rp]: { VCPU: 1 } }), 409, 'placement.concurrent_update'); // expected null, it exists
  placementError(await put(c, { [rp]: { VCPU: 1 } }, { consumer_generation: 7 }), 409, 'placement.concurrent_update');
  assert.equal((await put(c, { [rp]: { VCPU: 4 } }, { consumer_generation: 1 })).status, 204);
  assert.deepEqual((await t.p('GET', `/resource_providers/${rp}/usages`)).body, { resource_provider_generation: 3, usages: { DISK_GB: 0, MEMORY_MB: 0, VCPU: 4 } });
  const byRp = await t.p('GET', `/resource_providers/${rp}/allocations`);
  assert.deepEqual(byRp.body, { allocations: { [c]: { resources: { VCPU: 4 }, consumer_generation: 2 } }, resource_provider_generation: 3 });
  // An empty allocations object (1.28+) removes them all, with the generation checked.
  assert.equal((await put(c, {}, { consumer_generation: 2 })).status, 204);
  assert.deepEqual((await t.p('GET', `/allocations/${c}`)).body, { allocations: {} });
  assert.deepEqual((await t.p('GET', `/resource_providers/${rp}/usages`)).body.usages.VCPU, 0);
  placementError(await t.p('DELETE', `/allocations/${c}`), 404);
});

test('older body shapes: 1.0 list form, 1.8 project/user, 1.12 dict form; GET shape per version', async () => {
  const rp = await t.provider('shape-rp', { inventories: compute });
  const c = randomUUID();
  const v10 = await t.p('PUT', `/allocations/${c}`, { version: '1.0', body: { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 1 } }] } });
  assert.equal(v10.status, 204, v10.text);
  assert.deepEqual(await t.p('GET', `/allocations/${c}`, { version: '1.11' }).then((r) => r.body), { allocations: { [rp]: { generation: 2, resources: { VCPU: 1 } } } });
  const c8 = await t.p('PUT', `/allocations/${c}`, { version: '1.8', body: { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 2 } }], project_id: 'p8', user_id: 'u8' } });
  assert.equal(c8.status, 204);
  placementError(await t.p('PUT', `/allocations/${c}`, { version: '1.8', body: { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 2 } }] } }), 400);
  const c12 = await t.p('PUT', `/allocations/${c}`, { version: '1.12', body: { allocations: { [rp]: { resources: { VCPU: 3 } } }, project_id: 'p12', user_id: 'u12' } });
  assert.equal(c12.status, 204);
  const g = (await t.p('GET', `/allocations/${c}`, { version: '1.12' })).body;
  assert.deepEqual(g, { allocations: { [rp]: { generation: 4, resources: { VCPU: 3 } } }, project_id: 'p12', user_id: 'u12' });
  placementError(await t.p('PUT', `/allocations/${c}`, { version: '1.12', body: { allocations: {}, project_id: 'p', user_id: 'u' } }), 400);
  placementError(await t.p('PUT', '/allocations/not-a-uuid', { version: '1.12', body: { allocations: { [rp]: { resources: { VCPU: 3 } } }, project_id: 'p', user_id: 'u' } }), 400);
  assert.equal((await t.p('DELETE', `/allocations/${c}`)).status, 204);
});

test('capacity, constraints, unknown providers and classes are refused; over capacity may shrink', async () => {
  const rp = await t.provider('cap-rp', { inventories: { VCPU: { total: 4, reserved: 1, allocation_ratio: 2.0, max_unit: 4 }, MEMORY_MB: { total: 1024, step_size: 256 } } });
  const c = randomUUID();
  assert.equal((await put(c, { [rp]: { VCPU: 4 } })).status, 204);
  const c2 = randomUUID();
  placementError(await put(c2, { [rp]: { VCPU: 3 } }), 409, 'placement.undefined_code'); // 6 capacity, 4 used
  assert.equal((await put(c2, { [rp]: { VCPU: 2 } })).status, 204);
  placementError(await put(randomUUID(), { [rp]: { VCPU: 5 } }), 409);
  placementError(await put(randomUUID(), { [rp]: { MEMORY_MB: 100 } }), 409); // step_size 256
  placementError(await put(randomUUID(), { [rp]: { DISK_GB: 1 } }), 409); // no such inventory
  placementError(await put(randomUUID(), { [rp]: { CUSTOM_NOPE: 1 } }), 400);
  placementError(await put(randomUUID(), { [randomUUID()]: { VCPU: 1 } }), 400);
  placementError(await put(randomUUID(), { [rp]: { VCPU: 0 } }), 400);
  // Shrink capacity below usage, then a smaller replacement is still accepted.
  const gen = (await t.p('GET', `/resource_providers/${rp}`)).body.generation;
  assert.equal((await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: gen, inventories: { VCPU: { total: 2 }, MEMORY_MB: { total: 1024 } } } })).status, 200);
  assert.equal((await put(c, { [rp]: { VCPU: 1 } }, { consumer_generation: 1 })).status, 204, 'over capacity but no worse');
  placementError(await put(c, { [rp]: { VCPU: 2 } }, { consumer_generation: 2 }), 409);
  for (const x of [c, c2]) assert.equal((await t.p('DELETE', `/allocations/${x}`)).status, 204);
});

test('POST /allocations moves allocations between consumers atomically', async () => {
  const src = await t.provider('move-src', { inventories: compute });
  const dst = await t.provider('move-dst', { inventories: { ...compute, VCPU: { total: 2 } } });
  const instance = randomUUID();
  const migration = randomUUID();
  assert.equal((await put(instance, { [src]: { VCPU: 2, MEMORY_MB: 1024 } })).status, 204);
  const body = (dstVcpu: number) => ({
    [instance]: { allocations: { [dst]: { resources: { VCPU: dstVcpu, MEMORY_MB: 1024 } } }, project_id: 'proj-a', user_id: 'user-a', consumer_generation: 1, consumer_type: 'INSTANCE' },
    [migration]: { allocations: { [src]: { resources: { VCPU: 2, MEMORY_MB: 1024 } } }, project_id: 'proj-a', user_id: 'user-a', consumer_generation: null, consumer_type: 'MIGRATION' },
  });
  placementError(await t.p('POST', '/allocations', { body: body(3) }), 409); // dst too small: nothing changes
  assert.deepEqual(Object.keys((await t.p('GET', `/allocations/${instance}`)).body.allocations), [src]);
  assert.deepEqual((await t.p('GET', `/allocations/${migration}`)).body, { allocations: {} });
  assert.equal((await t.p('POST', '/allocations', { body: body(2) })).status, 204);
  assert.deepEqual(Object.keys((await t.p('GET', `/allocations/${instance}`)).body.allocations), [dst]);
  assert.equal((await t.p('GET', `/allocations/${migration}`)).body.consumer_type, 'MIGRATION');
  placementError(await t.p('POST', '/allocations', { body: body(2), version: '1.12' }), 404);
  // Usages: per project, per user, by consumer type.
  const u = await t.p('GET', '/usages?project_id=proj-a', { version: '1.37' });
  assert.deepEqual(u.body, { usages: { MEMORY_MB: 2048, VCPU: 4 } });
  const typed = await t.p('GET', '/usages?project_id=proj-a&user_id=user-a');
  assert.deepEqual(typed.body.usages, { INSTANCE: { MEMORY_MB: 1024, VCPU: 2, consumer_count: 1 }, MIGRATION: { MEMORY_MB: 1024, VCPU: 2, consumer_count: 1 } });
  assert.deepEqual((await t.p('GET', '/usages?project_id=proj-a&consumer_type=all')).body.usages, { all: { MEMORY_MB: 2048, VCPU: 4, consumer_count: 2 } });
  assert.deepEqual((await t.p('GET', '/usages?project_id=nobody')).body.usages, {});
  placementError(await t.p('GET', '/usages'), 400);
  placementError(await t.p('GET', '/usages?project_id=p', { version: '1.8' }), 404);
  for (const x of [instance, migration]) assert.equal((await t.p('DELETE', `/allocations/${x}`)).status, 204);
});

test('two schedulers claiming the last capacity over HTTP: exactly one wins', async () => {
  const rp = await t.provider('race-rp', { inventories: { VCPU: { total: 4 }, MEMORY_MB: { total: 4096 } } });
  const claims = Array.from({ length: 8 }, () => put(randomUUID(), { [rp]: { VCPU: 2, MEMORY_MB: 1024 } }));
  const results = await Promise.all(claims);
  assert.equal(results.filter((r) => r.status === 204).length, 2, results.map((r) => r.status).join(','));
  for (const r of results.filter((x) => x.status !== 204)) placementError(r, 409);
  assert.deepEqual((await t.p('GET', `/resource_providers/${rp}/usages`)).body.usages, { MEMORY_MB: 2048, VCPU: 4 });
});

test('POST /reshaper moves inventory and its allocations to a child provider atomically', async () => {
  const cn = await t.provider('reshape-cn', { inventories: { VCPU: { total: 8 }, VGPU: { total: 2 } } });
  const gpu = await t.provider('reshape-gpu', { parent: cn });
  const c = randomUUID();
  assert.equal((await put(c, { [cn]: { VCPU: 1, VGPU: 1 } })).status, 204);
  const gen = async (rp: string) => (await t.p('GET', `/resource_providers/${rp}`)).body.generation;
  const body = async (vgpuOnChild: number) => ({
    inventories: {
      [cn]: { resource_provider_generation: await gen(cn), inventories: { VCPU: { total: 8 } } },
      [gpu]: { resource_provider_generation: await gen(gpu), inventories: { VGPU: { total: 2 } } },
    },
    allocations: { [c]: { allocations: { [cn]: { resources: { VCPU: 1 } }, [gpu]: { resources: { VGPU: vgpuOnChild } } }, project_id: 'proj-a', user_id: 'user-a', consumer_generation: 1, consumer_type: 'INSTANCE' } },
  });
  placementError(await t.p('POST', '/reshaper', { body: await body(3) }), 409); // too much on the child: nothing moves
  assert.deepEqual(Object.keys((await t.p('GET', `/resource_providers/${cn}/inventories`)).body.inventories).sort(), ['VCPU', 'VGPU']);
  const stale = await body(1);
  stale.inventories[cn]!.resource_provider_generation -= 1;
  placementError(await t.p('POST', '/reshaper', { body: stale }), 409, 'placement.concurrent_update');
  placementError(await t.p('POST', '/reshaper', { body: await body(1), version: '1.29' }), 404);
  assert.equal((await t.p('POST', '/reshaper', { body: await body(1) })).status, 204);
  assert.deepEqual((await t.p('GET', `/resource_providers/${cn}/inventories`)).body.inventories.VGPU, undefined);
  assert.deepEqual((await t.p('GET', `/resource_providers/${gpu}/usages`)).body.usages, { VGPU: 1 });
  assert.deepEqual((await t.p('GET', `/allocations/${c}`)).body.allocations[gpu].resources, { VGPU: 1 });
  assert.equal((await t.p('DELETE', `/allocations/${c}`)).status, 204);
});
