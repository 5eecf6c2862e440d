// /v2.0/ports (port, binding, port-security, allowed-address-pairs, extra_dhcp_opt,
// ip-substring-filtering on fixed_ips, standard attributes and tags).
import type { Route } from '../../../lib/http/routes.ts';
import { httpBadRequest, portNotFound } from '../errors.ts';
import { parseIp } from '../lib/ip.ts';
import { networkRow, parentNetworkTarget, visibleNetwork } from '../service/networks.ts';
import { networkAccess } from '../service/rbac.ts';
import { canSeePort, createPorts, deletePort, listPortRows, portOr404, renderByIds, updatePort, type PortCreate } from '../service/ports.ts';
import { renderPorts } from '../service/port-store.ts';
import type { Net } from '../service/net.ts';
import type { Row } from '../service/std.ts';
import { standardAttrs, type AttrMap, type Body } from './attributes.ts';
import type { Item } from './listing.ts';
import { resourceRoutes } from './resource-routes.ts';
import * as v from './validators.ts';

export const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'accelerator-direct', 'accelerator-direct-physical', 'remote-managed'];

const addressPairs: v.Validator = (x) => {
  if (!Array.isArray(x)) return `'${JSON.stringify(x)}' is not a list`;
  for (const p of x) {
    if (v.dict(p)) return `'${JSON.stringify(p)}' is not a dictionary`;
    const e = p as Record<string, unknown>;
    for (const k of Object.keys(e)) if (k !== 'ip_address' && k !== 'mac_address') return `Unrecognized attribute(s) '${k}'`;
    if (e.ip_address === undefined) return 'AllowedAddressPair must contain ip_address';
    const bad = v.ipOrSubnet(e.ip_address);
    if (bad) return bad;
    if (e.mac_address !== undefined && v.macAddress(e.mac_address)) return v.macAddress(e.mac_address);
  }
  return undefined;
};

const dhcpOpts: v.Validator = (x) => {
  if (!Array.isArray(x)) return `'${JSON.stringify(x)}' is not a list`;
  for (const o of x) {
    if (v.dict(o)) return `'${JSON.stringify(o)}' is not a dictionary`;
    const e = o as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!['opt_name', 'opt_value', 'ip_version'].includes(k)) return `Unrecognized attribute(s) '${k}'`;
    if (typeof e.opt_name !== 'string' || !e.opt_name.trim()) return `'${JSON.stringify(e.opt_name)}' Blank strings are not permitted`;
    if (e.opt_value !== null && e.opt_value !== undefined && typeof e.opt_value !== 'string') return `'${JSON.stringify(e.opt_value)}' is not a valid string`;
    if (e.ip_version !== undefined && ![4, 6, '4', '6'].includes(e.ip_version as never)) return `${e.ip_version} is not in [4, 6]`;
  }
  return undefined;
};

const name = { post: true, put: true, default: '', validate: v.string(255), filter: 'string', sort: true } as const;

export const portAttrs: AttrMap = {
  ...standardAttrs,
  name,
  description: { ...name, sort: false },
  network_id: { post: true, required: true, validate: v.uuid, filter: 'string', sort: true },
  admin_state_up: { post: true, put: true, default: true, convert: v.toBoolean, filter: 'bool', sort: true },
  mac_address: { post: true, put: true, validate: v.macAddress, convert: v.toLowerMac, filter: 'string', sort: true },
  fixed_ips: { post: true, put: true, convert: v.noneToEmptyList, validate: v.fixedIps },
  device_id: { post: true, put: true, default: '', validate: v.string(255), filter: 'string', sort: true },
  device_owner: { post: true, put: true, default: '', validate: v.string(255), filter: 'string', sort: true },
  status: { filter: 'string', sort: true },
  security_groups: { post: true, put: true, convert: v.noneToEmptyList, validate: v.listOf(v.uuid, { unique: true }), filter: 'string' },
  port_security_enabled: { post: true, put: true, convert: v.toBoolean, filter: 'bool' },
  allowed_address_pairs: { post: true, put: true, default: () => [], convert: v.noneToEmptyList, validate: addressPairs },
  extra_dhcp_opts: { post: true, put: true, default: () => [], convert: v.noneToEmptyList, validate: dhcpOpts },
  'binding:host_id': { post: true, put: true, default: '', convert: (x) => (x === null ? '' : x), validate: v.string(255), filter: 'string' },
  'binding:vnic_type': { post: true, put: true, default: 'normal', validate: v.values(VNIC_TYPES), filter: 'string' },
  'binding:profile': { post: true, put: true, default: () => ({}), convert: v.noneToEmptyDict, validate: v.dict },
  'binding:vif_type': { filter: 'string' },
  'binding:vif_details': {},
  tags: {},
};

