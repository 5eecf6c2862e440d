// IPv4/IPv6 addresses and networks as bigints, parsed as strictly as neutron-lib's validators
// (no leading zeros, no inet_aton shorthands like '10.1' or '256') and printed as netaddr
// prints them (IPv6 compressed per RFC 5952, lower case).

export type IpVersion = 4 | 6;
export interface Ip { version: IpVersion; value: bigint }
export interface Cidr { version: IpVersion; /** the address as written (host bits may be set) */ ip: bigint; prefixlen: number }

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };
export const bitsOf = (v: IpVersion): number => BITS[v];

const V4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!V4_OCTET.test(p)) return undefined;
    out = (out << 8n) | BigInt(Number(p));
  }
  return out;
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.includes(':::')) return undefined;
  let tail: bigint | undefined;
  let text = s;
  // An embedded IPv4 address takes the last 32 bits (::ffff:1.2.3.4).
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail = parseV4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...Array(8 - total).fill('0'), ...rest];
  let out = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out = (out << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== undefined) out = (out & ~0xffffffffn) | tail;
  return out;
}

/** Parses an address; undefined when it is not one (whitespace, shorthands, leading zeros). */
export function parseIp(s: unknown): Ip | undefined {
  if (typeof s !== 'string' || s.length === 0 || s.length > 64) return undefined;
  if (s.includes(':')) {
    const v = parseV6(s);
    return v === undefined ? undefined : { version: 6, value: v };
  }
  const v = parseV4(s);
  return v === undefined ? undefined : { version: 4, value: v };
}

/** Parses 'addr/len' (or a bare address when `allowBare`, taken as a host prefix). */
export function parseCidr(s: unknown, allowBare = false): Cidr | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  if (slash < 0) {
    if (!allowBare) return undefined;
    const ip = parseIp(s);
    return ip && { version: ip.version, ip: ip.value, prefixlen: BITS[ip.version] };
  }
  const ip = parseIp(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(lenText)) return undefined;
  const prefixlen = Number(lenText);
  if (prefixlen > BITS[ip.version]) return undefined;
  return { version: ip.version, ip: ip.value, prefixlen };
}

export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String((value >> sh) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // IPv4-mapped addresses keep the dotted tail, as netaddr prints them.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIp(4, value & 0xffffffffn)}`;
  }
  // The longest run (>= 2) of zero groups, leftmost on ties, becomes '::'.
  let bestStart = -1; let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an address string, or undefined if it is not one. */
export function canonicalIp(s: unknown): string | undefined {
  const ip = parseIp(s);
  return ip && formatIp(ip.version, ip.value);
}

const maskOf = (version: IpVersion, prefixlen: number): bigint => {
  const bits = BigInt(BITS[version]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefixlen))) - 1n);
};

export const networkOf = (c: Cidr): bigint => c.ip & maskOf(c.version, c.prefixlen);
export const firstOf = networkOf;
export const lastOf = (c: Cidr): bigint => networkOf(c) | ((1n << BigInt(BITS[c.version] - c.prefixlen)) - 1n);
export const sizeOf = (c: Cidr): bigint => 1n << BigInt(BITS[c.version] - c.prefixlen);

/** 'network/len' with host bits cleared, as Neutron stores subnet CIDRs. */
export const formatNetwork = (c: Cidr): string => `${formatIp(c.version, networkOf(c))}/${c.prefixlen}`;
/** The prefix as written, with its length: '10.0.0.1/24', as netaddr's str(IPNetwork). */
export const formatCidr = (c: Cidr): string => `${formatIp(c.version, c.ip)}/${c.prefixlen}`;

export function contains(c: Cidr, ip: Ip | bigint): boolean {
  const v = typeof ip === 'bigint' ? ip : ip.version === c.version ? ip.value : undefined;
  return v !== undefined && v >= networkOf(c) && v <= lastOf(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && networkOf(a) <= lastOf(b) && networkOf(b) <= lastOf(a);
}

/** A range of addresses, inclusive. */
export interface IpRange { version: IpVersion; first: bigint; last: bigint }
export const rangeText = (r: IpRange): string => `${formatIp(r.version, r.first)}-${formatIp(r.version, r.last)}`;

/**
 * Neutron's default allocation pools (neutron/ipam/utils.generate_pools): the subnet without its
 * network address, without the IPv4 broadcast address and without the gateway.
 */
export function defaultPools(c: Cidr, gateway: bigint | undefined): IpRange[] {
  const first = networkOf(c); const last = lastOf(c);
  if (first === last) return [{ version: c.version, first, last }];
  const lo = first + 1n; const hi = last - (c.version === 4 ? 1n : 0n);
  if (lo >= hi) return [];
  if (gateway === undefined || gateway < lo || gateway > hi) return [{ version: c.version, first: lo, last: hi }];
  const out: IpRange[] = [];
  if (gateway > lo) out.push({ version: c.version, first: lo, last: gateway - 1n });
  if (gateway < hi) out.push({ version: c.version, first: gateway + 1n, last: hi });
  return out;
}

/** The modified EUI-64 address of `mac` in a /64 (oslo's get_ipv6_addr_by_EUI64). */
export function eui64(prefix: Cidr, mac: string): bigint {
  const bytes = mac.split(/[:-]/).map((h) => parseInt(h, 16));
  const iid = [bytes[0]! ^ 0x02, bytes[1]!, bytes[2]!, 0xff, 0xfe, bytes[3]!, bytes[4]!, bytes[5]!];
  let v = 0n;
  for (const b of iid) v = (v << 8n) | BigInt(b);
  return networkOf(prefix) | v;
}

export const isMulticast = (c: Cidr): boolean => (c.version === 4
  ? (networkOf(c) >> 28n) === 0xen
  : (networkOf(c) >> 120n) === 0xffn);
export const isLoopback = (c: Cidr): boolean => (c.version === 4
  ? (networkOf(c) >> 24n) === 127n
  : networkOf(c) === 1n && c.prefixlen === 128);
