// IP address management. The ip_allocations primary key (subnet, address) is what guarantees
// an address is never handed out twice: every allocation is an INSERT … ON CONFLICT DO NOTHING,
// and a lost race just moves on to another candidate (on PostgreSQL the losing insert waits for
// the winner's commit, then skips). Candidates: the lowest free address of small pools (loaded
// whole), random addresses in the first 64Ki of large ones, and a full scan when those miss.
// Auto-address IPv6 subnets (SLAAC, DHCPv6-stateless) get the port's EUI-64 address instead.
import { randomInt } from 'node:crypto';
import { badRequest, invalidInput, ipAlreadyAllocated, ipGenerationFailure, invalidIpForNetwork, invalidIpForSubnet, subnetNotFound } from '../errors.ts';
import { contains, eui64, firstOf, formatIp, lastOf, parseCidr, parseIp, type Cidr, type IpRange } from '../lib/ip.ts';
import { AUTO_MODES, parsePools, type Pool } from './subnet-checks.ts';
import { json, type Db, type Row } from './std.ts';

export interface SubnetForIpam {
  id: string;
  network_id: string;
  ip_version: 4 | 6;
  cidr: Cidr;
  cidrText: string;
  gateway: bigint | undefined;
  pools: IpRange[];
  auto: boolean;
}

export function ipamSubnet(row: Row): SubnetForIpam {
  const cidr = parseCidr(row.cidr)!;
  const version = Number(row.ip_version) as 4 | 6;
  return {
    id: row.id, network_id: row.network_id, ip_version: version, cidr, cidrText: row.cidr,
    gateway: row.gateway_ip ? parseIp(row.gateway_ip)!.value : undefined,
    pools: parsePools(version, json<Pool[]>(row.allocation_pools, [])),
    auto: AUTO_MODES.has(row.ipv6_address_mode ?? '') || AUTO_MODES.has(row.ipv6_ra_mode ?? ''),
  };
}

export const ROUTER_OWNERS = new Set(['network:router_interface', 'network:ha_router_replicated_interface', 'network:router_interface_distributed', 'network:router_centralized_snat']);

export interface Allocation { subnet_id: string; ip_address: string }
/** A requested address; `any_of` (internal): one address from the first of these subnets with room. */
export interface IpRequest { subnet_id?: string; ip_address?: string; any_of?: string[] }

