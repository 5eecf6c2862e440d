// What the agents are told: ports, routers and DHCP configurations as plain data
// (agent/protocol.ts), built from the database on request.
import type { DhcpInfo, FirewallRule, NetworkInfo, PortInfo, RouterInfo, RouterPortInfo, SubnetInfo, SyncState } from '../agent/protocol.ts';
import { parseCidr } from '../lib/ip.ts';
import { IF_OWNER, GW_OWNER } from './routers.ts';
import { ROUTER_OWNERS } from './ipam.ts';
import { bool, json, type Db, type Row } from './std.ts';

const NO_DHCP_OWNERS = new Set(['network:floatingip', 'network:dhcp', 'network:router_ha_interface', 'network:distributed']);
const NOT_WIRED_BY_L2 = new Set([...ROUTER_OWNERS, GW_OWNER, 'network:floatingip']);

async function networkInfo(db: Db, id: string): Promise<NetworkInfo | undefined> {
  const n = await db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!n) return undefined;
  const subnets = await db.selectFrom('subnets').selectAll().where('network_id', '=', id).orderBy('created_at').execute();
  return {
    id: n.id, project_id: n.project_id, mtu: Number(n.mtu), admin_state_up: bool(n.admin_state_up), network_type: n.network_type,
    physical_network: n.physical_network ?? null, segmentation_id: n.segmentation_id === null ? null : Number(n.segmentation_id),
    router_external: bool(n.router_external),
    subnets: subnets.map((s: Row): SubnetInfo => ({
      id: s.id, cidr: s.cidr, ip_version: Number(s.ip_version) as 4 | 6, gateway_ip: s.gateway_ip ?? null, enable_dhcp: bool(s.enable_dhcp),
      ipv6_ra_mode: s.ipv6_ra_mode ?? null, ipv6_address_mode: s.ipv6_address_mode ?? null,
      dns_nameservers: json<string[]>(s.dns_nameservers, []), host_routes: json(s.host_routes, []),
    })),
  };
}

const ips = async (db: Db, portId: string) => db.selectFrom('ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', portId).execute() as Promise<Array<{ subnet_id: string; ip_address: string }>>;

/** The filter of a port: its groups' rules (remote groups stay references to address sets). */
async function firewallOf(db: Db, groupIds: string[]): Promise<{ stateful: boolean; rules: FirewallRule[] }> {
  if (!groupIds.length) return { stateful: true, rules: [] };
  const groups = await db.selectFrom('security_groups').select(['id', 'stateful']).where('id', 'in', groupIds).execute();
  const rules = await db.selectFrom('security_group_rules').selectAll().where('security_group_id', 'in', groupIds).orderBy('created_at').orderBy('id').execute();
  return {
    stateful: groups.every((g: Row) => bool(g.stateful)),
    rules: rules.map((r: Row): FirewallRule => ({
      direction: r.direction, ethertype: r.ethertype, protocol: r.protocol ?? null,
      port_range_min: r.port_range_min === null ? null : Number(r.port_range_min), port_range_max: r.port_range_max === null ? null : Number(r.port_range_max),
      remote_ip_prefix: r.remote_ip_prefix ?? null, remote_group_id: r.remote_group_id ?? null,
    })),
  };
}

/**
 * The address set of each group: fixed IPs and allowed address pairs of its bound ports (an
 * unbound port carries no traffic; binding it announces it).
 */
export async function groupMembers(db: Db, groupIds: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = Object.fromEntries(groupIds.map((g) => [g, []]));
  if (!groupIds.length) return out;
  const rows = await db.selectFrom('port_security_groups as g').innerJoin('ports as p', 'p.id', 'g.port_id').leftJoin('ip_allocations as a', 'a.port_id', 'p.id')
    .select(['g.security_group_id', 'a.ip_address', 'p.allowed_address_pairs']).where('g.security_group_id', 'in', groupIds).where('p.host', '!=', '').execute();
  const sets = new Map<string, Set<string>>(groupIds.map((g) => [g, new Set()]));
  for (const r of rows) {
    const set = sets.get(r.security_group_id)!;
    if (r.ip_address) set.add(r.ip_address);
    for (const pair of json<Array<{ ip_address: string }>>(r.allowed_address_pairs, [])) set.add(pair.ip_address);
  }
  for (const [g, set] of sets) out[g] = [...set].sort();
  return out;
}

