// Neutron's attribute maps, as data: which attributes a resource has, which a POST or PUT may
// carry, their defaults, converters and validators, which are filters and sort keys. The
// request body is checked against them the way neutron/api/v2/base.py prepare_request_body does,
// with the same messages ("Unrecognized attribute(s) 'x'", "Invalid input for y. Reason: …").
import { httpBadRequest } from '../errors.ts';
import type { Validator } from './validators.ts';

export type FilterKind = 'string' | 'bool' | 'int';

export interface AttrSpec {
  post?: boolean;
  put?: boolean;
  /** POST must give it (no default). */
  required?: boolean;
  /** Value when a POST omits it; a function for fresh objects/arrays. */
  default?: unknown;
  convert?: (v: unknown) => unknown;
  validate?: Validator;
  /** How a query value is compared when this attribute is a list filter. */
  filter?: FilterKind;
  sort?: boolean;
}
export type AttrMap = Record<string, AttrSpec>;

/** The attributes every resource with standard attributes has. */
export const standardAttrs: AttrMap = {
  id: { filter: 'string', sort: true },
  project_id: { post: true, filter: 'string', sort: true },
  tenant_id: { post: true, filter: 'string', sort: true },
  created_at: { filter: 'string', sort: true },
  updated_at: { filter: 'string', sort: true },
  revision_number: { filter: 'int', sort: true },
};

export type Body = Record<string, unknown>;

/** The items of a create request: `{network: {...}}` or, for bulk, `{networks: [...]}`. */
export function createItems(body: unknown, resource: string, collection: string, bulk = true): Body[] {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw httpBadRequest('Resource body required');
  const b = body as Body;
  if (bulk && collection in b) {
    const list = b[collection];
    if (!Array.isArray(list) || list.length === 0) throw httpBadRequest('Resources required');
    return list.map((item) => {
      const inner = item && typeof item === 'object' && !Array.isArray(item) && resource in item && Object.keys(item).length === 1 ? (item as Body)[resource] : item;
      if (!inner || typeof inner !== 'object' || Array.isArray(inner)) throw httpBadRequest(`Invalid format: ${JSON.stringify(item)}`);
      return inner as Body;
    });
  }
  const one = b[resource];
  if (one === undefined) throw httpBadRequest(`Unable to find '${resource}' in request body`);
  if (!one || typeof one !== 'object' || Array.isArray(one)) throw httpBadRequest(`Invalid format: ${JSON.stringify(one)}`);
  return [one as Body];
}

/** The single item of an update request. */
export function updateItem(body: unknown, resource: string): Body {
  return createItems(body, resource, '', false)[0]!;
}

function checkUnknown(attrs: AttrMap, item: Body): void {
  const unknown = Object.keys(item).filter((k) => !(k in attrs));
  if (unknown.length) throw httpBadRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
}

function convertAndValidate(name: string, spec: AttrSpec, value: unknown): unknown {
  const v = spec.convert ? spec.convert(value) : value;
  const reason = spec.validate?.(v);
  if (reason) throw httpBadRequest(`Invalid input for ${name}. Reason: ${reason}.`);
  return v;
}

export interface Prepared {
  /** Every POST-able attribute: given, converted, or its default. */
  values: Body;
  /** Attributes the request set to something other than the default (for attribute policies). */
  explicit: Set<string>;
}

export function prepareCreate(attrs: AttrMap, item: Body): Prepared {
  checkUnknown(attrs, item);
  const values: Body = {};
  const explicit = new Set<string>();
  for (const [name, spec] of Object.entries(attrs)) {
    if (!spec.post) {
      if (name in item) throw httpBadRequest(`Attribute '${name}' not allowed in POST`);
      continue;
    }
    if (name in item) {
      values[name] = convertAndValidate(name, spec, item[name]);
      const dflt = typeof spec.default === 'function' ? (spec.default as () => unknown)() : spec.default;
      if (!('default' in spec) || JSON.stringify(values[name]) !== JSON.stringify(dflt)) explicit.add(name);
    } else if ('default' in spec) {
      values[name] = typeof spec.default === 'function' ? (spec.default as () => unknown)() : spec.default;
    } else if (spec.required) {
      throw httpBadRequest(`Failed to parse request. Required attribute '${name}' not specified`);
    }
  }
  return { values, explicit };
}

export function prepareUpdate(attrs: AttrMap, item: Body): Prepared {
  checkUnknown(attrs, item);
  const values: Body = {};
  for (const [name, value] of Object.entries(item)) {
    const spec = attrs[name]!;
    if (!spec.put) throw httpBadRequest(`Cannot update read-only attribute ${name}`);
    values[name] = convertAndValidate(name, spec, value);
  }
  return { values, explicit: new Set(Object.keys(values)) };
}

/** project_id / tenant_id of a create request, as neutron_lib populate_project_info. */
export function requestedProject(values: Body, callerProject: string | undefined, canSetProject: boolean): string {
  const p = values.project_id as string | undefined;
  const t = values.tenant_id as string | undefined;
  if (p !== undefined && t !== undefined && p !== t) throw httpBadRequest("'project_id' and 'tenant_id' do not match");
  const project = p ?? t ?? callerProject;
  if (project === undefined) throw httpBadRequest("'project_id' must be specified");
  if (project !== callerProject && !canSetProject) {
    throw httpBadRequest("Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges");
  }
  return project;
}
