// Subnets: addressing validation, allocation from subnet pools, default pools and gateway,
// auto-addresses for existing ports when a SLAAC subnet arrives, DHCP scheduling, delete rules.
// Creating or deleting a subnet bumps its network's revision first: that row lock serialises
// subnet changes of one network on PostgreSQL (no two overlapping subnets slip in together).
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { badResourceRequest, conflict, invalidInput, networkNotFound, subnetNotFound } from '../errors.ts';
import { formatIp, formatNetwork, overlaps, parseCidr, eui64, networkOf, lastOf, type Cidr, type IpVersion } from '../lib/ip.ts';
import type { Caller } from './caller.ts';
import { checkQuota } from './quotas.ts';
import { networkAccess, type NetworkAccess } from './rbac.ts';
import { canSee, sharedWith } from './networks.ts';
import { ROUTER_OWNERS } from './ipam.ts';
import { AUTO_MODES, checkAddressing, checkGateway, checkPools, defaultPools, parsePools, poolsToApi, type Addressing, type Pool } from './subnet-checks.ts';
import { allocateFromPool, defaultPoolId } from './subnetpools.ts';
import { bool, bump, dbJson, json, newStd, ownerAttrs, stdAttrs, tagsOf, type Db, type Row } from './std.ts';
import { dropTags } from './tags.ts';
import type { Net } from './net.ts';
import { scheduleDhcp } from './scheduling.ts';

/** The first address after the network address, when the subnet has one. */
function defaultGateway(c: Cidr): bigint | undefined {
  const gw = networkOf(c) + 1n;
  return gw <= lastOf(c) ? gw : undefined;
}

export async function renderSubnets(db: Db, rows: Row[]) {
  const tags = await tagsOf(db, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id, name: r.name, ...ownerAttrs(r.project_id), network_id: r.network_id, ip_version: Number(r.ip_version),
    subnetpool_id: r.subnetpool_id ?? null, enable_dhcp: bool(r.enable_dhcp), ipv6_ra_mode: r.ipv6_ra_mode ?? null,
    ipv6_address_mode: r.ipv6_address_mode ?? null, gateway_ip: r.gateway_ip ?? null, cidr: r.cidr,
    allocation_pools: json<Pool[]>(r.allocation_pools, []), host_routes: json<unknown[]>(r.host_routes, []),
    dns_nameservers: json<string[]>(r.dns_nameservers, []), ...stdAttrs(r, tags.get(r.id)),
  }));
}

/** Neutron's get_subnet: own subnet, subnet of an own or shared network (not merely external). */
function canSeeSubnet(caller: Caller, s: Row, nets: Map<string, Row>, access: NetworkAccess): boolean {
  if (caller.isAdmin || caller.isService || s.project_id === caller.projectId) return true;
  const n = nets.get(s.network_id);
  return !!n && (n.project_id === caller.projectId || sharedWith(n, access));
}

export async function listSubnets(net: Net, caller: Caller, networkFilter?: unknown[]) {
  let q = net.db.selectFrom('subnets').selectAll();
  if (networkFilter?.length) q = q.where('network_id', 'in', networkFilter.map(String));
  let rows: Row[] = await q.execute();
  if (!caller.isAdmin) {
    const access = await networkAccess(net.db, caller.projectId);
    const nets = new Map((await net.db.selectFrom('networks').select(['id', 'project_id', 'shared']).execute()).map((n: Row) => [n.id, n]));
    rows = rows.filter((s) => canSeeSubnet(caller, s, nets, access));
  }
  return renderSubnets(net.db, rows);
}

