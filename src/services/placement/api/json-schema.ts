// A small JSON-schema validator, enough for placement's request schemas (placement/schemas/*.py,
// which change with the microversion, so they are checked in the handler rather than by the
// route table). Messages follow python-jsonschema's wording, which placement puts in its 400s.
export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  uniqueItems?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  format?: 'uuid';
  anyOf?: Schema[];
};

const UUID = /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;
/** oslo's is_uuid_like: dashes optional, any case. */
export const isUuidLike = (s: string): boolean => UUID.test(s);
/** The canonical form: lower case, dashed. */
export function normalizeUuid(s: string): string {
  const hex = s.toLowerCase().replace(/^urn:uuid:/, '').replace(/[{}-]/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const repr = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : JSON.stringify(v));
const pyType: Record<string, string> = { string: 'string', integer: 'integer', number: 'number', object: 'object', array: 'array', null: 'null', boolean: 'boolean' };

function typeOk(v: unknown, t: string): boolean {
  switch (t) {
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'null': return v === null;
    case 'boolean': return typeof v === 'boolean';
    default: return false;
  }
}

/** The first validation error, or undefined when `value` is valid. */
export function validate(value: unknown, schema: Schema): string | undefined {
  if (schema.anyOf && !schema.anyOf.some((s) => validate(value, s) === undefined)) return `${repr(value)} is not valid under any of the given schemas`;
  if (schema.type !== undefined) {
    const types = [schema.type].flat();
    if (!types.some((t) => typeOk(value, t))) return `${repr(value)} is not of type ${types.map((t) => `'${pyType[t] ?? t}'`).join(', ')}`;
  }
  if (schema.enum && !schema.enum.includes(value)) return `${repr(value)} is not one of ${JSON.stringify(schema.enum).replaceAll('"', "'")}`;
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) return `${repr(value)} is too short`;
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) return `${repr(value)} is too long`;
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) return `${repr(value)} does not match '${schema.pattern}'`;
    if (schema.format === 'uuid' && !isUuidLike(value)) return `${repr(value)} is not a 'uuid'`;
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return `${value} is less than the minimum of ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `${value} is greater than the maximum of ${schema.maximum}`;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return `${repr(value)} is too short`;
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) return `${repr(value)} has non-unique elements`;
    if (schema.items) for (const item of value) { const e = validate(item, schema.items); if (e) return e; }
  }
  if (typeOk(value, 'object')) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    for (const r of schema.required ?? []) if (!(r in obj)) return `${repr(r)} is a required property`;
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) return `${repr(obj)} does not have enough properties`;
    const extra: string[] = [];
    for (const k of keys) {
      let matched = false;
      const prop = schema.properties?.[k];
      if (prop) { matched = true; const e = validate(obj[k], prop); if (e) return e; }
      for (const [pat, sub] of Object.entries(schema.patternProperties ?? {})) {
        if (new RegExp(pat).test(k)) { matched = true; const e = validate(obj[k], sub); if (e) return e; }
      }
      if (!matched) {
        if (schema.additionalProperties === false) extra.push(k);
        else if (typeof schema.additionalProperties === 'object') { const e = validate(obj[k], schema.additionalProperties); if (e) return e; }
      }
    }
    if (extra.length) {
      if (schema.patternProperties && !schema.properties) return `${extra.map(repr).join(', ')} do${extra.length === 1 ? 'es' : ''} not match any of the regexes: ${Object.keys(schema.patternProperties).map(repr).join(', ')}`;
      return `Additional properties are not allowed (${extra.map(repr).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`;
    }
  }
  return undefined;
}
