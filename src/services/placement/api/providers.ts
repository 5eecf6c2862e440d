// /resource_providers and /resource_providers/{uuid} (placement/handlers/resource_provider.py).
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { uuid as newUuid } from '../../../lib/ids.ts';
import { badRequest } from '../errors.ts';
import type { PlacementDeps } from '../deps.ts';
import { createProvider, deleteProvider, requireProvider, updateProvider } from '../service/providers.ts';
import { searchProviders, type ProviderFilter } from '../service/provider-search.ts';
import { unknownClasses } from '../service/resource-classes.ts';
import { unknownTraits } from '../service/traits.ts';
import { atLeast, cacheHeaders, checkQuery, has, jsonBody, last, latest, ok, prefixPath } from './common.ts';
import { normalizeUuid } from './json-schema.ts';
import { parseMemberOf, parseResources, parseTraits } from './query.ts';
import * as schemas from './schemas.ts';

interface ProviderLike { uuid: string; name: string; generation: number; parentUuid: string | null; rootUuid: string; createdAt: string; updatedAt: string }

export function renderProvider(req: ApiRequest, p: ProviderLike) {
  const self = `${prefixPath(req)}/resource_providers/${p.uuid}`;
  const rels = ['inventories', 'usages'];
  if (atLeast(req, '1.1')) rels.push('aggregates');
  if (atLeast(req, '1.6')) rels.push('traits');
  if (atLeast(req, '1.11')) rels.push('allocations');
  const out: Record<string, unknown> = {
    uuid: p.uuid, name: p.name, generation: p.generation,
    links: [{ rel: 'self', href: self }, ...rels.map((rel) => ({ rel, href: `${self}/${rel}` }))],
  };
  if (atLeast(req, '1.14')) { out.parent_provider_uuid = p.parentUuid; out.root_provider_uuid = p.rootUuid; }
  return out;
}

export function providerRoutes({ database, db, model }: PlacementDeps): Route[] {
  return [
    {
      method: 'GET', path: '/resource_providers', policy: 'placement:resource_providers:list',
      handler: async (req) => {
        checkQuery(req, schemas.listProvidersQuery(req.microversion!));
        const f: ProviderFilter = {};
        if (has(req, 'name')) f.name = last(req, 'name');
        if (has(req, 'uuid')) f.uuid = normalizeUuid(last(req, 'uuid')!);
        if (has(req, 'in_tree')) f.inTree = normalizeUuid(last(req, 'in_tree')!);
        if (has(req, 'member_of')) { const m = parseMemberOf(req); f.memberOf = m.memberOf; f.forbiddenAggs = m.forbidden; }
        if (has(req, 'resources')) {
          f.resources = parseResources(last(req, 'resources')!);
          const unknown = await unknownClasses(db, f.resources.keys());
          if (unknown.length) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${unknown[0]}.`);
        }
        if (has(req, 'required')) {
          const t = parseTraits(req);
          f.requiredTraits = t.required;
          f.forbiddenTraits = t.forbidden;
          const unknown = await unknownTraits(db, [...t.required.flat(), ...t.forbidden]);
          if (unknown.length) throw badRequest(`Invalid trait(s) in "required" parameter: No such trait(s): ${unknown.join(', ')}.`);
        }
        await model.refresh();
        const found = searchProviders(model, f);
        return ok(req, { resource_providers: found.map((p) => renderProvider(req, p)) }, latest(found.map((p) => p.updatedAt)));
      },
    },
    {
      method: 'POST', path: '/resource_providers', policy: 'placement:resource_providers:create',
      handler: async (req) => {
        const body = jsonBody(req, atLeast(req, '1.14') ? schemas.postProvider114 : schemas.postProvider);
        const rp = await createProvider(database, { uuid: body.uuid ? normalizeUuid(body.uuid) : newUuid(), name: body.name, parentUuid: body.parent_provider_uuid ?? null });
        const location = `${req.baseUrl}/resource_providers/${rp.uuid}`;
        if (atLeast(req, '1.20')) return reply(200, renderProvider(req, rp), { location, ...cacheHeaders(req, rp.updatedAt) });
        return reply(201, undefined, { location });
      },
    },
    {
      method: 'GET', path: '/resource_providers/:uuid', policy: 'placement:resource_providers:show',
      handler: async (req) => {
        const rp = await requireProvider(db, req.params.uuid!);
        return ok(req, renderProvider(req, rp), rp.updatedAt);
      },
    },
    {
      method: 'PUT', path: '/resource_providers/:uuid', policy: 'placement:resource_providers:update',
      handler: async (req) => {
        await requireProvider(db, req.params.uuid!);
        const body = jsonBody(req, atLeast(req, '1.14') ? schemas.putProvider114 : schemas.putProvider);
        const parent = body.parent_provider_uuid === undefined ? undefined : body.parent_provider_uuid === null ? null : normalizeUuid(body.parent_provider_uuid);
        const rp = await updateProvider(database, req.params.uuid!, { name: body.name, parentUuid: parent }, atLeast(req, '1.37'));
        return ok(req, renderProvider(req, rp), rp.updatedAt);
      },
    },
    {
      method: 'DELETE', path: '/resource_providers/:uuid', policy: 'placement:resource_providers:delete',
      handler: async (req) => { await deleteProvider(database, req.params.uuid!); },
    },
  ];
}
