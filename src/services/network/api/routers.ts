// /v2.0/routers (router, ext-gw-mode, extraroute, extraroute-atomic, router_availability_zone)
// and its member actions add/remove_router_interface, add/remove_extraroutes.
import type { ApiRequest, Route } from '../../../lib/http/routes.ts';
import { httpBadRequest, routerNotFound } from '../errors.ts';
import { callerOf } from '../service/caller.ts';
import { addInterface, removeInterface } from '../service/router-interfaces.ts';
import { changeRoutes, createRouters, deleteRouter, listRouters, renderRouters, routerRow, updateRouter, type GatewayInfo, type Route as ExtraRoute } from '../service/routers.ts';
import type { Net } from '../service/net.ts';
import { standardAttrs, type AttrMap } from './attributes.ts';
import { resourceRoutes } from './resource-routes.ts';
import * as v from './validators.ts';

const gatewayInfo = (x: unknown): unknown => {
  if (x === null) return null;
  if (typeof x !== 'object' || Array.isArray(x)) throw httpBadRequest(`Invalid input for external_gateway_info. Reason: '${JSON.stringify(x)}' is not a dictionary.`);
  const g = x as Record<string, unknown>;
  for (const k of Object.keys(g)) {
    if (!['network_id', 'enable_snat', 'external_fixed_ips'].includes(k)) throw httpBadRequest(`Invalid input for external_gateway_info. Reason: Unexpected keys supplied: ${k}.`);
  }
  if (!Object.keys(g).length) return null;
  const reason = (g.network_id === undefined ? "Validation of dictionary's keys failed. Expected keys: {'network_id'}" : v.uuid(g.network_id))
    ?? (g.external_fixed_ips === undefined ? undefined : v.fixedIps(g.external_fixed_ips));
  if (reason) throw httpBadRequest(`Invalid input for external_gateway_info. Reason: ${reason}.`);
  return { ...g, ...(g.enable_snat !== undefined ? { enable_snat: v.toBoolean(g.enable_snat) } : {}) };
};

const name = { post: true, put: true, default: '', validate: v.string(255), filter: 'string', sort: true } as const;

export const routerAttrs: AttrMap = {
  ...standardAttrs,
  name,
  description: { ...name, sort: false },
  admin_state_up: { post: true, put: true, default: true, convert: v.toBoolean, filter: 'bool', sort: true },
  status: { filter: 'string', sort: true },
  external_gateway_info: { post: true, put: true, default: null, convert: gatewayInfo },
  routes: { put: true, convert: v.noneToEmptyList, validate: v.hostRoutes },
  availability_zone_hints: { post: true, default: () => [], validate: v.listOf(v.string(255)) },
  availability_zones: {},
  tags: {},
};

export function routerRoutes(net: Net): Route[] {
  const crud = resourceRoutes(net, {
    resource: 'router', collection: 'routers', path: 'routers', table: 'routers', attrs: routerAttrs, tags: true,
    list: (c) => listRouters(net, c),
    load: async (c, id) => {
      const row = await routerRow(net.db, c, id);
      return { row, target: { project_id: row.project_id, tenant_id: row.project_id } };
    },
    show: async (_c, l) => (await renderRouters(net.db, [l.row]))[0]!,
    notFound: routerNotFound,
    create: (c, items) => createRouters(net, c, items.map((b) => ({
      project_id: b.project_id as string, name: b.name as string, description: b.description as string, admin_state_up: b.admin_state_up as boolean,
      external_gateway_info: b.external_gateway_info as GatewayInfo | null, availability_zone_hints: b.availability_zone_hints as string[],
    }))),
    update: (c, l, values, ifMatch) => updateRouter(net, c, l.row, values, ifMatch),
    remove: (_c, l, ifMatch) => deleteRouter(net, l.row, ifMatch),
  });
  const target = async (req: ApiRequest) => {
    const row = await routerRow(net.db, callerOf(req.ctx, net.policy), req.params.id!);
    return { project_id: row.project_id, tenant_id: row.project_id, router: row };
  };
  const body = (req: ApiRequest): Record<string, unknown> => {
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw httpBadRequest('Resource body required');
    return req.body as Record<string, unknown>;
  };
  const ifaceBody = (req: ApiRequest) => {
    const b = body(req);
    for (const k of Object.keys(b)) if (k !== 'subnet_id' && k !== 'port_id') throw httpBadRequest(`Unrecognized attribute(s) '${k}'`);
    for (const k of ['subnet_id', 'port_id']) if (b[k] !== undefined && v.uuid(b[k])) throw httpBadRequest(`Invalid input for ${k}. Reason: ${v.uuid(b[k])}.`);
    return b as { subnet_id?: string; port_id?: string };
  };
  const routesBody = (req: ApiRequest): ExtraRoute[] => {
    const r = (body(req).router ?? {}) as Record<string, unknown>;
    const bad = v.hostRoutes(r.routes);
    if (bad) throw httpBadRequest(`Invalid input for routes. Reason: ${bad}.`);
    return r.routes as ExtraRoute[];
  };
  return [
    ...crud,
    {
      method: 'PUT', path: '/v2.0/routers/:id/add_router_interface', policy: 'add_router_interface', target,
      handler: async (req) => addInterface(net, callerOf(req.ctx, net.policy), req.target.router as any, ifaceBody(req)),
    },
    {
      method: 'PUT', path: '/v2.0/routers/:id/remove_router_interface', policy: 'remove_router_interface', target,
      handler: async (req) => removeInterface(net, callerOf(req.ctx, net.policy), req.target.router as any, ifaceBody(req)),
    },
    {
      method: 'PUT', path: '/v2.0/routers/:id/add_extraroutes', policy: 'add_extraroutes', target,
      handler: async (req) => ({ router: await changeRoutes(net, req.target.router as any, routesBody(req), true) }),
    },
    {
      method: 'PUT', path: '/v2.0/routers/:id/remove_extraroutes', policy: 'remove_extraroutes', target,
      handler: async (req) => ({ router: await changeRoutes(net, req.target.router as any, routesBody(req), false) }),
    },
  ];
}

