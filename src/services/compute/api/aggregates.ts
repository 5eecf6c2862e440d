// os-aggregates (admin): host aggregates, zones through their availability_zone metadata, and
// their mirror in placement (a host's provider is in its aggregates' placement aggregates).
import { BadRequest, Conflict, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { Aggregate } from '../db/aggregates.ts';
import type { ComputeDeps } from '../deps.ts';
import { mvAtLeast, pyDatetime } from './common.ts';
import { T, validate } from './validation.ts';

function view(req: ApiRequest, a: Aggregate, full = true): Record<string, unknown> {
  const out: Record<string, unknown> = {
    availability_zone: a.metadata.availability_zone ?? null, created_at: pyDatetime(a.created_at), deleted: false, deleted_at: null,
    id: a.id, name: a.name, updated_at: pyDatetime(a.updated_at),
  };
  if (full) { out.hosts = a.hosts; out.metadata = a.metadata; }
  if (mvAtLeast(req, '2.41')) out.uuid = a.uuid;
  return out;
}

const azName = { ...T.azName };

export function aggregateRoutes(deps: ComputeDeps, invalidateHosts: () => void): Route[] {
  const load = async (req: ApiRequest): Promise<Aggregate> => {
    const id = Number(req.params.aggregate_id);
    const a = Number.isInteger(id) ? await deps.repos.aggregates.get(id) : undefined;
    if (!a) throw new NotFound(`Aggregate ${req.params.aggregate_id} could not be found.`);
    return a;
  };
  /** Mirrors a host's aggregate membership into placement (Nova's report client does the same). */
  const syncPlacement = async (host: string) => {
    const aggs = await deps.repos.aggregates.byHost(host);
    for (const n of await deps.repos.hosts.nodes({ host })) {
      await deps.placement.setAggregates(n.uuid, aggs.map((a) => a.uuid)).catch((err) => deps.log.warn({ err, host }, 'could not update placement aggregates'));
    }
    invalidateHosts();
  };
  /** A host can be in one zone only (InvalidAggregateActionAdd). */
  const checkZoneConflict = async (host: string, zone: string | undefined, except?: number) => {
    if (!zone) return;
    for (const other of await deps.repos.aggregates.byHost(host)) {
      if (other.id === except) continue;
      const z = other.metadata.availability_zone;
      if (z && z !== zone) throw new BadRequest(`Cannot add host to aggregate ${except}. Reason: One or more hosts already in availability zone(s) ['${z}'].`);
    }
  };
  const setZone = async (a: Aggregate, zone: string | null | undefined): Promise<Record<string, string>> => {
    const md = { ...a.metadata };
    if (zone === undefined) return md;
    if (zone === null) { delete md.availability_zone; return md; }
    for (const h of a.hosts) await checkZoneConflict(h, zone, a.id);
    md.availability_zone = zone;
    return md;
  };
  return [
    { method: 'GET', path: '/v2.1/os-aggregates', policy: 'os_compute_api:os-aggregates:index', handler: async (req) => ({ aggregates: (await deps.repos.aggregates.list()).map((a) => view(req, a)) }) },
    {
      method: 'POST', path: '/v2.1/os-aggregates', policy: 'os_compute_api:os-aggregates:create',
      handler: async (req) => {
        validate(req.body, { type: 'object', required: ['aggregate'], additionalProperties: false, properties: { aggregate: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: T.name, availability_zone: { oneOf: [azName, { type: 'null' }] } } } } });
        const { name, availability_zone: zone } = req.body.aggregate;
        if (zone && (await deps.repos.aggregates.list()).some((a) => a.name === zone)) { /* a zone may share a name: allowed */ }
        const a = await deps.repos.aggregates.create(name.trim(), zone ? { availability_zone: zone } : {});
        invalidateHosts();
        return { aggregate: view(req, a, false) };
      },
    },
    { method: 'GET', path: '/v2.1/os-aggregates/:aggregate_id', policy: 'os_compute_api:os-aggregates:show', handler: async (req) => ({ aggregate: view(req, await load(req)) }) },
    {
      method: 'PUT', path: '/v2.1/os-aggregates/:aggregate_id', policy: 'os_compute_api:os-aggregates:update',
      handler: async (req) => {
        validate(req.body, { type: 'object', required: ['aggregate'], additionalProperties: false, properties: { aggregate: { type: 'object', minProperties: 1, additionalProperties: false, properties: { name: T.name, availability_zone: { oneOf: [azName, { type: 'null' }] } } } } });
        const a = await load(req);
        const b = req.body.aggregate;
        const metadata = await setZone(a, b.availability_zone);
        await deps.repos.aggregates.update(a.id, { name: b.name?.trim(), metadata });
        invalidateHosts();
        for (const h of a.hosts) await syncPlacement(h);
        return { aggregate: view(req, (await deps.repos.aggregates.get(a.id))!) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/os-aggregates/:aggregate_id', policy: 'os_compute_api:os-aggregates:delete',
      handler: async (req) => {
        const a = await load(req);
        if (a.hosts.length) throw new BadRequest(`Cannot remove aggregate ${a.id}. Reason: Host aggregate is not empty.`);
        await deps.repos.aggregates.delete(a.id);
        invalidateHosts();
        return reply(200);
      },
    },
    {
      method: 'POST', path: '/v2.1/os-aggregates/:aggregate_id/action', policy: 'os_compute_api:os-aggregates:add_host',
      handler: async (req) => {
        const body = req.body ?? {};
        const a = await load(req);
        if ('add_host' in body || 'remove_host' in body) {
          const add = 'add_host' in body;
          const key = add ? 'add_host' : 'remove_host';
          if (!add) deps.policy.authorize('os_compute_api:os-aggregates:remove_host', {}, req.ctx);
          validate(body, { type: 'object', required: [key], additionalProperties: false, properties: { [key]: { type: 'object', required: ['host'], additionalProperties: false, properties: { host: { type: 'string', minLength: 1, maxLength: 255 } } } } });
          const host = body[key].host;
          if (!(await deps.repos.hosts.services({ host, binary: 'nova-compute' })).length) throw new NotFound(`Compute host ${host} could not be found.`);
          if (add) {
            await checkZoneConflict(host, a.metadata.availability_zone, a.id);
            if (!await deps.repos.aggregates.addHost(a.id, host)) throw new Conflict(`Aggregate ${a.id} already has host ${host}.`);
          } else if (!await deps.repos.aggregates.removeHost(a.id, host)) {
            throw new NotFound(`Cannot remove host ${host} in aggregate ${a.id}`);
          }
          await syncPlacement(host);
          return { aggregate: view(req, (await deps.repos.aggregates.get(a.id))!) };
        }
        if ('set_metadata' in body) {
          deps.policy.authorize('os_compute_api:os-aggregates:set_metadata', {}, req.ctx);
          validate(body, { type: 'object', required: ['set_metadata'], additionalProperties: false, properties: { set_metadata: { type: 'object', required: ['metadata'], additionalProperties: false, properties: {
            metadata: { type: 'object', patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'null'], maxLength: 255 } }, additionalProperties: false } } } } });
          let md = { ...a.metadata };
          for (const [k, v] of Object.entries(body.set_metadata.metadata as Record<string, string | null>)) {
            if (k === 'availability_zone') md = { ...(await setZone({ ...a, metadata: md }, v)) };
            else if (v === null) delete md[k];
            else md[k] = v;
          }
          await deps.repos.aggregates.update(a.id, { metadata: md });
          invalidateHosts();
          for (const h of a.hosts) await syncPlacement(h);
          return { aggregate: view(req, (await deps.repos.aggregates.get(a.id))!) };
        }
        throw new BadRequest(`There is no such action: ${Object.keys(body)[0] ?? ''}`);
      },
    },
    {
      method: 'POST', path: '/v2.1/os-aggregates/:aggregate_id/images', policy: 'compute:aggregates:images',
      handler: async (req) => { if (!mvAtLeast(req, '2.81')) throw new NotFound('The resource could not be found.'); await load(req); return reply(202); },
    },
  ];
}