/** fixed_ips=ip_address=…, subnet_id=…, ip_address_substr=… (a port matches if one address matches all). */
function fixedIpFilter(values: string[]): (item: Item) => boolean {
  const want: Record<string, string[]> = {};
  for (const raw of values) {
    const at = raw.indexOf('=');
    if (at < 0) throw httpBadRequest(`Invalid filter for fixed_ips: '${raw}'`);
    const k = raw.slice(0, at); const val = raw.slice(at + 1);
    if (!['ip_address', 'subnet_id', 'ip_address_substr'].includes(k)) throw httpBadRequest(`Invalid filter for fixed_ips: '${raw}'`);
    (want[k] ??= []).push(k === 'ip_address' ? (parseIp(val) ? v.toCanonicalIp(val) as string : val) : val);
  }
  return (item) => (item.fixed_ips as Array<{ subnet_id: string; ip_address: string }>).some((f) =>
    (!want.ip_address || want.ip_address.includes(f.ip_address))
    && (!want.subnet_id || want.subnet_id.includes(f.subnet_id))
    && (!want.ip_address_substr || want.ip_address_substr.some((s) => f.ip_address.includes(s))));
}

const networkDevice = (owner: unknown) => typeof owner === 'string' && owner.startsWith('network:');

export function portRoutes(net: Net): Route[] {
  return resourceRoutes(net, {
    resource: 'port', collection: 'ports', path: 'ports', table: 'ports', attrs: portAttrs, tags: true, customFilters: ['fixed_ips'],
    list: async (c, q) => {
      const rows = await listPortRows(net, c, { network_id: q.filters.get('network_id'), device_id: q.filters.get('device_id'), id: q.filters.get('id'), device_owner: q.filters.get('device_owner') });
      let items: Item[] = await renderPorts(net.db, rows);
      const fixed = q.custom.get('fixed_ips');
      if (fixed?.length) items = items.filter(fixedIpFilter(fixed));
      return items;
    },
    load: async (c, id) => {
      const row = await portOr404(net.db, id);
      if (!await canSeePort(net.db, c, row)) throw portNotFound(id);
      const network = (await networkRow(net.db, row.network_id)) as Row;
      const access = await networkAccess(net.db, c.projectId);
      return { row, target: { project_id: row.project_id, tenant_id: row.project_id, ...parentNetworkTarget(network, access), 'device_owner:network': networkDevice(row.device_owner) } };
    },
    attrTarget: (t, values) => ({ ...t, ...values, ...(values.device_owner !== undefined ? { 'device_owner:network': networkDevice(values.device_owner) } : {}) }),
    show: async (_c, l) => (await renderByIds(net.db, [l.row.id]))[0]!,
    notFound: portNotFound,
    createTarget: async (c, b) => {
      const { row, access } = await visibleNetwork(net, net.db, c, b.network_id as string);
      return { project_id: b.project_id, tenant_id: b.project_id, ...parentNetworkTarget(row, access), 'device_owner:network': networkDevice(b.device_owner) };
    },
    create: (c, items) => createPorts(net, c, items.map(toPortCreate)),
    update: (c, l, values, ifMatch) => updatePort(net, c, l.row, values, ifMatch),
    remove: (_c, l, ifMatch) => deletePort(net, l.row, ifMatch),
  });
}

function toPortCreate(b: Body): PortCreate {
  return {
    project_id: b.project_id as string, network_id: b.network_id as string, name: b.name as string, description: b.description as string,
    admin_state_up: b.admin_state_up as boolean, mac_address: b.mac_address as string | undefined,
    fixed_ips: b.fixed_ips as PortCreate['fixed_ips'], device_id: b.device_id as string, device_owner: b.device_owner as string,
    security_groups: b.security_groups as string[] | undefined, port_security_enabled: b.port_security_enabled as boolean | undefined,
    allowed_address_pairs: b.allowed_address_pairs as PortCreate['allowed_address_pairs'], extra_dhcp_opts: b.extra_dhcp_opts as PortCreate['extra_dhcp_opts'],
    host: b['binding:host_id'] as string, vnic_type: b['binding:vnic_type'] as string, profile: b['binding:profile'] as Record<string, unknown>,
  };
}
