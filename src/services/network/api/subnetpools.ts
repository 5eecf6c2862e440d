// /v2.0/subnetpools (subnet_allocation, default-subnetpools, subnetpool-prefix-ops).
import type { ApiRequest, Route } from '../../../lib/http/routes.ts';
import { httpBadRequest, subnetPoolNotFound } from '../errors.ts';
import { callerOf } from '../service/caller.ts';
import { changePrefixes, createPools, deletePool, listPools, poolRow, renderPools, updatePool, type PoolCreate } from '../service/subnetpools.ts';
import type { Net } from '../service/net.ts';
import { standardAttrs, type AttrMap } from './attributes.ts';
import { resourceRoutes } from './resource-routes.ts';
import * as v from './validators.ts';

const name = { post: true, put: true, default: '', validate: v.string(255), filter: 'string', sort: true } as const;
const prefixLen = { post: true, put: true, convert: v.toIntOrNull, validate: (x: unknown) => (x === null ? undefined : v.range(0, 128)(x)), filter: 'string', sort: true } as const;

export const poolAttrs: AttrMap = {
  ...standardAttrs,
  name,
  description: { ...name, sort: false },
  prefixes: { post: true, put: true, required: true, validate: v.listOf(v.subnetCidr) },
  default_prefixlen: prefixLen,
  min_prefixlen: prefixLen,
  max_prefixlen: prefixLen,
  default_quota: { post: true, put: true, default: null, convert: v.toIntOrNull, filter: 'string' },
  ip_version: { filter: 'string', sort: true },
  shared: { post: true, default: false, convert: v.toBoolean, filter: 'bool' },
  is_default: { post: true, put: true, default: false, convert: v.toBoolean, filter: 'bool' },
  address_scope_id: { post: true, put: true, default: null, validate: (x) => (x === null ? undefined : 'address scopes are not supported'), filter: 'string' },
  tags: {},
};

export function subnetPoolRoutes(net: Net): Route[] {
  const prefixOp = (add: boolean) => async (req: ApiRequest) => {
    const b = req.body as { prefixes?: unknown } | undefined;
    const bad = v.listOf(v.subnetCidr)(b?.prefixes);
    if (!b || bad) throw httpBadRequest(`Invalid input for prefixes. Reason: ${bad ?? 'missing'}.`);
    return { prefixes: await changePrefixes(net, req.target.pool as any, b.prefixes as string[], add) };
  };
  const target = async (req: ApiRequest) => {
    const row = await poolRow(net.db, callerOf(req.ctx, net.policy), req.params.id!);
    return { project_id: row.project_id, tenant_id: row.project_id, shared: !!row.shared, pool: row };
  };
  return [
    ...resourceRoutes(net, {
      resource: 'subnetpool', collection: 'subnetpools', path: 'subnetpools', table: 'subnetpools', attrs: poolAttrs, tags: true,
      list: (c) => listPools(net, c),
      load: async (c, id) => {
        const row = await poolRow(net.db, c, id);
        return { row, target: { project_id: row.project_id, tenant_id: row.project_id, shared: !!row.shared } };
      },
      show: async (_c, l) => (await renderPools(net.db, [l.row]))[0]!,
      notFound: subnetPoolNotFound,
      create: (_c, items) => createPools(net, items.map((b) => ({
        project_id: b.project_id, name: b.name, description: b.description, prefixes: b.prefixes, default_prefixlen: b.default_prefixlen ?? null,
        min_prefixlen: b.min_prefixlen ?? null, max_prefixlen: b.max_prefixlen ?? null, default_quota: b.default_quota, shared: b.shared, is_default: b.is_default,
      }) as PoolCreate)),
      update: (_c, l, values, ifMatch) => updatePool(net, l.row, values, ifMatch),
      remove: (_c, l, ifMatch) => deletePool(net, l.row, ifMatch),
    }),
    { method: 'PUT', path: '/v2.0/subnetpools/:id/add_prefixes', policy: 'add_prefixes', target, handler: prefixOp(true) },
    { method: 'PUT', path: '/v2.0/subnetpools/:id/remove_prefixes', policy: 'remove_prefixes', target, handler: prefixOp(false) },
  ];
}
