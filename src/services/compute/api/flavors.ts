// Flavors (list, detail, show, admin create/update/delete), their extra specs and project
// access, as nova/api/openstack/compute/{flavors,flavors_extraspecs,flavor_access}.py.
import { BadRequest, Conflict, NotFound } from '../../../lib/errors.ts';
import { uuid } from '../../../lib/ids.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { Flavor } from '../db/flavors.ts';
import type { ComputeDeps } from '../deps.ts';
import { collectionLinks, limitAndMarker, links, mvAtLeast, queryOne } from './common.ts';
import { T, toBool, validate } from './validation.ts';

const positive = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, maximum: 2147483647, minLength: 1 };
const nonNegative = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, maximum: 2147483647, minLength: 1 };
const createSchema = (description: boolean) => ({
  type: 'object', required: ['flavor'], additionalProperties: false,
  properties: {
    flavor: {
      type: 'object', required: ['name', 'ram', 'vcpus', 'disk'], additionalProperties: false,
      properties: {
        name: T.name, id: { type: ['string', 'number', 'null'], minLength: 1, maxLength: 255, pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$' },
        ram: positive, vcpus: positive, disk: nonNegative, 'OS-FLV-EXT-DATA:ephemeral': nonNegative, swap: nonNegative,
        rxtx_factor: { type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$' }, 'os-flavor-access:is_public': T.boolean,
        ...(description ? { description: T.description } : {}),
      },
    },
  },
});
const extraSpecsValue = { type: 'object', patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'number'], maxLength: 255 } }, additionalProperties: false };
const SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus'];

function isAdmin(deps: ComputeDeps, req: ApiRequest): boolean {
  return deps.policy.can('context_is_admin', {}, req.ctx);
}

/** A flavor the caller may see, or Nova's 404. */
export async function visibleFlavor(deps: ComputeDeps, req: ApiRequest, flavorid: string): Promise<Flavor> {
  const f = await deps.repos.flavors.byFlavorId(flavorid);
  if (f && (f.is_public || isAdmin(deps, req) || (req.ctx.projectId && await deps.repos.flavors.hasAccess(f.id, req.ctx.projectId)))) return f;
  throw new NotFound(`Flavor ${flavorid} could not be found.`);
}

export function flavorDetail(req: ApiRequest, f: Flavor, extraSpecs: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.flavorid, name: f.name, ram: f.memory_mb, disk: f.root_gb, swap: f.swap || '', 'OS-FLV-EXT-DATA:ephemeral': f.ephemeral_gb,
    'OS-FLV-DISABLED:disabled': f.disabled, vcpus: f.vcpus, 'os-flavor-access:is_public': f.is_public, rxtx_factor: f.rxtx_factor || '',
    links: links(req, 'flavors', f.flavorid),
  };
  if (mvAtLeast(req, '2.55')) out.description = f.description;
  if (extraSpecs) out.extra_specs = f.extra_specs;
  if (mvAtLeast(req, '2.75')) out.swap = f.swap || 0;
  if (mvAtLeast(req, '2.102')) { delete out['OS-FLV-DISABLED:disabled']; delete out.rxtx_factor; }
  return out;
}

const showExtraSpecs = (deps: ComputeDeps, req: ApiRequest) => mvAtLeast(req, '2.61') && deps.policy.can('os_compute_api:os-flavor-extra-specs:index', {}, req.ctx);

async function listFlavors(deps: ComputeDeps, req: ApiRequest): Promise<Flavor[]> {
  const q = req.query;
  const max = deps.config.int('compute.max_limit');
  const { limit, marker } = limitAndMarker(req, max);
  const sortKey = queryOne(q.sort_key) || 'flavorid';
  const sortDir = queryOne(q.sort_dir) || 'asc';
  if (!SORT_KEYS.includes(sortKey) || !['asc', 'desc'].includes(sortDir)) throw new BadRequest(`Invalid sort key or direction: ${sortKey} ${sortDir}`);
  let isPublic: boolean | 'all' = true;
  const admin = isAdmin(deps, req);
  if (admin && q.is_public !== undefined) {
    const v = String(queryOne(q.is_public)).toLowerCase();
    if (v === 'none') isPublic = 'all';
    else if (['true', '1', 'yes', 'on', 't', 'y'].includes(v)) isPublic = true;
    else if (['false', '0', 'no', 'off', 'f', 'n'].includes(v)) isPublic = false;
    else throw new BadRequest(`Invalid is_public filter [${queryOne(q.is_public)}]`);
  }
  const int = (name: string) => {
    const v = queryOne(q[name]);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new BadRequest(`Invalid ${name} filter [${v}]`);
    return Number(v);
  };
  let flavors = await deps.repos.flavors.list({
    isPublic, projectId: req.ctx.projectId ?? (admin ? undefined : ''), minRam: int('minRam'), minDisk: int('minDisk'), name: queryOne(q.name),
    sortKey: sortKey === 'id' ? 'flavorid' : sortKey === 'vcpu_weight' ? 'flavorid' : sortKey, sortDir: sortDir as 'asc' | 'desc',
  });
  if (!admin) flavors = flavors.filter((f) => !f.disabled);
  if (marker !== undefined) {
    const i = flavors.findIndex((f) => f.flavorid === marker);
    if (i < 0) throw new BadRequest(`marker [${marker}] not found`);
    flavors = flavors.slice(i + 1);
  }
  return flavors.slice(0, limit);
}

