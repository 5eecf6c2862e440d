// neutron-lib's attribute validators and converters (neutron_lib/api/validators, converters),
// with their messages, so bad input gets the same 400 text Neutron gives.
import { isUuidLike } from '../../../lib/ids.ts';
import { invalidInput } from '../errors.ts';
import { canonicalIp, formatCidr, parseCidr, parseIp } from '../lib/ip.ts';
import { normalizeMac } from '../lib/mac.ts';

/** A validator returns the reason the value is bad, or undefined. */
export type Validator = (v: unknown) => string | undefined;

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export const string = (maxLen?: number): Validator => (v) => {
  if (typeof v !== 'string') return `'${show(v)}' is not a valid string`;
  if (maxLen !== undefined && v.length > maxLen) return `'${v}' exceeds maximum length of ${maxLen}`;
  return undefined;
};
export const stringOrNull = (maxLen?: number): Validator => (v) => (v === null ? undefined : string(maxLen)(v));
export const notEmptyString = (maxLen?: number): Validator => (v) => string(maxLen)(v) ?? (String(v).trim() === '' ? `'${v}' Blank strings are not permitted` : undefined);
export const values = (allowed: readonly unknown[]): Validator => (v) => (allowed.includes(v) ? undefined : `${show(v)} is not in [${allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ')}]`);
export const valuesOrNull = (allowed: readonly unknown[]): Validator => (v) => (v === null ? undefined : values(allowed)(v));
export const uuid: Validator = (v) => (typeof v === 'string' && isUuidLike(v) ? undefined : `'${show(v)}' is not a valid UUID`);
export const uuidOrNull: Validator = (v) => (v === null ? undefined : uuid(v));
export const dict: Validator = (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? undefined : `'${show(v)}' is not a dictionary`);
export const dictOrNull: Validator = (v) => (v === null ? undefined : dict(v));

export function ipAddress(v: unknown): string | undefined {
  if (typeof v !== 'string' || parseIp(v) === undefined) return `'${show(v)}' is not a valid IP address`;
  const canonical = canonicalIp(v)!;
  if (!v.includes(':') && canonical !== v) return `'${v}' is not an accepted IP address, '${canonical}' is recommended`;
  return undefined;
}
export const ipAddressOrNull: Validator = (v) => (v === null ? undefined : ipAddress(v));
export const subnetCidr: Validator = (v) => (parseCidr(v) ? undefined : `'${show(v)}' is not a valid IP subnet`);
export const ipOrSubnet: Validator = (v) => (parseCidr(v, true) ? undefined : `'${show(v)}' is neither a valid IP address, nor is it a valid IP subnet`);
export const macAddress: Validator = (v) => (normalizeMac(v) ? undefined : `'${show(v)}' is not a valid MAC address`);

export function range(min: number, max?: number): Validator {
  return (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return `'${show(v)}' is not an integer`;
    if (v < min) return `'${v}' is too small - must be at least '${min}'`;
    if (max !== undefined && v > max) return `'${v}' is too large - must be no larger than '${max}'`;
    return undefined;
  };
}

export const listOf = (item: Validator, { unique = false } = {}): Validator => (v) => {
  if (!Array.isArray(v)) return `'${show(v)}' is not a list`;
  for (const x of v) {
    const r = item(x);
    if (r) return r;
  }
  if (unique) {
    const seen = new Set<string>(); const dup: string[] = [];
    for (const x of v) { const k = show(x); if (seen.has(k)) dup.push(k); seen.add(k); }
    if (dup.length) return `Duplicate items in the list: '${dup.join(', ')}'`;
  }
  return undefined;
};

export const nameservers: Validator = (v) => {
  if (!Array.isArray(v)) return `Invalid data format for nameserver: '${show(v)}'`;
  const seen = new Set<string>();
  for (const host of v) {
    const bad = ipAddress(host);
    if (bad) return `'${show(host)}' is not a valid nameserver. ${bad}`;
    if (seen.has(host as string)) return `Duplicate nameserver '${host}'`;
    seen.add(host as string);
  }
  return undefined;
};

