// Version discovery (glance.api.versions), /v2/schemas/* and /v2/info/* (glance.api.v2.discovery).
import { NotFound } from '../../../lib/errors.ts';
import { PUBLIC, reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { ImageDeps } from '../deps.ts';

/**
 * What we implement, as Glance lists it with multiple stores and no image cache: 2.14/2.16 (the
 * cache API) are absent, 2.17 (the new locations API) is CURRENT.
 */
const VERSIONS: Array<[string, string]> = [
  ['2.15', 'SUPPORTED'], ['2.13', 'SUPPORTED'], ['2.12', 'SUPPORTED'], ['2.11', 'SUPPORTED'], ['2.10', 'SUPPORTED'],
  ['2.9', 'SUPPORTED'], ['2.8', 'SUPPORTED'], ['2.17', 'CURRENT'], ['2.7', 'SUPPORTED'], ['2.6', 'SUPPORTED'],
  ['2.5', 'SUPPORTED'], ['2.4', 'SUPPORTED'], ['2.3', 'SUPPORTED'], ['2.2', 'SUPPORTED'], ['2.1', 'SUPPORTED'], ['2.0', 'SUPPORTED'],
];

function versions(req: ApiRequest) {
  return { versions: VERSIONS.map(([v, status]) => ({ id: `v${v}`, status, links: [{ rel: 'self', href: `${req.baseUrl}/v2/` }] })) };
}

export function discoveryRoutes(deps: ImageDeps): Route[] {
  const schemaNames = Object.keys(deps.schemas.all);
  return [
    // Unversioned: the choices (300). Explicitly asked for (/versions): 200, as Glance's
    // version negotiation answers.
    { method: 'GET', path: '/', policy: PUBLIC, handler: (req) => reply(300, versions(req)) },
    { method: 'GET', path: '/versions', policy: PUBLIC, handler: (req) => versions(req) },
    { method: 'GET', path: '/v2', policy: PUBLIC, handler: (req) => reply(300, versions(req)) },
    ...schemaNames.map((name): Route => ({ method: 'GET', path: `/v2/schemas/${name}`, policy: 'default', handler: () => deps.schemas.all[name] })),
    {
      method: 'GET', path: '/v2/info/import', policy: 'default',
      handler: () => ({ 'import-methods': { description: 'Import methods available.', type: 'array', value: deps.settings.importMethods } }),
    },
    {
      method: 'GET', path: '/v2/info/stores', policy: 'default',
      handler: () => ({ stores: deps.stores.all.map(storeInfo) }),
    },
    {
      method: 'GET', path: '/v2/info/stores/detail', policy: 'stores_info_detail',
      handler: () => ({ stores: deps.stores.all.map((s) => ({ ...storeInfo(s), type: s.type, properties: s.properties(), weight: 0 })) }),
    },
    {
      method: 'GET', path: '/v2/info/usage', policy: 'default',
      handler: async (req) => {
        if (!req.ctx.projectId) throw new NotFound('Usage is per project: use a project-scoped token');
        const limits = deps.quotas.limits(req.ctx.projectId);
        const usage = await deps.quotas.usage(deps.db, req.ctx.projectId);
        return { usage: Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, { limit: limits[k as keyof typeof limits], usage: v }])) };
      },
    },
  ];

  function storeInfo(s: ImageDeps['stores']['all'][number]) {
    const info: Record<string, string> = { id: s.id };
    if (s.description) info.description = s.description;
    if (s === deps.stores.default) info.default = 'true';
    if (s.readOnly) info['read-only'] = 'true';
    return info;
  }
}