async function insertIp(db: Db, s: SubnetForIpam, portId: string, ip: string): Promise<boolean> {
  const res = await db.insertInto('ip_allocations').values({ subnet_id: s.id, ip_address: ip, network_id: s.network_id, port_id: portId })
    .onConflict((oc: any) => oc.doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

const poolSize = (pools: IpRange[]) => pools.reduce((n, p) => n + (p.last - p.first + 1n), 0n);
const SMALL_POOL = 4096n;
const WINDOW = 65536n;

async function usedSet(db: Db, subnetId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('ip_allocations').select('ip_address').where('subnet_id', '=', subnetId).execute();
  return new Set(rows.map((r: any) => r.ip_address));
}

/** Free addresses of the pools, in order, at most `max` of them. */
function freeAddresses(s: SubnetForIpam, used: Set<string>, max: number): string[] {
  const out: string[] = [];
  for (const p of s.pools) {
    for (let v = p.first; v <= p.last && out.length < max; v++) {
      const ip = formatIp(s.ip_version, v);
      if (!used.has(ip)) out.push(ip);
    }
    if (out.length >= max) break;
  }
  return out;
}

/** One address from the subnet's pools, or undefined when the pools are full. */
async function allocateAny(db: Db, s: SubnetForIpam, portId: string): Promise<string | undefined> {
  const size = poolSize(s.pools);
  if (size === 0n) return undefined;
  if (size > SMALL_POOL) {
    for (let attempt = 0; attempt < 16; attempt++) {
      const p = s.pools[randomInt(s.pools.length)]!;
      const span = p.last - p.first + 1n;
      const window = span < WINDOW ? span : WINDOW;
      const ip = formatIp(s.ip_version, p.first + BigInt(randomInt(Number(window))));
      if (await insertIp(db, s, portId, ip)) return ip;
    }
  }
  // Lowest free first; after losing a race, a random one of the next free ones, so that
  // concurrent writers spread out instead of queueing on the same address.
  for (let round = 0; round < 8; round++) {
    const free = freeAddresses(s, await usedSet(db, s.id), 64);
    if (!free.length) return undefined;
    for (let i = 0; i < free.length; i++) {
      const ip = i === 0 ? free[0]! : free[randomInt(free.length)]!;
      if (await insertIp(db, s, portId, ip)) return ip;
    }
  }
  return undefined;
}

async function allocateExact(db: Db, s: SubnetForIpam, portId: string, ipText: string): Promise<string> {
  const ip = parseIp(ipText)!;
  const canonical = formatIp(ip.version, ip.value);
  if (!contains(s.cidr, ip)) throw invalidIpForSubnet(ipText);
  if (s.ip_version === 4 && s.cidr.prefixlen < 31 && (ip.value === firstOf(s.cidr) || ip.value === lastOf(s.cidr))) throw invalidIpForSubnet(ipText);
  if (!await insertIp(db, s, portId, canonical)) throw ipAlreadyAllocated(canonical, s.id);
  return canonical;
}

async function allocateEui64(db: Db, s: SubnetForIpam, portId: string, mac: string): Promise<string> {
  const ip = formatIp(6, eui64(s.cidr, mac));
  if (!await insertIp(db, s, portId, ip)) throw ipAlreadyAllocated(ip, s.id);
  return ip;
}

export interface PortForIpam { id: string; network_id: string; mac_address: string; device_owner: string }

/**
 * Allocates the port's addresses on its network's subnets (Neutron's _allocate_ips_for_port):
 * the requested ones, or else one IPv4 address, one stateful IPv6 address and the EUI-64
 * address of every auto-address subnet (router ports get no automatic addresses).
 */
export async function allocateForPort(db: Db, subnets: SubnetForIpam[], port: PortForIpam, requested: IpRequest[] | undefined): Promise<Allocation[]> {
  const out: Allocation[] = [];
  const isRouter = ROUTER_OWNERS.has(port.device_owner);
  if (requested !== undefined) {
    for (const r of requested) {
      if (r.any_of) {
        let got: string | undefined;
        for (const id of r.any_of) {
          const cand = subnets.find((x) => x.id === id);
          got = cand && await allocateAny(db, cand, port.id);
          if (got) { out.push({ subnet_id: id, ip_address: got }); break; }
        }
        if (!got) throw ipGenerationFailure(port.network_id);
        continue;
      }
      let s: SubnetForIpam | undefined;
      if (r.subnet_id) {
        s = subnets.find((x) => x.id === r.subnet_id);
        if (!s) throw invalidInput(`Failed to create port on network ${port.network_id}, because fixed_ips included invalid subnet ${r.subnet_id}`);
      } else if (r.ip_address) {
        const ip = parseIp(r.ip_address)!;
        s = subnets.find((x) => contains(x.cidr, ip));
        if (!s) throw invalidIpForNetwork(r.ip_address);
      } else {
        throw badRequest('InvalidInput', 'Invalid input for operation: IP allocation requires subnet_id or ip_address.');
      }
      if (s.auto && !isRouter) {
        if (r.ip_address) throw invalidInput(`IPv6 address ${r.ip_address} cannot be directly assigned to a port on subnet ${s.id} as the subnet is configured for automatic addresses`);
        out.push({ subnet_id: s.id, ip_address: await allocateEui64(db, s, port.id, port.mac_address) });
        continue;
      }
      const ip = r.ip_address ? await allocateExact(db, s, port.id, r.ip_address) : await allocateAny(db, s, port.id);
      if (!ip) throw ipGenerationFailure(port.network_id);
      out.push({ subnet_id: s.id, ip_address: ip });
    }
    return out;
  }
  const v4 = subnets.filter((s) => s.ip_version === 4);
  const v6 = subnets.filter((s) => s.ip_version === 6 && !s.auto);
  for (const group of [v4, v6]) {
    if (!group.length) continue;
    let got: Allocation | undefined;
    for (const s of group) {
      const ip = await allocateAny(db, s, port.id);
      if (ip) { got = { subnet_id: s.id, ip_address: ip }; break; }
    }
    if (!got) throw ipGenerationFailure(port.network_id);
    out.push(got);
  }
  if (!isRouter) {
    for (const s of subnets.filter((x) => x.ip_version === 6 && x.auto)) {
      out.push({ subnet_id: s.id, ip_address: await allocateEui64(db, s, port.id, port.mac_address) });
    }
  }
  return out;
}

export async function releaseIps(db: Db, portId: string, keep: Allocation[] = []): Promise<void> {
  const rows = await db.selectFrom('ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', portId).execute();
  for (const r of rows) {
    if (keep.some((k) => k.subnet_id === r.subnet_id && k.ip_address === r.ip_address)) continue;
    await db.deleteFrom('ip_allocations').where('subnet_id', '=', r.subnet_id).where('ip_address', '=', r.ip_address).execute();
  }
}

export async function subnetsOfNetwork(db: Db, networkId: string): Promise<SubnetForIpam[]> {
  const rows = await db.selectFrom('subnets').selectAll().where('network_id', '=', networkId).orderBy('created_at').orderBy('id').execute();
  return rows.map(ipamSubnet);
}

export function requireSubnet(subnets: SubnetForIpam[], id: string): SubnetForIpam {
  const s = subnets.find((x) => x.id === id);
  if (!s) throw subnetNotFound(id);
  return s;
}
