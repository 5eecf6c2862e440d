// PlacementPort over placement's REST API through the shared client (src/lib/clients/placement.ts),
// with compute's service token: what Nova's report client does for the scheduler and agents.
import { Conflict } from '../../../lib/errors.ts';
import { PlacementClient } from '../../../lib/clients/placement.ts';
import type { Endpoints } from '../service/endpoints.ts';
import type { Allocations, CandidateQuery, Candidates, ConsumerAllocations, PlacementPort } from './placement-port.ts';

const flat = (a: Allocations) => Object.fromEntries(Object.entries(a).map(([rp, v]) => [rp, v.resources]));

export function placementOverHttp(endpoints: Endpoints, fetchImpl?: typeof fetch): PlacementPort {
  let client: PlacementClient | undefined;
  let base: string | undefined;
  // The URL may only become known after start (all-in-one on port 0): build the client lazily.
  const c = async (): Promise<PlacementClient> => {
    const url = await endpoints.url('placement');
    if (!client || url !== base) {
      base = url;
      client = new PlacementClient({ baseUrl: url, token: () => endpoints.serviceToken(), ...(fetchImpl ? { fetch: fetchImpl } : {}) });
    }
    return client;
  };
  return {
    async ensureProvider(uuid, name) { await (await c()).ensureProvider({ uuid, name }); },
    async deleteProvider(uuid) { await (await c()).deleteProvider(uuid); },
    async setInventory(uuid, inventories) { await (await c()).setInventories(uuid, inventories); },
    async setTraits(uuid, traits) { await (await c()).setTraits(uuid, traits); },
    async setAggregates(uuid, aggregates) { await (await c()).setAggregates(uuid, aggregates); },
    async candidates(q: CandidateQuery): Promise<Candidates> {
      const forbidden = (q.required ?? []).filter((t) => t.startsWith('!')).map((t) => t.slice(1));
      const required = (q.required ?? []).filter((t) => !t.startsWith('!'));
      return (await c()).allocationCandidates({ resources: q.resources, required, forbidden, memberOf: q.memberOf, limit: q.limit });
    },
    async claim(consumer, allocations, owner, consumerGeneration) {
      try {
        await (await c()).claim({ consumer, allocations: flat(allocations), projectId: owner.projectId, userId: owner.userId, consumerGeneration });
        return true;
      } catch (err) {
        if (err instanceof Conflict) return false;
        throw err;
      }
    },
    async allocations(consumer): Promise<ConsumerAllocations> {
      const a = await (await c()).getAllocations(consumer);
      const allocations: Allocations = {};
      for (const [rp, v] of Object.entries(a.allocations ?? {})) allocations[rp] = { resources: v.resources };
      return { allocations, consumer_generation: a.consumer_generation ?? null, project_id: a.project_id, user_id: a.user_id };
    },
    async deleteAllocations(consumer) { await (await c()).deleteAllocations(consumer); },
    async moveAllocations(from, to, owner, toType = 'INSTANCE') {
      const client0 = await c();
      const src = await client0.getAllocations(from);
      const dst = await client0.getAllocations(to);
      try {
        await client0.setAllocations({
          [from]: { allocations: {}, project_id: owner.projectId, user_id: owner.userId, consumer_generation: src.consumer_generation ?? null },
          [to]: { allocations: flat(src.allocations as Allocations), project_id: owner.projectId, user_id: owner.userId, consumer_generation: dst.consumer_generation ?? null, consumer_type: toType },
        });
        return true;
      } catch (err) {
        if (err instanceof Conflict) return false;
        throw err;
      }
    },
    async providerAllocations(uuid) {
      const r = await (await c()).providerAllocations(uuid);
      return Object.fromEntries(Object.entries(r.allocations).map(([consumer, v]) => [consumer, { resources: v.resources }]));
    },
  };
}
