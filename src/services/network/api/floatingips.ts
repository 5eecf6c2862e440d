// /v2.0/floatingips (router extension's floating IPs, fip-port-details) and /v2.0/floatingip_pools.
import type { Route } from '../../../lib/http/routes.ts';
import { floatingIpNotFound } from '../errors.ts';
import { callerOf } from '../service/caller.ts';
import { createFip, deleteFip, fipRow, floatingIpPools, listFips, renderFips, updateFip } from '../service/floating-ips.ts';
import type { Net } from '../service/net.ts';
import { standardAttrs, type AttrMap } from './attributes.ts';
import { resourceRoutes } from './resource-routes.ts';
import * as v from './validators.ts';

export const fipAttrs: AttrMap = {
  ...standardAttrs,
  description: { post: true, put: true, default: '', validate: v.string(255), filter: 'string' },
  floating_network_id: { post: true, required: true, validate: v.uuid, filter: 'string', sort: true },
  floating_ip_address: { post: true, validate: v.ipAddressOrNull, filter: 'string', sort: true },
  subnet_id: { post: true, validate: v.uuidOrNull },
  port_id: { post: true, put: true, validate: v.uuidOrNull, filter: 'string', sort: true },
  fixed_ip_address: { post: true, put: true, validate: v.ipAddressOrNull, filter: 'string', sort: true },
  router_id: { filter: 'string', sort: true },
  status: { filter: 'string', sort: true },
  port_details: {},
  tags: {},
};

export function floatingIpRoutes(net: Net): Route[] {
  return [
    ...resourceRoutes(net, {
      resource: 'floatingip', collection: 'floatingips', path: 'floatingips', table: 'floatingips', attrs: fipAttrs, tags: true, bulk: false,
      list: (c) => listFips(net, c),
      load: async (c, id) => {
        const row = await fipRow(net.db, c, id);
        return { row, target: { project_id: row.project_id, tenant_id: row.project_id } };
      },
      show: async (_c, l) => (await renderFips(net.db, [l.row]))[0]!,
      notFound: floatingIpNotFound,
      create: async (c, items) => Promise.all(items.map((b) => createFip(net, c, {
        project_id: b.project_id as string, floating_network_id: b.floating_network_id as string,
        floating_ip_address: (b.floating_ip_address ?? undefined) as string | undefined, subnet_id: (b.subnet_id ?? undefined) as string | undefined,
        port_id: b.port_id as string | null | undefined, fixed_ip_address: (b.fixed_ip_address ?? undefined) as string | undefined, description: b.description as string,
      }))),
      update: (c, l, values, ifMatch) => updateFip(net, c, l.row, values, ifMatch),
      remove: (_c, l, ifMatch) => deleteFip(net, l.row, ifMatch),
    }),
    {
      method: 'GET', path: '/v2.0/floatingip_pools', policy: 'get_floatingip_pool',
      handler: async (req) => ({ floatingip_pools: await floatingIpPools(net, callerOf(req.ctx, net.policy)) }),
    },
  ];
}
