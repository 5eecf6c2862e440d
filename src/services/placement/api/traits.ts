// /traits and /resource_providers/{uuid}/traits (1.6+, placement/handlers/trait.py).
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { badRequest, notFound } from '../errors.ts';
import type { PlacementDeps } from '../deps.ts';
import { requireProvider } from '../service/providers.ts';
import { deleteTrait, ensureTrait, findTrait, listTraits, providerTraits, setProviderTraits, type TraitFilter } from '../service/traits.ts';
import { cacheHeaders, checkQuery, jsonBody, last, ok, since } from './common.ts';
import { validate } from './json-schema.ts';
import * as schemas from './schemas.ts';

function traitFilter(req: ApiRequest): TraitFilter {
  checkQuery(req, schemas.listTraitsQuery);
  const f: TraitFilter = {};
  const name = last(req, 'name');
  if (name !== undefined) {
    const i = name.indexOf(':');
    if (i < 0) throw badRequest(`Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${name}"`);
    const [op, value] = [name.slice(0, i), name.slice(i + 1)];
    if (op === 'in') f.nameIn = value.split(',');
    else if (op === 'startswith') f.prefix = value;
  }
  const associated = last(req, 'associated');
  if (associated !== undefined) {
    if (!['true', 'false'].includes(associated.toLowerCase())) throw badRequest('The query parameter "associated" only accepts "true" or "false"');
    f.associated = associated.toLowerCase() === 'true';
  }
  return f;
}

export function traitRoutes({ database, db }: PlacementDeps): Route[] {
  const rpPath = '/resource_providers/:uuid/traits';
  return [
    {
      method: 'GET', path: '/traits', policy: 'placement:traits:list',
      handler: async (req) => {
        since(req, '1.6');
        const traits = await listTraits(db, traitFilter(req));
        return ok(req, { traits: traits.map((t) => t.name) });
      },
    },
    {
      method: 'GET', path: '/traits/:name', policy: 'placement:traits:show',
      handler: async (req) => {
        since(req, '1.6');
        const t = await findTrait(db, req.params.name!);
        if (!t) throw notFound(`No such trait(s): ${req.params.name}.`);
        return reply(204, undefined, cacheHeaders(req, t.createdAt));
      },
    },
    {
      method: 'PUT', path: '/traits/:name', policy: 'placement:traits:update',
      handler: async (req) => {
        since(req, '1.6');
        const name = req.params.name!;
        if (validate(name, schemas.customTrait)) {
          throw badRequest('The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"');
        }
        const { created, trait } = await ensureTrait(database, name);
        return reply(created ? 201 : 204, undefined, { location: `${req.baseUrl}/traits/${name}`, ...cacheHeaders(req, trait.createdAt) });
      },
    },
    {
      method: 'DELETE', path: '/traits/:name', policy: 'placement:traits:delete',
      handler: async (req) => { since(req, '1.6'); await deleteTrait(database, req.params.name!); },
    },
    {
      method: 'GET', path: rpPath, policy: 'placement:resource_providers:traits:list',
      handler: async (req) => {
        since(req, '1.6');
        const rp = await requireProvider(db, req.params.uuid!);
        return ok(req, { traits: await providerTraits(db, rp.uuid), resource_provider_generation: rp.generation });
      },
    },
    {
      method: 'PUT', path: rpPath, policy: 'placement:resource_providers:traits:update',
      handler: async (req) => {
        since(req, '1.6');
        const body = jsonBody(req, schemas.setProviderTraits);
        await requireProvider(db, req.params.uuid!);
        const generation = await setProviderTraits(database, req.params.uuid!, body.traits, body.resource_provider_generation);
        return ok(req, { traits: [...new Set(body.traits as string[])].sort(), resource_provider_generation: generation });
      },
    },
    {
      method: 'DELETE', path: rpPath, policy: 'placement:resource_providers:traits:delete',
      handler: async (req) => {
        since(req, '1.6');
        await requireProvider(db, req.params.uuid!);
        await setProviderTraits(database, req.params.uuid!, []);
      },
    },
  ];
}
