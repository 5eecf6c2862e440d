// /v2.0/networks (network, external-net, provider, net-mtu(-writable), port-security,
// availability_zone hints, standard attributes and tags).
import type { Route } from '../../../lib/http/routes.ts';
import { networkNotFound } from '../errors.ts';
import { createNetworks, deleteNetwork, listNetworks, networkTarget, showNetwork, updateNetwork, visibleNetwork } from '../service/networks.ts';
import type { Net } from '../service/net.ts';
import { standardAttrs, type AttrMap } from './attributes.ts';
import { resourceRoutes } from './resource-routes.ts';
import * as v from './validators.ts';

const name = { post: true, put: true, default: '', validate: v.string(255), filter: 'string', sort: true } as const;

export const networkAttrs: AttrMap = {
  ...standardAttrs,
  name,
  description: { ...name, sort: false },
  admin_state_up: { post: true, put: true, default: true, convert: v.toBoolean, filter: 'bool', sort: true },
  status: { filter: 'string', sort: true },
  subnets: {},
  shared: { post: true, put: true, default: false, convert: v.toBoolean, filter: 'bool', sort: true },
  'router:external': { post: true, put: true, default: false, convert: v.toBoolean, filter: 'bool', sort: true },
  mtu: { post: true, put: true, convert: v.toInt, validate: v.range(68), filter: 'string', sort: true },
  port_security_enabled: { post: true, put: true, default: true, convert: v.toBoolean, filter: 'bool' },
  availability_zone_hints: { post: true, default: () => [], validate: v.listOf(v.string(255)) },
  availability_zones: {},
  'provider:network_type': { post: true, put: true, validate: v.string(32), filter: 'string' },
  'provider:physical_network': { post: true, put: true, validate: v.stringOrNull(64), filter: 'string' },
  'provider:segmentation_id': { post: true, put: true, convert: v.toIntOrNull, filter: 'string' },
  tags: {},
};

const PROVIDER = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;

export function networkRoutes(net: Net): Route[] {
  return resourceRoutes(net, {
    resource: 'network', collection: 'networks', path: 'networks', table: 'networks', attrs: networkAttrs, tags: true,
    list: (c, q) => listNetworks(net, c, q.filters.get('id')),
    load: async (c, id) => {
      const { row, access } = await visibleNetwork(net, net.db, c, id);
      return { row, target: networkTarget(row, access) };
    },
    show: (c, l) => showNetwork(net, c, l.row.id),
    notFound: networkNotFound,
    create: (c, items) => createNetworks(net, c, items.map((b) => ({
      project_id: b.project_id as string, name: b.name as string, description: b.description as string,
      admin_state_up: b.admin_state_up as boolean, shared: b.shared as boolean, external: b['router:external'] as boolean,
      mtu: b.mtu as number | undefined, port_security_enabled: b.port_security_enabled as boolean,
      availability_zone_hints: b.availability_zone_hints as string[],
      provider: PROVIDER.some((k) => b[k] !== undefined) ? {
        network_type: b['provider:network_type'], physical_network: b['provider:physical_network'], segmentation_id: b['provider:segmentation_id'],
      } : undefined,
    }))),
    update: (c, l, values, ifMatch) => updateNetwork(net, c, l.row, values, ifMatch),
    remove: (_c, l, ifMatch) => deleteNetwork(net, l.row, ifMatch),
  });
}
