// The placement REST client (src/lib/clients/placement.ts) against a real cloud: what the compute
// scheduler and agents do with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPlacementCloud, type PlacementTestCloud } from './helpers.ts';
import { PlacementClient, isConcurrentUpdate } from '../../src/lib/clients/placement.ts';
import { Conflict, NotFound, Unauthorized } from '../../src/lib/errors.ts';

let t: PlacementTestCloud;
let client: PlacementClient;
before(async () => {
  t = await startPlacementCloud();
  let calls = 0;
  client = new PlacementClient({ baseUrl: `${t.c.url}/placement/`, token: async () => { calls++; return t.admin; } });
  assert.equal(calls, 0, 'the token function is called per request, not up front');
});
after(() => t.c.stop());

test('ensureProvider creates once, then converges inventories, traits and aggregates', async () => {
  const uuid = randomUUID();
  const agg = randomUUID();
  const spec = { uuid, name: 'client-cn1', inventories: { VCPU: { total: 8, allocation_ratio: 4 }, MEMORY_MB: { total: 4096, reserved: 512 } }, traits: ['COMPUTE_STATUS_DISABLED', 'CUSTOM_CLIENT'], aggregates: [agg] };
  const first = await client.ensureProvider(spec);
  assert.equal(first.uuid, uuid);
  const again = await client.ensureProvider(spec);
  assert.equal(again.generation, first.generation, 'nothing to change: no write');
  const changed = await client.ensureProvider({ ...spec, inventories: { VCPU: { total: 16 } }, traits: ['CUSTOM_CLIENT'] });
  assert.ok(changed.generation > first.generation);
  assert.deepEqual(Object.keys((await client.getInventories(uuid)).inventories), ['VCPU']);
  assert.deepEqual((await client.getTraits(uuid)).traits, ['CUSTOM_CLIENT']);
  assert.deepEqual((await client.getAggregates(uuid)).aggregates, [agg]);
  // Two agents ensuring the same provider at once both succeed.
  const twin = randomUUID();
  const both = await Promise.all([client.ensureProvider({ uuid: twin, name: 'client-twin', inventories: { VCPU: { total: 1 } } }), client.ensureProvider({ uuid: twin, name: 'client-twin', inventories: { VCPU: { total: 1 } } })]);
  assert.equal(both[0].uuid, twin);
  assert.equal(await client.getProvider(randomUUID()), undefined);
});

test('candidates, claim, capacity conflict, usages, delete', async () => {
  const agg = randomUUID();
  const rp = (await client.ensureProvider({ uuid: randomUUID(), name: 'client-cn2', inventories: { VCPU: { total: 2 }, MEMORY_MB: { total: 2048 } }, traits: ['HW_CPU_X86_AVX2'], aggregates: [agg] })).uuid;
  const found = await client.allocationCandidates({ resources: { VCPU: 2, MEMORY_MB: 1024 }, required: ['HW_CPU_X86_AVX2'], forbidden: ['COMPUTE_STATUS_DISABLED'], memberOf: [[agg]], limit: 10 });
  assert.equal(found.allocation_requests.length, 1);
  assert.equal(found.provider_summaries[rp]!.resources.VCPU!.capacity, 2);
  const consumer = randomUUID();
  const project = randomUUID();
  await client.claim({ consumer, allocations: { [rp]: { VCPU: 2, MEMORY_MB: 1024 } }, projectId: project, userId: 'u' });
  const mine = await client.getAllocations(consumer);
  assert.equal(mine.consumer_generation, 1);
  assert.equal(mine.consumer_type, 'INSTANCE');
  await assert.rejects(client.claim({ consumer: randomUUID(), allocations: { [rp]: { VCPU: 1 } }, projectId: project, userId: 'u' }),
    (err) => err instanceof Conflict && err.kwargs.errorCode === 'placement.undefined_code' && !isConcurrentUpdate(err));
  await assert.rejects(client.claim({ consumer, allocations: { [rp]: { VCPU: 1 } }, projectId: project, userId: 'u', consumerGeneration: null }), (err) => isConcurrentUpdate(err));
  await client.claim({ consumer, allocations: { [rp]: { VCPU: 1, MEMORY_MB: 512 } }, projectId: project, userId: 'u' }); // reads the generation itself
  assert.deepEqual((await client.usages(project)).usages, { INSTANCE: { VCPU: 1, MEMORY_MB: 512, consumer_count: 1 } });
  assert.deepEqual((await client.providerUsages(rp)).usages, { VCPU: 1, MEMORY_MB: 512 });
  assert.equal(await client.deleteAllocations(consumer), true);
  assert.equal(await client.deleteAllocations(consumer), false);
  assert.deepEqual((await client.providerUsages(rp)).usages, { VCPU: 0, MEMORY_MB: 0 });
});

test('setAllocations moves a claim atomically; errors carry status and code', async () => {
  const a = (await client.ensureProvider({ uuid: randomUUID(), name: 'client-src', inventories: { VCPU: { total: 4 } } })).uuid;
  const b = (await client.ensureProvider({ uuid: randomUUID(), name: 'client-dst', inventories: { VCPU: { total: 4 } } })).uuid;
  const instance = randomUUID();
  const migration = randomUUID();
  await client.claim({ consumer: instance, allocations: { [a]: { VCPU: 2 } }, projectId: 'p', userId: 'u' });
  await client.setAllocations({
    [instance]: { allocations: { [b]: { VCPU: 2 } }, project_id: 'p', user_id: 'u', consumer_generation: 1 },
    [migration]: { allocations: { [a]: { VCPU: 2 } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'MIGRATION' },
  });
  assert.deepEqual(Object.keys((await client.getAllocations(instance)).allocations), [b]);
  await assert.rejects(client.request('GET', `/resource_providers/${randomUUID()}`), NotFound);
  const anonymous = new PlacementClient({ baseUrl: `${t.c.url}/placement`, token: () => 'not-a-token' });
  await assert.rejects(anonymous.listProviders(), Unauthorized);
  const versions = await anonymous.version();
  assert.equal(versions.versions[0]!.max_version, '1.39');
});
