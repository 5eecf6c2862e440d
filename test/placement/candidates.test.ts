// GET /allocation_candidates: flat hosts, traits (required, forbidden, any-of), aggregates,
// in_tree, limit, granular groups with group_policy, nested trees, sharing providers, and the
// body shape per microversion. Each test builds its providers under unique aggregates or trees
// so the tests do not see each other's providers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPlacementCloud, placementError, compute, type PlacementTestCloud } from './helpers.ts';

let t: PlacementTestCloud;
before(async () => { t = await startPlacementCloud(); });
after(() => t.c.stop());

const candidates = async (qs: string, version?: string) => {
  const r = await t.p('GET', `/allocation_candidates?${qs}`, { version });
  assert.equal(r.status, 200, r.text);
  return r.body as { allocation_requests: any[]; provider_summaries: Record<string, any> };
};
/** The provider sets of each allocation request, sorted, for comparison. */
const providerSets = (body: { allocation_requests: any[] }) =>
  body.allocation_requests.map((a) => Object.keys(a.allocations).sort().join('+')).sort();

test('flat compute hosts: capacity, traits, forbidden traits, any-of, member_of, limit', async () => {
  const agg = randomUUID();
  const big = await t.provider('ac-big', { inventories: { ...compute, VCPU: { total: 32 } }, traits: ['HW_CPU_X86_AVX2', 'STORAGE_DISK_SSD'], aggregates: [agg] });
  const small = await t.provider('ac-small', { inventories: { ...compute, VCPU: { total: 2 } }, traits: ['HW_CPU_X86_AVX2'], aggregates: [agg] });
  const other = await t.provider('ac-disabled', { inventories: compute, traits: ['COMPUTE_STATUS_DISABLED'], aggregates: [agg] });
  const q = `member_of=${agg}&resources=VCPU:1,MEMORY_MB:512,DISK_GB:10`;

  const all = await candidates(q);
  assert.deepEqual(providerSets(all), [big, small, other].sort());
  const one = all.allocation_requests.find((a) => a.allocations[big]);
  assert.deepEqual(one, { allocations: { [big]: { resources: { VCPU: 1, MEMORY_MB: 512, DISK_GB: 10 } } }, mappings: { '': [big] } });
  assert.deepEqual(all.provider_summaries[big], {
    resources: { VCPU: { capacity: 32, used: 0 }, MEMORY_MB: { capacity: 16384, used: 0 }, DISK_GB: { capacity: 100, used: 0 } },
    traits: ['HW_CPU_X86_AVX2', 'STORAGE_DISK_SSD'], parent_provider_uuid: null, root_provider_uuid: big,
  });
  assert.deepEqual(providerSets(await candidates(`member_of=${agg}&resources=VCPU:4`)), [big, other].sort());
  assert.deepEqual(providerSets(await candidates(`${q}&required=HW_CPU_X86_AVX2`)), [big, small].sort());
  assert.deepEqual(providerSets(await candidates(`${q}&required=!COMPUTE_STATUS_DISABLED`)), [big, small].sort());
  assert.deepEqual(providerSets(await candidates(`${q}&required=HW_CPU_X86_AVX2,!STORAGE_DISK_SSD`)), [small]);
  assert.deepEqual(providerSets(await candidates(`${q}&required=in:STORAGE_DISK_SSD,COMPUTE_STATUS_DISABLED`)), [big, other].sort());
  assert.deepEqual(providerSets(await candidates(`${q}&required=HW_CPU_X86_AVX2&required=STORAGE_DISK_SSD`)), [big]);
  assert.deepEqual(providerSets(await candidates(`${q}&member_of=!${agg}`)), []);
  assert.deepEqual(providerSets(await candidates(`resources=VCPU:1&member_of=${randomUUID()}`)), []);
  const limited = await candidates(`${q}&limit=2`);
  assert.equal(limited.allocation_requests.length, 2);
  assert.deepEqual(Object.keys(limited.provider_summaries).sort(), providerSets(limited).sort(), 'summaries only for the kept candidates');

  // Usage counts: a claim reduces what is left.
  const c = randomUUID();
  const claim = await t.p('PUT', `/allocations/${c}`, { body: { allocations: { [small]: { resources: { VCPU: 2 } } }, project_id: 'p', user_id: 'u', consumer_generation: null, consumer_type: 'INSTANCE' } });
  assert.equal(claim.status, 204);
  const after = await candidates(q);
  assert.deepEqual(providerSets(after), [big, other].sort());
  assert.equal((await t.p('DELETE', `/allocations/${c}`)).status, 204);
});

