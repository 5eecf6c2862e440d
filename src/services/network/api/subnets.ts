// /v2.0/subnets (IPv4/IPv6 with RA and address modes, pools, routes, DNS, subnet pools).
import type { Route } from '../../../lib/http/routes.ts';
import { subnetNotFound } from '../errors.ts';
import { parentNetworkTarget, visibleNetwork } from '../service/networks.ts';
import { createSubnets, deleteSubnet, listSubnets, renderSubnets, subnetRow, updateSubnet, type SubnetCreate } from '../service/subnets.ts';
import { IPV6_MODES } from '../service/subnet-checks.ts';
import type { Net } from '../service/net.ts';
import { standardAttrs, type AttrMap } from './attributes.ts';
import { resourceRoutes } from './resource-routes.ts';
import * as v from './validators.ts';

const name = { post: true, put: true, default: '', validate: v.string(255), filter: 'string', sort: true } as const;

export const subnetAttrs: AttrMap = {
  ...standardAttrs,
  name,
  description: { ...name, sort: false },
  network_id: { post: true, required: true, validate: v.uuid, filter: 'string', sort: true },
  ip_version: { post: true, required: true, convert: v.toInt, validate: v.values([4, 6]), filter: 'string', sort: true },
  cidr: { post: true, validate: v.subnetCidr, filter: 'string', sort: true },
  prefixlen: { post: true, convert: v.toInt, validate: v.range(0, 128) },
  subnetpool_id: { post: true, validate: v.uuidOrNull, filter: 'string', sort: true },
  use_default_subnetpool: { post: true, default: false, convert: v.toBoolean },
  gateway_ip: { post: true, put: true, validate: v.ipAddressOrNull, convert: (x) => (x === null ? null : v.toCanonicalIp(x)), filter: 'string', sort: true },
  allocation_pools: { post: true, put: true, validate: v.ipPools },
  enable_dhcp: { post: true, put: true, default: true, convert: v.toBoolean, filter: 'bool', sort: true },
  ipv6_ra_mode: { post: true, validate: v.valuesOrNull(IPV6_MODES), filter: 'string', sort: true },
  ipv6_address_mode: { post: true, validate: v.valuesOrNull(IPV6_MODES), filter: 'string', sort: true },
  dns_nameservers: { post: true, put: true, default: () => [], convert: v.noneToEmptyList, validate: v.nameservers },
  host_routes: { post: true, put: true, default: () => [], convert: v.noneToEmptyList, validate: v.hostRoutes },
  tags: {},
};

export function subnetRoutes(net: Net): Route[] {
  return resourceRoutes(net, {
    resource: 'subnet', collection: 'subnets', path: 'subnets', table: 'subnets', attrs: subnetAttrs, tags: true,
    list: (c, q) => listSubnets(net, c, q.filters.get('network_id')),
    load: async (c, id) => {
      const { row, network, access } = await subnetRow(net.db, c, id);
      return { row, target: { project_id: row.project_id, tenant_id: row.project_id, ...parentNetworkTarget(network, access) } };
    },
    show: async (_c, l) => (await renderSubnets(net.db, [l.row]))[0]!,
    notFound: subnetNotFound,
    createTarget: async (c, b) => {
      const { row, access } = await visibleNetwork(net, net.db, c, b.network_id as string);
      return { project_id: b.project_id, tenant_id: b.project_id, ...parentNetworkTarget(row, access) };
    },
    create: (c, items) => createSubnets(net, c, items.map((b) => ({
      project_id: b.project_id, network_id: b.network_id, name: b.name, description: b.description, ip_version: b.ip_version,
      cidr: b.cidr, prefixlen: b.prefixlen, subnetpool_id: b.subnetpool_id, use_default_subnetpool: b.use_default_subnetpool,
      gateway_ip: b.gateway_ip, allocation_pools: b.allocation_pools, enable_dhcp: b.enable_dhcp,
      ipv6_ra_mode: b.ipv6_ra_mode ?? null, ipv6_address_mode: b.ipv6_address_mode ?? null,
      dns_nameservers: b.dns_nameservers, host_routes: b.host_routes,
    }) as SubnetCreate)),
    update: (_c, l, values, ifMatch) => updateSubnet(net, l.row, values, ifMatch),
    remove: (_c, l, ifMatch) => deleteSubnet(net, l.row, ifMatch),
  });
}
