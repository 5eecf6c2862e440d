// A small in-memory placement (REST, prefix /placement) for compute tests until the real one is
// registered: providers with generations, inventories, aggregates, traits, allocations with
// consumer generations, and allocation candidates (capacity = (total - reserved) * ratio).
import { Conflict, NotFound } from '../../../src/lib/errors.ts';
import { PUBLIC, reply, type Route } from '../../../src/lib/http/routes.ts';
import { defineService, type ServiceDefinition } from '../../../src/lib/service.ts';

interface Inv { total: number; reserved: number; allocation_ratio: number; max_unit: number }
interface Rp { uuid: string; name: string; generation: number; inventories: Record<string, Inv>; aggregates: string[]; traits: string[] }
type Alloc = Record<string, { resources: Record<string, number> }>;

export function fakePlacement(): ServiceDefinition & { state: { rps: Map<string, Rp>; allocs: Map<string, { allocations: Alloc; generation: number; project_id?: string; user_id?: string }> } } {
  const rps = new Map<string, Rp>();
  const allocs = new Map<string, { allocations: Alloc; generation: number; project_id?: string; user_id?: string }>();
  const used = (rp: string, rc: string) => [...allocs.values()].reduce((n, a) => n + (a.allocations[rp]?.resources[rc] ?? 0), 0);
  const get = (uuid: string) => { const rp = rps.get(uuid); if (!rp) throw new NotFound(`No resource provider with uuid ${uuid} found`); return rp; };
  const gen = (rp: Rp, g: number) => { if (g !== rp.generation) throw new Conflict('resource provider generation conflict'); rp.generation++; };
  const fits = (rp: string, res: Record<string, number>, ignore?: string) => Object.entries(res).every(([rc, n]) => {
    const inv = rps.get(rp)?.inventories[rc];
    if (!inv) return false;
    const u = [...allocs.entries()].filter(([c]) => c !== ignore).reduce((m, [, a]) => m + (a.allocations[rp]?.resources[rc] ?? 0), 0);
    return n <= inv.max_unit && u + n <= (inv.total - inv.reserved) * inv.allocation_ratio;
  });
  const routes: Route[] = [
    { method: 'GET', path: '/', policy: PUBLIC, handler: () => ({ versions: [{ id: 'v1.0', max_version: '1.39', min_version: '1.0', status: 'CURRENT', links: [] }] }) },
    { method: 'GET', path: '/resource_providers/:uuid', policy: PUBLIC, handler: (req) => { const rp = get(req.params.uuid!); return { uuid: rp.uuid, name: rp.name, generation: rp.generation }; } },
    {
      method: 'POST', path: '/resource_providers', policy: PUBLIC,
      handler: (req) => {
        const { uuid, name } = req.body;
        if (rps.has(uuid) || [...rps.values()].some((r) => r.name === name)) throw new Conflict('exists');
        rps.set(uuid, { uuid, name, generation: 0, inventories: {}, aggregates: [], traits: [] });
        return { uuid, name, generation: 0 };
      },
    },
    { method: 'DELETE', path: '/resource_providers/:uuid', policy: PUBLIC, handler: (req) => { get(req.params.uuid!); rps.delete(req.params.uuid!); return undefined; } },
    { method: 'PUT', path: '/resource_providers/:uuid/inventories', policy: PUBLIC, handler: (req) => { const rp = get(req.params.uuid!); gen(rp, req.body.resource_provider_generation); rp.inventories = req.body.inventories; return { inventories: rp.inventories, resource_provider_generation: rp.generation }; } },
    { method: 'PUT', path: '/resource_providers/:uuid/traits', policy: PUBLIC, handler: (req) => { const rp = get(req.params.uuid!); gen(rp, req.body.resource_provider_generation); rp.traits = req.body.traits; return { traits: rp.traits, resource_provider_generation: rp.generation }; } },
    { method: 'PUT', path: '/resource_providers/:uuid/aggregates', policy: PUBLIC, handler: (req) => { const rp = get(req.params.uuid!); gen(rp, req.body.resource_provider_generation); rp.aggregates = req.body.aggregates; return { aggregates: rp.aggregates, resource_provider_generation: rp.generation }; } },
    {
      method: 'GET', path: '/resource_providers/:uuid/allocations', policy: PUBLIC,
      handler: (req) => {
        const rp = get(req.params.uuid!);
        const out: Alloc = {};
        for (const [c, a] of allocs) if (a.allocations[rp.uuid]) out[c] = a.allocations[rp.uuid]!;
        return { allocations: out, resource_provider_generation: rp.generation };
      },
    },
    {
      method: 'GET', path: '/allocation_candidates', policy: PUBLIC,
      handler: (req) => {
        const res = Object.fromEntries(String(req.query.resources).split(',').map((p) => { const [rc, n] = p.split(':'); return [rc!, Number(n)]; }));
        const memberOf = [req.query.member_of ?? []].flat().map((m: string) => m.replace(/^in:/, '').split(','));
        const cands = [...rps.values()].filter((rp) => fits(rp.uuid, res) && memberOf.every((any) => any.some((a) => rp.aggregates.includes(a))));
        const limited = req.query.limit ? cands.slice(0, Number(req.query.limit)) : cands;
        return {
          allocation_requests: limited.map((rp) => ({ allocations: { [rp.uuid]: { resources: res } } })),
          provider_summaries: Object.fromEntries(limited.map((rp) => [rp.uuid, { resources: Object.fromEntries(Object.entries(rp.inventories).map(([rc, inv]) => [rc, { capacity: (inv.total - inv.reserved) * inv.allocation_ratio, used: used(rp.uuid, rc) }])), traits: rp.traits }])),
        };
      },
    },
    {
      method: 'GET', path: '/allocations/:consumer', policy: PUBLIC,
      handler: (req) => {
        const a = allocs.get(req.params.consumer!);
        return a ? { allocations: a.allocations, consumer_generation: a.generation, project_id: a.project_id, user_id: a.user_id } : { allocations: {} };
      },
    },
    {
      method: 'PUT', path: '/allocations/:consumer', policy: PUBLIC,
      handler: (req) => {
        const c = req.params.consumer!;
        const cur = allocs.get(c);
        const want = req.body.consumer_generation ?? null;
        if ((cur ? cur.generation : null) !== want) throw new Conflict('consumer generation conflict');
        for (const [rp, a] of Object.entries(req.body.allocations as Alloc)) if (!rps.has(rp) || !fits(rp, a.resources, c)) throw new Conflict('Unable to allocate inventory');
        allocs.set(c, { allocations: req.body.allocations, generation: (cur?.generation ?? -1) + 1, project_id: req.body.project_id, user_id: req.body.user_id });
        return reply(204);
      },
    },
    { method: 'DELETE', path: '/allocations/:consumer', policy: PUBLIC, handler: (req) => { if (!allocs.delete(req.params.consumer!)) throw new NotFound('No allocations'); return reply(204); } },
    {
      method: 'POST', path: '/allocations', policy: PUBLIC,
      handler: (req) => {
        for (const [c, body] of Object.entries(req.body as Record<string, { allocations: Alloc; consumer_generation: number | null; project_id: string; user_id: string }>)) {
          const cur = allocs.get(c);
          if ((cur ? cur.generation : null) !== (body.consumer_generation ?? null)) throw new Conflict('consumer generation conflict');
        }
        for (const [c, body] of Object.entries(req.body as Record<string, { allocations: Alloc; project_id: string; user_id: string }>)) {
          if (!Object.keys(body.allocations).length) allocs.delete(c);
          else allocs.set(c, { allocations: body.allocations, generation: (allocs.get(c)?.generation ?? -1) + 1, project_id: body.project_id, user_id: body.user_id });
        }
        return reply(204);
      },
    },
  ];
  const def = defineService({
    id: 'placement', prefix: '/placement', catalog: { type: 'placement', name: 'placement', path: '' }, migrations: [],
    async init() { return { routes, faultStyle: 'placement' }; },
  });
  return Object.assign(def, { state: { rps, allocs } });
}