test('body shape per microversion: 1.10 list form, requested classes only before 1.27, no traits before 1.17', async () => {
  const agg = randomUUID();
  const rp = await t.provider('ac-shape', { inventories: compute, traits: ['HW_CPU_X86_SSE'], aggregates: [agg] });
  const v110 = await candidates('resources=VCPU:1,MEMORY_MB:1', '1.10');
  const mine = v110.allocation_requests.find((a) => a.allocations.some((x: any) => x.resource_provider.uuid === rp));
  assert.deepEqual(mine, { allocations: [{ resource_provider: { uuid: rp }, resources: { VCPU: 1, MEMORY_MB: 1 } }] });
  assert.deepEqual(v110.provider_summaries[rp], { resources: { VCPU: { capacity: 8, used: 0 }, MEMORY_MB: { capacity: 16384, used: 0 } } });
  const v121 = await candidates(`resources=VCPU:1&member_of=${agg}`, '1.21');
  assert.deepEqual(v121.allocation_requests, [{ allocations: { [rp]: { resources: { VCPU: 1 } } } }]);
  assert.deepEqual(v121.provider_summaries[rp], { resources: { VCPU: { capacity: 8, used: 0 } }, traits: ['HW_CPU_X86_SSE'] });
  const v127 = await candidates(`resources=VCPU:1&member_of=${agg}`, '1.27');
  assert.deepEqual(Object.keys(v127.provider_summaries[rp].resources).sort(), ['DISK_GB', 'MEMORY_MB', 'VCPU']);
  placementError(await t.p('GET', '/allocation_candidates?resources=VCPU:1', { version: '1.9' }), 404);
  placementError(await t.p('GET', '/allocation_candidates?resources=VCPU:1&limit=0'), 400);
  placementError(await t.p('GET', '/allocation_candidates?resources=NOPE:1'), 400);
  placementError(await t.p('GET', '/allocation_candidates?resources=VCPU:1&required=CUSTOM_NOPE'), 400);
  placementError(await t.p('GET', '/allocation_candidates?resources=VCPU:1&required=!HW_CPU_X86_SSE', { version: '1.21' }), 400);
  placementError(await t.p('GET', '/allocation_candidates?resources=VCPU:1&required=HW_CPU_X86_SSE,!HW_CPU_X86_SSE'), 400);
  placementError(await t.p('GET', '/allocation_candidates?required=HW_CPU_X86_SSE'), 400);
  placementError(await t.p('GET', '/allocation_candidates?resources1=VCPU:1&resources2=VCPU:1'), 400); // group_policy needed
  placementError(await t.p('GET', '/allocation_candidates?resources=VCPU:1&group_policy=sometimes'), 400);
});