export function flavorRoutes(deps: ComputeDeps): Route[] {
  const max = () => deps.config.int('compute.max_limit');
  const withLinks = (req: ApiRequest, coll: string, flavors: Flavor[], items: unknown[]) => {
    const l = collectionLinks(req, coll, flavors.map((f) => ({ id: f.flavorid })), max());
    return l ? { flavors: items, flavors_links: l } : { flavors: items };
  };
  const loadFlavor = async (req: ApiRequest) => {
    const f = await deps.repos.flavors.byFlavorId(req.params.flavor_id!);
    if (!f) throw new NotFound(`Flavor ${req.params.flavor_id} could not be found.`);
    return f;
  };
  return [
    {
      method: 'GET', path: '/v2.1/flavors', policy: 'os_compute_api:flavors:list',
      handler: async (req) => {
        const flavors = await listFlavors(deps, req);
        return withLinks(req, 'flavors', flavors, flavors.map((f) => ({
          id: f.flavorid, name: f.name, links: links(req, 'flavors', f.flavorid), ...(mvAtLeast(req, '2.55') ? { description: f.description } : {}),
        })));
      },
    },
    {
      method: 'GET', path: '/v2.1/flavors/detail', policy: 'os_compute_api:flavors:list',
      handler: async (req) => {
        const flavors = await listFlavors(deps, req);
        const es = showExtraSpecs(deps, req);
        return withLinks(req, 'flavors/detail', flavors, flavors.map((f) => flavorDetail(req, f, es)));
      },
    },
    {
      method: 'GET', path: '/v2.1/flavors/:flavor_id', policy: 'os_compute_api:flavors:show',
      handler: async (req) => ({ flavor: flavorDetail(req, await visibleFlavor(deps, req, req.params.flavor_id!), showExtraSpecs(deps, req)) }),
    },
    {
      method: 'POST', path: '/v2.1/flavors', policy: 'os_compute_api:os-flavor-manage:create',
      handler: async (req) => {
        validate(req.body, createSchema(mvAtLeast(req, '2.55')));
        const v = req.body.flavor;
        const rxtx = v.rxtx_factor === undefined ? 1 : Number(v.rxtx_factor);
        if (!(rxtx > 0) || rxtx > 3.40282e38) throw new BadRequest(`Invalid input for field/attribute rxtx_factor. Value: ${v.rxtx_factor}.`);
        const flavorid = v.id === undefined || v.id === null ? uuid() : String(v.id);
        if (!v.name.trim()) throw new BadRequest('Flavor names can only contain printable characters and horizontal spaces.');
        const f = await deps.repos.flavors.create({
          flavorid, name: v.name, memory_mb: Number(v.ram), vcpus: Number(v.vcpus), root_gb: Number(v.disk),
          ephemeral_gb: Number(v['OS-FLV-EXT-DATA:ephemeral'] ?? 0), swap: Number(v.swap ?? 0), rxtx_factor: rxtx,
          is_public: v['os-flavor-access:is_public'] === undefined ? true : toBool(v['os-flavor-access:is_public']),
          description: mvAtLeast(req, '2.55') ? v.description ?? null : null, extra_specs: {},
        });
        return { flavor: flavorDetail(req, f, showExtraSpecs(deps, req)) };
      },
    },
    {
      method: 'PUT', path: '/v2.1/flavors/:flavor_id', policy: 'os_compute_api:os-flavor-manage:update',
      handler: async (req) => {
        if (!mvAtLeast(req, '2.55')) throw new NotFound('The resource could not be found.');
        validate(req.body, { type: 'object', required: ['flavor'], additionalProperties: false, properties: { flavor: { type: 'object', required: ['description'], additionalProperties: false, properties: { description: T.description } } } });
        const f = await loadFlavor(req);
        await deps.repos.flavors.update(f.id, { description: req.body.flavor.description });
        return { flavor: flavorDetail(req, { ...f, description: req.body.flavor.description }, showExtraSpecs(deps, req)) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/flavors/:flavor_id', policy: 'os_compute_api:os-flavor-manage:delete',
      handler: async (req) => { await deps.repos.flavors.delete((await loadFlavor(req)).id); return reply(202); },
    },
    // extra specs
    {
      method: 'GET', path: '/v2.1/flavors/:flavor_id/os-extra_specs', policy: 'os_compute_api:os-flavor-extra-specs:index',
      handler: async (req) => ({ extra_specs: (await visibleFlavor(deps, req, req.params.flavor_id!)).extra_specs }),
    },
    {
      method: 'POST', path: '/v2.1/flavors/:flavor_id/os-extra_specs', policy: 'os_compute_api:os-flavor-extra-specs:create',
      handler: async (req) => {
        validate(req.body, { type: 'object', required: ['extra_specs'], additionalProperties: false, properties: { extra_specs: extraSpecsValue } });
        const f = await loadFlavor(req);
        const specs = Object.fromEntries(Object.entries(req.body.extra_specs as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
        await deps.repos.flavors.update(f.id, { extra_specs: { ...f.extra_specs, ...specs } });
        return { extra_specs: specs };
      },
    },
    {
      method: 'GET', path: '/v2.1/flavors/:flavor_id/os-extra_specs/:key', policy: 'os_compute_api:os-flavor-extra-specs:show',
      handler: async (req) => {
        const f = await visibleFlavor(deps, req, req.params.flavor_id!);
        const key = req.params.key!;
        if (!(key in f.extra_specs)) throw new NotFound(`Flavor ${f.flavorid} has no extra specs with key ${key}.`);
        return { [key]: f.extra_specs[key] };
      },
    },
    {
      method: 'PUT', path: '/v2.1/flavors/:flavor_id/os-extra_specs/:key', policy: 'os_compute_api:os-flavor-extra-specs:update',
      handler: async (req) => {
        validate(req.body, { ...extraSpecsValue, minProperties: 1, maxProperties: 1 });
        const key = req.params.key!;
        if (!(key in req.body)) throw new BadRequest('Request body and URI mismatch');
        const f = await loadFlavor(req);
        const value = String(req.body[key]);
        await deps.repos.flavors.update(f.id, { extra_specs: { ...f.extra_specs, [key]: value } });
        return { [key]: value };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/flavors/:flavor_id/os-extra_specs/:key', policy: 'os_compute_api:os-flavor-extra-specs:delete',
      handler: async (req) => {
        const f = await loadFlavor(req);
        const key = req.params.key!;
        if (!(key in f.extra_specs)) throw new NotFound(`Flavor ${f.flavorid} has no extra specs with key ${key}.`);
        const { [key]: _gone, ...rest } = f.extra_specs;
        await deps.repos.flavors.update(f.id, { extra_specs: rest });
        // Nova answers 200 (no body) here, not 204.
        return reply(200);
      },
    },
    // access
    {
      method: 'GET', path: '/v2.1/flavors/:flavor_id/os-flavor-access', policy: 'os_compute_api:os-flavor-access',
      handler: async (req) => {
        const f = await loadFlavor(req);
        if (f.is_public) throw new NotFound('Access list not available for public flavors.');
        return { flavor_access: (await deps.repos.flavors.projects(f.id)).map((p) => ({ flavor_id: f.flavorid, tenant_id: p })) };
      },
    },
    {
      method: 'POST', path: '/v2.1/flavors/:flavor_id/action', policy: 'os_compute_api:os-flavor-access:add_tenant_access',
      handler: async (req) => {
        const body = req.body ?? {};
        const add = 'addTenantAccess' in body;
        const action = add ? 'addTenantAccess' : 'removeTenantAccess';
        if (!add) deps.policy.authorize('os_compute_api:os-flavor-access:remove_tenant_access', {}, req.ctx);
        validate(body, { type: 'object', required: [action], additionalProperties: false, properties: { [action]: { type: 'object', required: ['tenant'], additionalProperties: false, properties: { tenant: { type: 'string', minLength: 1, maxLength: 255 } } } } });
        const f = await loadFlavor(req);
        const tenant = body[action].tenant;
        if (add) {
          if (f.is_public) throw new Conflict('Can not add access to a public flavor.');
          if (!await deps.repos.flavors.addProject(f.id, tenant)) throw new Conflict(`Flavor access already exists for flavor ${f.flavorid} and project ${tenant} combination.`);
        } else if (!await deps.repos.flavors.removeProject(f.id, tenant)) {
          throw new NotFound(`Flavor access not found for ${f.flavorid} / ${tenant} combination.`);
        }
        return { flavor_access: (await deps.repos.flavors.projects(f.id)).map((p) => ({ flavor_id: f.flavorid, tenant_id: p })) };
      },
    },
  ];
}
