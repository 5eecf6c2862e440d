// Nova validates request bodies and query strings with JSON Schema (draft 4) plus its own formats
// (nova/api/validation). This is the subset its schemas use, so they can be transcribed as they
// are, and the first problem is reported in Nova's words: "Invalid input for field/attribute X.
// Value: Y. Z" (400).
import { BadRequest } from '../../../lib/errors.ts';
import { isUuidLike } from '../../../lib/ids.ts';

export type Schema = Record<string, any>;

const typeOf = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
};
const isType = (v: unknown, t: string) => typeOf(v) === t || (t === 'number' && typeOf(v) === 'integer');

/** Python's repr, as Nova's messages show values. */
export const pyRepr = (v: unknown): string => {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
};

// Printable: not a control/format/unassigned char (\p{C}) and no separator but the space kind.
const PRINTABLE = '[^\\p{C}\\p{Zl}\\p{Zp}]';
const EDGE_OK = '[^\\p{C}\\p{Z}]';
const NAME_RE = new RegExp(`^(?:${EDGE_OK}(?:${PRINTABLE}*${EDGE_OK})?)$`, 'u');
const NAME_WS_RE = new RegExp(`^${PRINTABLE}*${EDGE_OK}${PRINTABLE}*$`, 'u');
const DESCRIPTION_RE = new RegExp(`^${PRINTABLE}*$`, 'u');
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  const parts = s.split('::');
  if (parts.length > 2) return false;
  const groups = (p: string) => (p ? p.split(':') : []);
  const all = [...groups(parts[0]!), ...groups(parts[1] ?? '')];
  const last = all[all.length - 1];
  const v4 = last !== undefined && last.includes('.');
  if (v4 && !IPV4_RE.test(last!)) return false;
  const n = all.length + (v4 ? 1 : 0);
  if (!all.slice(0, v4 ? -1 : undefined).every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return parts.length === 2 ? n < 8 : n === 8;
}