test('nested trees: the unsuffixed group spreads over a tree; granular groups take one provider each', async () => {
  const agg = randomUUID();
  const cn = await t.provider('ac-cn', { inventories: { VCPU: { total: 8 }, MEMORY_MB: { total: 8192 } }, aggregates: [agg] });
  const pf1 = await t.provider('ac-pf1', { parent: cn, inventories: { SRIOV_NET_VF: { total: 4 } }, traits: ['CUSTOM_PHYSNET_A'] });
  const pf2 = await t.provider('ac-pf2', { parent: cn, inventories: { SRIOV_NET_VF: { total: 4 } }, traits: ['CUSTOM_PHYSNET_B'] });
  const tree = `in_tree=${cn}`;

  const spread = await candidates(`${tree}&resources=VCPU:1,SRIOV_NET_VF:1`);
  assert.deepEqual(providerSets(spread), [[cn, pf1].sort().join('+'), [cn, pf2].sort().join('+')].sort());
  assert.deepEqual(Object.keys(spread.provider_summaries).sort(), [cn, pf1, pf2].sort());
  assert.equal(spread.provider_summaries[pf1].parent_provider_uuid, cn);
  assert.equal(spread.provider_summaries[pf1].root_provider_uuid, cn);
  assert.deepEqual(providerSets(await candidates(`${tree}&resources=VCPU:1,SRIOV_NET_VF:1&required=CUSTOM_PHYSNET_B`)), [[cn, pf2].sort().join('+')]);
  assert.deepEqual(providerSets(await candidates(`member_of=${agg}&resources=VCPU:1,SRIOV_NET_VF:1`)).length, 2, 'aggregates on the root cover its tree');
  assert.deepEqual(providerSets(await candidates(`member_of=${agg}&resources=VCPU:1,SRIOV_NET_VF:1`, '1.28')), [], 'not nested-aware before 1.29');
  assert.deepEqual(providerSets(await candidates(`member_of=${agg}&resources=VCPU:1`, '1.28')), [cn]);

  // Two granular VF groups: with isolate they must land on different PFs.
  const g = `resources=VCPU:1&resources_A=SRIOV_NET_VF:1&resources_B=SRIOV_NET_VF:1&in_tree_A=${cn}&in_tree_B=${cn}&in_tree=${cn}`;
  const none = await candidates(`${g}&group_policy=none`);
  assert.equal(none.allocation_requests.length, 4);
  const same = none.allocation_requests.find((a) => a.mappings._A[0] === pf1 && a.mappings._B[0] === pf1);
  assert.deepEqual(same.allocations[pf1].resources, { SRIOV_NET_VF: 2 }, 'amounts consolidated on one provider');
  const isolate = await candidates(`${g}&group_policy=isolate`);
  assert.equal(isolate.allocation_requests.length, 2);
  for (const a of isolate.allocation_requests) assert.notEqual(a.mappings._A[0], a.mappings._B[0]);
  const physnet = await candidates(`resources=VCPU:1&resources1=SRIOV_NET_VF:1&required1=CUSTOM_PHYSNET_A&in_tree=${cn}&group_policy=none`);
  assert.deepEqual(physnet.allocation_requests.map((a) => a.mappings), [{ '': [cn], 1: [pf1] }]);
  // Capacity of the consolidated request is checked: 4 VFs each, asking 3+3 on one PF fails.
  const big = await candidates(`resources=VCPU:1&resources_A=SRIOV_NET_VF:3&resources_B=SRIOV_NET_VF:3&in_tree=${cn}&group_policy=none`);
  assert.equal(big.allocation_requests.length, 2);
  // root_required filters on the root's traits.
  assert.deepEqual(providerSets(await candidates(`${tree}&resources=VCPU:1&root_required=!COMPUTE_STATUS_DISABLED`)), [cn]);
  assert.deepEqual(providerSets(await candidates(`${tree}&resources=VCPU:1&root_required=COMPUTE_STATUS_DISABLED`)), []);
});

test('sharing providers: DISK_GB from a shared pool anchored on each compute node of the aggregate', async () => {
  const agg = randomUUID();
  const cn1 = await t.provider('ac-share-cn1', { inventories: { VCPU: { total: 4 }, MEMORY_MB: { total: 4096 } }, aggregates: [agg] });
  const cn2 = await t.provider('ac-share-cn2', { inventories: { VCPU: { total: 4 }, MEMORY_MB: { total: 4096 } }, aggregates: [agg] });
  const nfs = await t.provider('ac-share-nfs', { inventories: { DISK_GB: { total: 1000 } }, traits: ['MISC_SHARES_VIA_AGGREGATE'], aggregates: [agg] });
  const body = await candidates(`resources=VCPU:1,DISK_GB:50&member_of=${agg}`);
  assert.deepEqual(providerSets(body), [[cn1, nfs].sort().join('+'), [cn2, nfs].sort().join('+')].sort());
  assert.deepEqual(Object.keys(body.provider_summaries).sort(), [cn1, cn2, nfs].sort());
  // Only disk asked: the pool alone, once (the same request for every anchor collapses).
  assert.deepEqual(providerSets(await candidates(`resources=DISK_GB:50&member_of=${agg}`)), [nfs]);
});

