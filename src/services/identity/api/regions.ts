// /v3/regions (part of catalogRoutes): a region's id is chosen by PUT /v3/regions/{id}, or by
// POST with or without an id.
import type { IdentityDeps } from '../deps.ts';
import { BadRequest } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { hexId } from '../../../lib/ids.ts';
import { createRegion, deleteRegion, getRegion, listRegions, updateRegion, type Region } from '../service/regions.ts';
import { collection, entity, links, splitExtra, wrap } from './common.ts';

const KNOWN = ['id', 'description', 'parent_region_id'];

export function renderRegion(req: ApiRequest, r: Region) {
  return { ...r.extra, id: r.id, description: r.description, parent_region_id: r.parentRegionId, links: links(req, `regions/${r.id}`) };
}

const regionProps = { description: { type: ['string', 'null'] }, id: { type: 'string' }, parent_region_id: { type: ['string', 'null'] } };
const regionCreate = wrap('region', { type: 'object', properties: regionProps });
const regionUpdate = wrap('region', { type: 'object', properties: regionProps, minProperties: 1 });

/** Keystone's _normalize_dict: `a:b` and `a-b` keys become `a_b`. */
export function normalizeKeys(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k.replaceAll(':', '_').replaceAll('-', '_'), v]));
}

/** Keystone's _require_matching_id: a body id must be the one in the path. */
export function requireMatchingId(body: Record<string, unknown>, pathId: string | undefined): void {
  if (body.id !== undefined && body.id !== null && body.id !== pathId) throw new BadRequest('Cannot change ID');
}

export function regionRoutes({ db }: IdentityDeps): Route[] {
  const create = async (req: ApiRequest, b: Record<string, any>) =>
    reply(201, { region: renderRegion(req, await createRegion(db, { id: b.id, description: b.description, parentRegionId: b.parent_region_id, extra: splitExtra(b, KNOWN) })) });
  return [
    {
      method: 'POST', path: '/v3/regions', policy: 'identity:create_region', body: regionCreate,
      handler: (req) => {
        const b = normalizeKeys(entity(req, 'region')) as Record<string, any>;
        return create(req, { ...b, id: b.id ? b.id : hexId() });
      },
    },
    {
      method: 'PUT', path: '/v3/regions/:region_id', policy: 'identity:create_region', body: regionCreate,
      handler: (req) => {
        const b = normalizeKeys(entity(req, 'region')) as Record<string, any>;
        const id = req.params.region_id!;
        if (b.id !== undefined && b.id !== id) throw new BadRequest(`Conflicting region IDs specified: "${id}" != "${b.id}"`);
        return create(req, { ...b, id });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/regions', policy: 'identity:list_regions',
      handler: async (req) => {
        const regions = await listRegions(db, { parentRegionId: req.query.parent_region_id });
        return collection(req, 'regions', regions.map((r) => renderRegion(req, r)));
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/regions/:region_id', policy: 'identity:get_region',
      handler: async (req) => ({ region: renderRegion(req, await getRegion(db, req.params.region_id!)) }),
    },
    {
      method: 'PATCH', path: '/v3/regions/:region_id', policy: 'identity:update_region', body: regionUpdate,
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'region');
        requireMatchingId(b, req.params.region_id);
        const r = await updateRegion(db, req.params.region_id!, { description: b.description, parentRegionId: b.parent_region_id, extra: splitExtra(b, KNOWN) });
        return { region: renderRegion(req, r) };
      },
    },
    {
      method: 'DELETE', path: '/v3/regions/:region_id', policy: 'identity:delete_region',
      handler: async (req) => { await deleteRegion(db, req.params.region_id!); },
    },
  ];
}