const FORMATS: Record<string, (s: string) => boolean> = {
  uuid: (s) => isUuidLike(s),
  name: (s) => NAME_RE.test(s),
  name_with_leading_trailing_spaces: (s) => NAME_WS_RE.test(s),
  az_name: (s) => NAME_RE.test(s) && !s.includes(':'),
  description: (s) => DESCRIPTION_RE.test(s),
  ipv4: (s) => IPV4_RE.test(s),
  ipv6: isIpv6,
  'ip-address': (s) => IPV4_RE.test(s) || isIpv6(s),
  base64: (s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s),
  'date-time': (s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(s),
  cidr: (s) => /^[0-9a-fA-F.:]+\/\d{1,3}$/.test(s),
  regex: (s) => { try { new RegExp(s); return true; } catch { return false; } },
};

const FORMAT_REASONS: Record<string, string> = {
  name: "'%s' is not a 'name'", uuid: "'%s' is not a 'uuid'", base64: "'%s' is not a 'base64'",
};

interface Problem { path: string[]; value: unknown; message: string }

function check(v: unknown, s: Schema, path: string[]): Problem | undefined {
  const fail = (message: string): Problem => ({ path, value: v, message });
  if (s.type !== undefined) {
    const types = [s.type].flat() as string[];
    if (!types.some((t) => isType(v, t))) return fail(`${pyRepr(v)} is not of type ${types.map((t) => `'${t}'`).join(', ')}`);
  }
  if (s.enum && !s.enum.some((e: unknown) => e === v)) return fail(`${pyRepr(v)} is not one of ${pyRepr(s.enum)}`);
  if (s.oneOf) {
    const ok = s.oneOf.filter((sub: Schema) => !check(v, sub, path));
    if (ok.length !== 1) return fail(ok.length ? `${pyRepr(v)} is valid under each of the given schemas` : `${pyRepr(v)} is not valid under any of the given schemas`);
  }
  if (s.anyOf && !s.anyOf.some((sub: Schema) => !check(v, sub, path))) return fail(`${pyRepr(v)} is not valid under any of the given schemas`);
  if (s.allOf) for (const sub of s.allOf) { const p = check(v, sub, path); if (p) return p; }
  if (s.not && !check(v, s.not, path)) return fail(`${pyRepr(v)} should not be valid under the given schema`);
  if (typeof v === 'string') {
    if (s.minLength !== undefined && [...v].length < s.minLength) return fail(`${pyRepr(v)} is too short`);
    if (s.maxLength !== undefined && [...v].length > s.maxLength) return fail(`${pyRepr(v)} is too long`);
    if (s.pattern && !new RegExp(s.pattern, 'u').test(v)) return fail(`${pyRepr(v)} does not match '${s.pattern}'`);
    if (s.format && FORMATS[s.format] && !FORMATS[s.format]!(v)) return fail((FORMAT_REASONS[s.format] ?? `'%s' is not a '${s.format}'`).replace('%s', v));
  }
  if (typeof v === 'number' || (typeof v === 'string' && s.minimum !== undefined && /^-?\d+$/.test(v))) {
    const n = Number(v);
    if (s.minimum !== undefined && n < s.minimum) return fail(`${pyRepr(v)} is less than the minimum of ${s.minimum}`);
    if (s.maximum !== undefined && n > s.maximum) return fail(`${pyRepr(v)} is greater than the maximum of ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) return fail(`${pyRepr(v)} is too short`);
    if (s.maxItems !== undefined && v.length > s.maxItems) return fail(`${pyRepr(v)} is too long`);
    if (s.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) return fail(`${pyRepr(v)} has non-unique elements`);
    if (s.items) for (let i = 0; i < v.length; i++) { const p = check(v[i], s.items, [...path, String(i)]); if (p) return p; }
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    for (const r of s.required ?? []) if (!(r in o)) return fail(`'${r}' is a required property`);
    if (s.minProperties !== undefined && keys.length < s.minProperties) return fail(`${pyRepr(v)} does not have enough properties`);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) return fail(`${pyRepr(v)} has too many properties`);
    const extra: string[] = [];
    for (const k of keys) {
      let matched = false;
      if (s.properties && k in s.properties) { matched = true; const p = check(o[k], s.properties[k], [...path, k]); if (p) return p; }
      for (const [pat, sub] of Object.entries(s.patternProperties ?? {})) {
        if (new RegExp(pat, 'u').test(k)) { matched = true; const p = check(o[k], sub as Schema, [...path, k]); if (p) return p; }
      }
      if (!matched) {
        if (s.additionalProperties === false) extra.push(k);
        else if (typeof s.additionalProperties === 'object') { const p = check(o[k], s.additionalProperties, [...path, k]); if (p) return p; }
      }
    }
    if (extra.length) {
      return s.patternProperties && !s.properties
        ? fail(`${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'do' : 'does'} not match any of the regexes: ${Object.keys(s.patternProperties).map((k) => `'${k}'`).join(', ')}`)
        : fail(`Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`);
    }
  }
  return undefined;
}

/** Throws Nova's 400 for the first violation of `schema` by `value` (a request body). */
export function validate(value: unknown, schema: Schema): void {
  const p = check(value, schema, []);
  if (!p) return;
  const field = p.path.length ? p.path.join('/') : '';
  throw new BadRequest(`Invalid input for field/attribute ${field}. Value: ${pyRepr(p.value)}. ${p.message}`);
}

/** Query strings: Nova's "Invalid input for query parameters X. Value: Y. Z". */
export function validateQuery(query: Record<string, unknown>, schema: Schema): void {
  const asLists = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const p = check(asLists, schema, []);
  if (!p) return;
  throw new BadRequest(`Invalid input for query parameters ${p.path[0] ?? ''}. Value: ${pyRepr(p.value)}. ${p.message}`);
}

// Nova's parameter types, as its schemas use them.
export const T = {
  boolean: { type: ['boolean', 'string'], enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'] },
  positiveInteger: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, minLength: 1 },
  nonNegativeInteger: { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, minLength: 1 },
  name: { type: 'string', format: 'name', minLength: 1, maxLength: 255 },
  nameWithSpaces: { type: 'string', format: 'name_with_leading_trailing_spaces', minLength: 1, maxLength: 255 },
  azName: { type: 'string', format: 'az_name', minLength: 1, maxLength: 255 },
  description: { type: ['string', 'null'], format: 'description', minLength: 0, maxLength: 255 },
  uuid: { type: 'string', format: 'uuid' },
  hostname: { type: 'string', pattern: '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$', minLength: 2, maxLength: 63 },
  fqdn: { type: 'string', pattern: '^[a-zA-Z0-9-._]*$', minLength: 1, maxLength: 255 },
  metadata: { type: 'object', patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } }, additionalProperties: false },
  tag: { type: 'string', pattern: '^[^,/]*$', minLength: 1, maxLength: 60 },
  ipAddress: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
  accessIPv4: { type: 'string', format: 'ipv4' },
  accessIPv6: { type: 'string', format: 'ipv6' },
  diskConfig: { type: 'string', enum: ['AUTO', 'MANUAL'] },
  flavorRef: { type: ['string', 'integer'], minLength: 1 },
  imageIdOrEmpty: { oneOf: [{ type: 'string', format: 'uuid' }, { type: 'string', maxLength: 0 }] },
} as const satisfies Record<string, Schema>;

/** oslo's strutils.bool_from_string for the values T.boolean admits. */
export const toBool = (v: unknown): boolean => v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase()));

/** An IPv6 address as netaddr prints it (compressed, lower case, no embedded IPv4): Nova stores that. */
export function normalizeIpv6(s: string): string {
  let head = s.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(head);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    head = head.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [l, r] = head.includes('::') ? head.split('::') as [string, string] : [head, undefined];
  const left = l ? l.split(':') : [];
  const right = r ? r.split(':') : [];
  const groups = r === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const nums = groups.map((g) => parseInt(g || '0', 16));
  let best = -1; let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (nums[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && nums[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = nums.map((n) => n.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