test('same_subtree (1.36) and resourceless groups', async () => {
  const cn = await t.provider('ac-st-cn', { inventories: { VCPU: { total: 4 } } });
  const numa0 = await t.provider('ac-st-numa0', { parent: cn, inventories: { MEMORY_MB: { total: 1024 } } });
  const pf0 = await t.provider('ac-st-pf0', { parent: numa0, inventories: { SRIOV_NET_VF: { total: 2 } } });
  const numa1 = await t.provider('ac-st-numa1', { parent: cn, inventories: { MEMORY_MB: { total: 1024 } } });
  await t.provider('ac-st-pf1', { parent: numa1, inventories: { SRIOV_NET_VF: { total: 2 } } });
  const qs = `in_tree=${cn}&resources=VCPU:1&resources_MEM=MEMORY_MB:512&resources_NET=SRIOV_NET_VF:1&in_tree_MEM=${cn}&in_tree_NET=${cn}&group_policy=none`;
  assert.equal((await candidates(qs)).allocation_requests.length, 4);
  const st = await candidates(`${qs}&same_subtree=_MEM,_NET`);
  assert.equal(st.allocation_requests.length, 2);
  const pinned = st.allocation_requests.find((a) => a.mappings._MEM[0] === numa0);
  assert.deepEqual(pinned.mappings._NET, [pf0]);
  placementError(await t.p('GET', `/allocation_candidates?resources=VCPU:1&required_X=CUSTOM_A`), 400);
  placementError(await t.p('GET', `/allocation_candidates?${qs}&same_subtree=_MEM,_NOPE`), 400);
});

test('changes to a provider already searched (aggregates, traits, inventory classes, tree) show in the next search', async () => {
  const rp = await t.provider('ac-change', { inventories: { VCPU: { total: 4 } } });
  const agg = randomUUID();
  const find = async (qs: string) => providerSets(await candidates(qs)).filter((s) => s.includes(rp));
  assert.deepEqual(await find('resources=VCPU:1'), [rp]);
  assert.deepEqual(await find(`resources=VCPU:1&member_of=${agg}`), []);
  let gen = (await t.p('GET', `/resource_providers/${rp}`)).body.generation;
  gen = (await t.p('PUT', `/resource_providers/${rp}/aggregates`, { body: { aggregates: [agg], resource_provider_generation: gen } })).body.resource_provider_generation;
  assert.deepEqual(await find(`resources=VCPU:1&member_of=${agg}`), [rp]);
  gen = (await t.p('PUT', `/resource_providers/${rp}/traits`, { body: { traits: ['MISC_SHARES_VIA_AGGREGATE'], resource_provider_generation: gen } })).body.resource_provider_generation;
  assert.deepEqual(await find('resources=VCPU:1&required=MISC_SHARES_VIA_AGGREGATE'), [rp]);
  assert.equal((await t.p('PUT', `/resource_providers/${rp}/inventories`, { body: { resource_provider_generation: gen, inventories: { DISK_GB: { total: 10 } } } })).status, 200);
  assert.deepEqual(await find('resources=VCPU:1'), []);
  assert.deepEqual(await find(`resources=DISK_GB:1&member_of=${agg}`), [rp]);
  const parent = await t.provider('ac-change-parent', { inventories: { VCPU: { total: 4 } } });
  assert.equal((await t.p('PUT', `/resource_providers/${rp}`, { body: { name: 'ac-change', parent_provider_uuid: parent } })).status, 200);
  assert.deepEqual(providerSets(await candidates(`in_tree=${parent}&resources=VCPU:1,DISK_GB:1`)), [[parent, rp].sort().join('+')]);
  assert.equal((await t.p('DELETE', `/resource_providers/${rp}`)).status, 204);
  assert.deepEqual(await find(`resources=DISK_GB:1&member_of=${agg}`), []);
});
