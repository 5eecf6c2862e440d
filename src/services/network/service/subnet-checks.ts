// Validation of a subnet's addressing (neutron db_base_plugin_v2._validate_subnet and
// ipam_backend_mixin.validate_allocation_pools), pure functions over parsed values.
import { badRequest, conflict, invalidInput } from '../errors.ts';
import {
  contains, defaultPools, firstOf, formatIp, isLoopback, isMulticast, lastOf, parseCidr, parseIp, rangeText,
  type Cidr, type IpRange, type IpVersion,
} from '../lib/ip.ts';
import type { NetSettings } from './net.ts';

export const AUTO_MODES = new Set(['slaac', 'dhcpv6-stateless']);
export const IPV6_MODES = ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'];

export interface Pool { start: string; end: string }

export function ipVersionMismatch(name: string, addr: string, version: number) {
  return invalidInput(`${name} '${addr}' does not match the ip_version '${version}'`);
}

export function parsePools(version: IpVersion, pools: Pool[]): IpRange[] {
  return pools.map((p) => {
    const s = parseIp(p.start)!; const e = parseIp(p.end)!;
    const text = `${p.start}-${p.end}`;
    if (s.version !== version || e.version !== version || s.value > e.value) throw badRequest('InvalidAllocationPool', `The allocation pool ${text} is not valid.`);
    return { version, first: s.value, last: e.value };
  });
}

export const poolsToApi = (pools: IpRange[]): Pool[] => pools.map((p) => ({ start: formatIp(p.version, p.first), end: formatIp(p.version, p.last) }));

/** validate_allocation_pools, plus the gateway conflict check. */
export function checkPools(cidr: Cidr, cidrText: string, pools: IpRange[], gateway: bigint | undefined): void {
  const first = firstOf(cidr); const last = lastOf(cidr);
  const [lo, hi] = cidr.version === 4
    ? (cidr.prefixlen <= 30 ? [first + 1n, last - 1n] : [first, last])
    : [first + 1n, last];
  for (const p of pools) {
    if (p.first < lo || p.last > hi) throw badRequest('OutOfBoundsAllocationPool', `The allocation pool ${rangeText(p)} spans beyond the subnet cidr ${cidrText}.`);
  }
  const sorted = [...pools].sort((a, b) => (a.first < b.first ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.first <= sorted[i - 1]!.last) {
      throw conflict('OverlappingAllocationPools', `Found overlapping allocation pools: ${rangeText(sorted[i - 1]!)} and ${rangeText(sorted[i]!)} for subnet ${cidrText}.`);
    }
  }
  if (gateway !== undefined) {
    for (const p of pools) {
      if (gateway >= p.first && gateway <= p.last) {
        throw conflict('GatewayConflictWithAllocationPools', `Gateway ip ${formatIp(cidr.version, gateway)} conflicts with allocation pool ${rangeText(p)}`);
      }
    }
  }
}

export interface Addressing {
  ip_version: IpVersion;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  dns_nameservers: string[];
  host_routes: Array<{ destination: string; nexthop: string }>;
}

/** The gateway a request asked for: undefined = default (first address), null = none. */
export function checkGateway(s: NetSettings, a: Addressing, cidr: Cidr): bigint | undefined {
  if (a.gateway_ip === null) return undefined;
  const gw = parseIp(a.gateway_ip)!;
  if (gw.version !== a.ip_version) throw ipVersionMismatch('gateway_ip', a.gateway_ip, a.ip_version);
  const inside = contains(cidr, gw);
  if (inside && cidr.version === 4 && cidr.prefixlen < 31 && (gw.value === firstOf(cidr) || gw.value === lastOf(cidr))) {
    throw invalidInput('Gateway is not valid on subnet');
  }
  if (!inside && !s.allowGatewayOutside) throw invalidInput(`Gateway IP ${a.gateway_ip} is not in subnet ${a.cidr}`);
  return gw.value;
}

/** Everything of _validate_subnet that does not need the database. */
export function checkAddressing(s: NetSettings, a: Addressing, creating: boolean): Cidr {
  const cidr = parseCidr(a.cidr)!;
  if (cidr.version !== a.ip_version) throw ipVersionMismatch('cidr', a.cidr, a.ip_version);
  if (cidr.prefixlen === 0) throw invalidInput('0 is not allowed as CIDR prefix length');
  if (cidr.version === 6 && firstOf(cidr) === 0n) throw invalidInput("IPv6 subnet '::' is not supported");
  if (creating && a.enable_dhcp) {
    if ((a.ip_version === 4 && cidr.prefixlen > 30) || (a.ip_version === 6 && cidr.prefixlen > 126)) {
      throw invalidInput('Subnet has a prefix length that is incompatible with DHCP service enabled');
    }
    if (isMulticast(cidr)) throw invalidInput('Multicast IP subnet is not supported if enable_dhcp is True');
    if (isLoopback(cidr)) throw invalidInput('Loopback IP subnet is not supported if enable_dhcp is True');
    if (a.ip_version === 4 && firstOf(cidr) === 0n) throw invalidInput("First IP '0.0.0.0' of network is not supported if enable_dhcp is True.");
  }
  if (a.dns_nameservers.length > s.maxDnsNameservers) {
    throw badRequest('DNSNameServersExhausted', `Unable to complete operation for new subnet. The number of DNS nameservers exceeds the limit ${s.maxDnsNameservers}.`);
  }
  for (const dns of a.dns_nameservers) if (parseIp(dns)!.version !== a.ip_version) throw ipVersionMismatch('dns_nameserver', dns, a.ip_version);
  if (a.host_routes.length > s.maxHostRoutes) {
    throw badRequest('HostRoutesExhausted', `Unable to complete operation for new subnet. The number of host routes exceeds the limit ${s.maxHostRoutes}.`);
  }
  for (const r of a.host_routes) {
    if (parseIp(r.nexthop)!.version !== a.ip_version) throw ipVersionMismatch('nexthop', r.nexthop, a.ip_version);
    if (parseCidr(r.destination)!.version !== a.ip_version) throw ipVersionMismatch('destination', r.destination, a.ip_version);
  }
  const ra = a.ipv6_ra_mode; const am = a.ipv6_address_mode;
  if (a.ip_version === 4) {
    if (ra) throw invalidInput('ipv6_ra_mode is not valid when ip_version is 4');
    if (am) throw invalidInput('ipv6_address_mode is not valid when ip_version is 4');
  } else if (creating) {
    if ((ra || am) && !a.enable_dhcp) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False');
    if (ra && am && ra !== am) {
      throw invalidInput(`ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${am}' is not valid. If both attributes are set, they must be the same value`);
    }
    if ((AUTO_MODES.has(ra ?? '') || AUTO_MODES.has(am ?? '')) && cidr.prefixlen !== 64) {
      throw invalidInput(`Invalid CIDR ${a.cidr} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64`);
    }
  }
  return cidr;
}

export { defaultPools };