export async function subnetRow(db: Db, caller: Caller, id: string): Promise<{ row: Row; network: Row; access: NetworkAccess }> {
  const row = await db.selectFrom('subnets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw subnetNotFound(id);
  const network = await db.selectFrom('networks').selectAll().where('id', '=', row.network_id).executeTakeFirstOrThrow();
  const access = await networkAccess(db, caller.projectId);
  if (!canSeeSubnet(caller, row, new Map([[network.id, network]]), access)) throw subnetNotFound(id);
  return { row, network, access };
}

export interface SubnetCreate {
  project_id: string; network_id: string; name: string; description: string; ip_version: IpVersion;
  cidr?: string; prefixlen?: number; subnetpool_id?: string | null; use_default_subnetpool?: boolean;
  gateway_ip?: string | null; allocation_pools?: Pool[]; enable_dhcp: boolean; ipv6_ra_mode: string | null; ipv6_address_mode: string | null;
  dns_nameservers: string[]; host_routes: Array<{ destination: string; nexthop: string }>;
}

async function resolveCidr(db: Db, caller: Caller, it: SubnetCreate): Promise<{ cidr: string; poolId: string | null }> {
  if (it.cidr !== undefined && it.prefixlen !== undefined) throw badResourceRequest('subnets', 'cidr and prefixlen must not be supplied together');
  let poolId = it.subnetpool_id ?? null;
  if (!poolId && it.use_default_subnetpool) poolId = await defaultPoolId(db, it.ip_version);
  if (!poolId) {
    if (it.cidr === undefined) throw badResourceRequest('subnets', 'a subnetpool must be specified in the absence of a cidr');
    return { cidr: formatNetwork(parseCidr(it.cidr)!), poolId: null };
  }
  const normalized = it.cidr === undefined ? undefined : formatNetwork(parseCidr(it.cidr)!);
  return { cidr: await allocateFromPool(db, caller, poolId, it.ip_version, normalized, it.prefixlen), poolId };
}

/** EUI-64 addresses on a new auto-address subnet for the ports already on the network. */
async function addAutoAddresses(db: Db, subnetId: string, networkId: string, cidr: string): Promise<string[]> {
  const prefix = parseCidr(cidr)!;
  const ports = await db.selectFrom('ports').select(['id', 'mac_address', 'device_owner', 'host']).where('network_id', '=', networkId).execute();
  const changed: string[] = [];
  for (const p of ports) {
    if (ROUTER_OWNERS.has(p.device_owner) || p.device_owner === 'network:router_gateway' || p.device_owner === 'network:floatingip') continue;
    await db.insertInto('ip_allocations').values({ subnet_id: subnetId, ip_address: formatIp(6, eui64(prefix, p.mac_address)), network_id: networkId, port_id: p.id })
      .onConflict((oc: any) => oc.doNothing()).execute();
    await bump(db, 'ports', p.id);
    if (p.host) changed.push(`${p.host}|${p.id}`);
  }
  return changed;
}

export async function createSubnets(net: Net, caller: Caller, items: SubnetCreate[]) {
  const { ids, portsToNotify, networks } = await inTransaction(net.db, async (trx) => {
    const out: string[] = []; const notify: string[] = []; const nets = new Set<string>();
    for (const it of items) {
      const network = await trx.selectFrom('networks').selectAll().where('id', '=', it.network_id).executeTakeFirst();
      if (!network || !canSee(caller, network, await networkAccess(trx, caller.projectId))) throw networkNotFound(it.network_id);
      await bump(trx, 'networks', network.id);
      await checkQuota(net, trx, it.project_id, 'subnet');
      const { cidr, poolId } = await resolveCidr(trx, caller, it);
      const a: Addressing = {
        ip_version: it.ip_version, cidr, gateway_ip: it.gateway_ip === undefined ? null : it.gateway_ip, enable_dhcp: it.enable_dhcp,
        ipv6_ra_mode: it.ipv6_ra_mode, ipv6_address_mode: it.ipv6_address_mode, dns_nameservers: it.dns_nameservers, host_routes: it.host_routes,
      };
      const parsed = checkAddressing(net.settings, a, true);
      if (a.ip_version === 6 && Number(network.mtu) < 1280) throw conflict('NetworkMTUSubnetConflict', `MTU of ${network.id} is not valid, subnet requires a minimum of 1280`);
      // gateway: unset → first address; null → none
      const gateway = it.gateway_ip === undefined ? defaultGateway(parsed) : checkGateway(net.settings, a, parsed);
      const gwText = gateway === undefined ? null : formatIp(a.ip_version, gateway);
      const pools = it.allocation_pools ? parsePools(a.ip_version, it.allocation_pools) : defaultPools(parsed, gateway);
      checkPools(parsed, cidr, pools, gateway);
      const siblings = await trx.selectFrom('subnets').select(['id', 'cidr', 'subnetpool_id']).where('network_id', '=', network.id).execute();
      for (const s of siblings) {
        if (overlaps(parseCidr(s.cidr)!, parsed)) {
          throw invalidInput(`Requested subnet with cidr: ${cidr} for network: ${network.id} overlaps with another subnet`);
        }
      }
      const id = uuid();
      await trx.insertInto('subnets').values({
        id, project_id: it.project_id, network_id: network.id, name: it.name, ip_version: a.ip_version, cidr, gateway_ip: gwText,
        enable_dhcp: a.enable_dhcp, ipv6_ra_mode: a.ipv6_ra_mode, ipv6_address_mode: a.ipv6_address_mode, subnetpool_id: poolId,
        dns_nameservers: dbJson(a.dns_nameservers), host_routes: dbJson(a.host_routes), allocation_pools: dbJson(poolsToApi(pools)),
        ...newStd(it.description),
      }).execute();
      if (AUTO_MODES.has(a.ipv6_address_mode ?? '') || AUTO_MODES.has(a.ipv6_ra_mode ?? '')) notify.push(...await addAutoAddresses(trx, id, network.id, cidr));
      if (a.enable_dhcp) await scheduleDhcp(net, trx, network.id);
      nets.add(network.id);
      out.push(id);
    }
    return { ids: out, portsToNotify: notify, networks: nets };
  });
  for (const hp of portsToNotify) { const [host, id] = hp.split('|'); net.agents.portChanged(host!, id!); }
  for (const n of networks) net.agents.networkChanged(n);
  const rows = await net.db.selectFrom('subnets').selectAll().where('id', 'in', ids).execute();
  const byId = new Map((await renderSubnets(net.db, rows)).map((s) => [s.id, s]));
  return ids.map((id) => byId.get(id)!);
}

export async function updateSubnet(net: Net, row: Row, ch: Record<string, unknown>, ifMatch?: number) {
  await inTransaction(net.db, async (trx) => {
    const version = Number(row.ip_version) as IpVersion;
    const a: Addressing = {
      ip_version: version, cidr: row.cidr, gateway_ip: ch.gateway_ip !== undefined ? ch.gateway_ip as string | null : row.gateway_ip,
      enable_dhcp: ch.enable_dhcp !== undefined ? ch.enable_dhcp as boolean : bool(row.enable_dhcp),
      ipv6_ra_mode: row.ipv6_ra_mode, ipv6_address_mode: row.ipv6_address_mode,
      dns_nameservers: (ch.dns_nameservers as string[] | undefined) ?? json<string[]>(row.dns_nameservers, []),
      host_routes: (ch.host_routes as Addressing['host_routes'] | undefined) ?? json(row.host_routes, []),
    };
    if (version === 6 && !a.enable_dhcp && (row.ipv6_ra_mode || row.ipv6_address_mode)) throw invalidInput('Cannot disable enable_dhcp with ipv6 attributes set');
    const cidr = checkAddressing(net.settings, a, false);
    const gateway = checkGateway(net.settings, a, cidr);
    if (ch.gateway_ip !== undefined && row.gateway_ip && a.gateway_ip !== row.gateway_ip) {
      const used = await trx.selectFrom('ip_allocations as a').innerJoin('ports as p', 'p.id', 'a.port_id').select('p.id')
        .where('a.subnet_id', '=', row.id).where('a.ip_address', '=', row.gateway_ip).where('p.device_owner', 'in', [...ROUTER_OWNERS]).executeTakeFirst();
      if (used) throw conflict('GatewayIpInUse', `Current gateway ip ${row.gateway_ip} already in use by port ${used.id}. Unable to update.`);
    }
    const pools = ch.allocation_pools !== undefined ? parsePools(version, ch.allocation_pools as Pool[]) : parsePools(version, json<Pool[]>(row.allocation_pools, []));
    checkPools(cidr, row.cidr, pools, gateway);
    const set: Row = {
      gateway_ip: gateway === undefined ? null : formatIp(version, gateway), enable_dhcp: a.enable_dhcp,
      dns_nameservers: dbJson(a.dns_nameservers), host_routes: dbJson(a.host_routes), allocation_pools: dbJson(poolsToApi(pools)),
    };
    for (const k of ['name', 'description']) if (ch[k] !== undefined) set[k] = ch[k];
    if (await bump(trx, 'subnets', row.id, ifMatch, set) === undefined) throw subnetNotFound(row.id);
    if (a.enable_dhcp) await scheduleDhcp(net, trx, row.network_id);
  });
  net.agents.networkChanged(row.network_id);
  const fresh = await net.db.selectFrom('subnets').selectAll().where('id', '=', row.id).execute();
  return (await renderSubnets(net.db, fresh))[0]!;
}

export async function deleteSubnet(net: Net, row: Row, ifMatch?: number): Promise<void> {
  const changed = await inTransaction(net.db, async (trx) => {
    if (ifMatch !== undefined) await bump(trx, 'subnets', row.id, ifMatch);
    await bump(trx, 'networks', row.network_id);
    const auto = AUTO_MODES.has(row.ipv6_address_mode ?? '') || AUTO_MODES.has(row.ipv6_ra_mode ?? '');
    const allocs = await trx.selectFrom('ip_allocations as a').innerJoin('ports as p', 'p.id', 'a.port_id')
      .select(['p.id', 'p.device_owner', 'p.host']).where('a.subnet_id', '=', row.id).execute();
    const blocking = allocs.filter((p: Row) => p.device_owner !== 'network:dhcp' && (!auto || ROUTER_OWNERS.has(p.device_owner)));
    if (blocking.length) {
      throw conflict('SubnetInUse', `Unable to complete operation on subnet ${row.id}: One or more ports have an IP allocation from this subnet.`);
    }
    for (const p of allocs) await bump(trx, 'ports', p.id);
    await dropTags(trx, row.id);
    await trx.deleteFrom('subnets').where('id', '=', row.id).execute();
    return allocs.filter((p: Row) => p.host);
  });
  for (const p of changed) net.agents.portChanged(p.host, p.id);
  net.agents.networkChanged(row.network_id);
}