export const hostRoutes: Validator = (v) => {
  if (!Array.isArray(v)) return `Invalid data format for hostroute: '${show(v)}'`;
  const seen = new Set<string>();
  for (const r of v) {
    if (dict(r)) return `Invalid data format for hostroute: '${show(r)}'`;
    const keys = Object.keys(r as object).sort().join(',');
    if (keys !== 'destination,nexthop') return `Expected keys: destination, nexthop; Received keys: ${Object.keys(r as object).join(', ')}`;
    const rt = r as { destination: unknown; nexthop: unknown };
    const dest = parseCidr(rt.destination);
    if (!dest || dest.ip !== (dest.ip & ~((1n << BigInt((dest.version === 4 ? 32 : 128) - dest.prefixlen)) - 1n))) return `'${show(rt.destination)}' is not a valid CIDR`;
    const bad = ipAddress(rt.nexthop);
    if (bad) return bad;
    const key = `${rt.destination}|${rt.nexthop}`;
    if (seen.has(key)) return `Duplicate hostroute '${show(r)}'`;
    seen.add(key);
  }
  return undefined;
};

export const ipPools: Validator = (v) => {
  if (!Array.isArray(v)) return `Invalid data format for IP pool: '${show(v)}'`;
  for (const p of v) {
    if (dict(p)) return `Invalid data format for IP pool: '${show(p)}'`;
    const keys = Object.keys(p as object).sort().join(',');
    if (keys !== 'end,start') return `Expected keys: end, start; Received keys: ${Object.keys(p as object).join(', ')}`;
    for (const k of ['start', 'end'] as const) {
      const bad = ipAddress((p as Record<string, unknown>)[k]);
      if (bad) return bad;
    }
  }
  return undefined;
};

export const fixedIps: Validator = (v) => {
  if (!Array.isArray(v)) return `Invalid data format for fixed IP: '${show(v)}'`;
  const ips = new Set<string>();
  for (const f of v) {
    if (dict(f)) return `Invalid data format for fixed IP: '${show(f)}'`;
    const e = f as Record<string, unknown>;
    for (const k of Object.keys(e)) if (k !== 'ip_address' && k !== 'subnet_id') return `Invalid data format for fixed IP: '${show(f)}'`;
    if ('ip_address' in e) {
      if (typeof e.ip_address === 'string' && ips.has(e.ip_address)) return `Duplicate IP address '${e.ip_address}'`;
      const bad = ipAddress(e.ip_address);
      if (bad) return bad;
      ips.add(e.ip_address as string);
    }
    if ('subnet_id' in e) {
      const bad = uuid(e.subnet_id);
      if (bad) return bad;
    }
  }
  return undefined;
};

/** neutron_lib convert_to_boolean. */
export function toBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.toLowerCase();
    if (l === 'true' || l === '1') return true;
    if (l === 'false' || l === '0') return false;
  }
  if (v === 0) return false;
  if (v === 1) return true;
  throw invalidInput(`'${show(v)}' cannot be converted to boolean`);
}

/** neutron_lib convert_to_int. */
export function toInt(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  throw invalidInput(`'${show(v)}' is not an integer`);
}
export const toIntOrNull = (v: unknown): number | null => (v === null ? null : toInt(v));
export const noneToEmptyList = (v: unknown): unknown => (v === null ? [] : v);
export const noneToEmptyDict = (v: unknown): unknown => (v === null ? {} : v);
export const toLowerMac = (v: unknown): unknown => normalizeMac(v) ?? v;
export const toCanonicalIp = (v: unknown): unknown => canonicalIp(v) ?? v;
/** A bare address becomes a host prefix: 10.0.0.1 → 10.0.0.1/32 (convert_ip_prefix_to_cidr). */
export const toCidr = (v: unknown): unknown => {
  const c = typeof v === 'string' ? parseCidr(v, true) : undefined;
  return c ? formatCidr(c) : v;
};