/** The port as its host's agent must wire it, or null when it is not (or no longer) bound there. */
export async function portInfo(db: Db, portId: string, host: string): Promise<PortInfo | null> {
  const p = await db.selectFrom('ports').selectAll().where('id', '=', portId).executeTakeFirst();
  if (!p || p.host !== host || NOT_WIRED_BY_L2.has(p.device_owner) || p.vif_type === 'binding_failed') return null;
  const network = await networkInfo(db, p.network_id);
  if (!network) return null;
  const groups = (await db.selectFrom('port_security_groups').select('security_group_id').where('port_id', '=', p.id).execute()).map((g: Row) => g.security_group_id as string);
  const psec = bool(p.port_security_enabled);
  return {
    id: p.id, network, mac_address: p.mac_address, fixed_ips: await ips(db, p.id), admin_state_up: bool(p.admin_state_up),
    device_id: p.device_id, device_owner: p.device_owner, host: p.host, vnic_type: p.vnic_type, vif_type: p.vif_type,
    vif_details: json(p.vif_details, {}), port_security_enabled: psec, allowed_address_pairs: json(p.allowed_address_pairs, []),
    extra_dhcp_opts: json(p.extra_dhcp_opts, []), security_group_ids: groups,
    ...(psec ? { firewall: await firewallOf(db, groups) } : {}),
  };
}

async function routerPort(db: Db, p: Row): Promise<RouterPortInfo> {
  const network = (await networkInfo(db, p.network_id))!;
  const prefix = new Map(network.subnets.map((s) => [s.id, parseCidr(s.cidr)!.prefixlen]));
  return { port_id: p.id, mac_address: p.mac_address, network, fixed_ips: (await ips(db, p.id)).map((a) => ({ ...a, prefixlen: prefix.get(a.subnet_id) ?? 32 })) };
}

export async function routerInfo(db: Db, routerId: string): Promise<RouterInfo | null> {
  const r = await db.selectFrom('routers').selectAll().where('id', '=', routerId).executeTakeFirst();
  if (!r) return null;
  const ports = await db.selectFrom('ports').selectAll().where('device_id', '=', r.id).where('device_owner', 'in', [IF_OWNER, GW_OWNER]).execute();
  const gw = ports.find((p: Row) => p.id === r.gw_port_id);
  const fips = await db.selectFrom('floatingips').selectAll().where('router_id', '=', r.id).execute();
  return {
    id: r.id, project_id: r.project_id, admin_state_up: bool(r.admin_state_up), enable_snat: bool(r.enable_snat),
    gateway: gw ? await routerPort(db, gw) : null,
    interfaces: await Promise.all(ports.filter((p: Row) => p.device_owner === IF_OWNER).map((p: Row) => routerPort(db, p))),
    routes: json(r.routes, []),
    floating_ips: fips.filter((f: Row) => f.fixed_ip_address).map((f: Row) => ({ id: f.id, floating_ip_address: f.floating_ip_address, fixed_ip_address: f.fixed_ip_address, port_id: f.fixed_port_id })),
  };
}

export async function dhcpInfo(db: Db, networkId: string): Promise<DhcpInfo | null> {
  const network = await networkInfo(db, networkId);
  if (!network || !network.subnets.some((s) => s.enable_dhcp)) return null;
  const dhcpSubnets = new Set(network.subnets.filter((s) => s.enable_dhcp).map((s) => s.id));
  const rows = await db.selectFrom('ports as p').innerJoin('ip_allocations as a', 'a.port_id', 'p.id')
    .select(['p.id', 'p.mac_address', 'p.device_owner', 'p.extra_dhcp_opts', 'a.subnet_id', 'a.ip_address']).where('p.network_id', '=', networkId).execute();
  return {
    network,
    hosts: rows.filter((r: Row) => dhcpSubnets.has(r.subnet_id) && !NO_DHCP_OWNERS.has(r.device_owner)).map((r: Row) => ({
      port_id: r.id, mac_address: r.mac_address, ip_address: r.ip_address, hostname: `host-${String(r.ip_address).replace(/[.:]/g, '-')}`,
      extra_dhcp_opts: json(r.extra_dhcp_opts, []),
    })),
  };
}

/** Everything a host should have: its bound ports, its routers, the DHCP it serves. */
export async function syncState(db: Db, host: string): Promise<SyncState> {
  const ports = await db.selectFrom('ports').select('id').where('host', '=', host).execute();
  const routers = await db.selectFrom('routers').select('id').where('host', '=', host).execute();
  const nets = await db.selectFrom('networks').select('id').where('dhcp_host', '=', host).execute();
  return {
    ports: (await Promise.all(ports.map((p: Row) => portInfo(db, p.id, host)))).filter(Boolean) as PortInfo[],
    routers: (await Promise.all(routers.map((r: Row) => routerInfo(db, r.id)))).filter(Boolean) as RouterInfo[],
    dhcp: (await Promise.all(nets.map((n: Row) => dhcpInfo(db, n.id)))).filter(Boolean) as DhcpInfo[],
  };
}

/** Ports on a host that are in these groups (their filters are these groups' rules). */
export async function portsInGroups(db: Db, host: string, groupIds: string[]): Promise<string[]> {
  if (!groupIds.length) return [];
  const rows = await db.selectFrom('ports as p').innerJoin('port_security_groups as g', 'g.port_id', 'p.id').select('p.id').distinct()
    .where('p.host', '=', host).where('g.security_group_id', 'in', groupIds).execute();
  return rows.map((r: Row) => r.id as string);
}
