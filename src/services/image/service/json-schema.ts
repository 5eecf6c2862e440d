// The part of JSON Schema (draft 4) that Glance's own schemas use, so request bodies are checked
// against exactly the schema that GET /v2/schemas/... publishes (Glance does the same with the
// jsonschema library). Returns the first problem as Glance words it, or undefined.

export type JsonSchema = Record<string, any>;

const typeOf = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
};

const matchesType = (v: unknown, t: string): boolean => {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
};

const py = (v: unknown): string => {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return JSON.stringify(v);
};

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  if (!ref.startsWith('#/')) return {};
  let node: any = root;
  for (const part of ref.slice(2).split('/')) node = node?.[part];
  return node ?? {};
}

function check(v: unknown, s: JsonSchema, root: JsonSchema): string | undefined {
  if (s.$ref) return check(v, resolveRef(s.$ref, root), root);
  for (const sub of s.allOf ?? []) {
    const e = check(v, sub, root);
    if (e) return e;
  }
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => matchesType(v, t))) return `${py(v)} is not of type ${types.map(py).join(', ')}`;
  }
  if (s.enum && !s.enum.some((e: unknown) => deepEqual(e, v))) return `${py(v)} is not one of ${py(s.enum)}`;
  if (typeof v === 'string') {
    if (s.maxLength !== undefined && [...v].length > s.maxLength) return `${py(v)} is too long`;
    if (s.minLength !== undefined && [...v].length < s.minLength) return `${py(v)} is too short`;
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) return `${py(v)} does not match ${py(s.pattern)}`;
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) return `${v} is less than the minimum of ${s.minimum}`;
    if (s.maximum !== undefined && v > s.maximum) return `${v} is greater than the maximum of ${s.maximum}`;
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) return `${py(v)} is too long`;
    if (s.minItems !== undefined && v.length < s.minItems) return `${py(v)} is too short`;
    if (s.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) return `${py(v)} has non-unique elements`;
    if (s.items) for (const item of v) { const e = check(item, s.items, root); if (e) return e; }
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in obj)) return `${py(r)} is a required property`;
    const props: Record<string, JsonSchema> = s.properties ?? {};
    for (const [k, val] of Object.entries(obj)) {
      if (k in props) {
        const e = check(val, props[k]!, root);
        if (e) return e;
      } else if (s.additionalProperties === false) {
        return `Additional properties are not allowed (${py(k)} was unexpected)`;
      } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        const e = check(val, s.additionalProperties, root);
        if (e) return e;
      }
    }
  }
  return undefined;
}

/** The first way `value` breaks `schema`, in jsonschema's words, or undefined when it fits. */
export function schemaError(value: unknown, schema: JsonSchema): string | undefined {
  return check(value, schema, schema);
}
