// Placement's request schemas per microversion, transcribed from placement/schemas/*.py.
import type { Schema } from './json-schema.ts';

const MAX_INT = 2147483647;
const SQL_SP_FLOAT_MAX = 3.40282e38;
export const UUID_PATTERN = '^[0-9a-fA-F-]{36}$';
export const RC_PATTERN = '^[A-Z0-9_]+$';
export const CUSTOM_PATTERN = '^CUSTOM_[A-Z0-9_]+$';
const GROUP_PAT_1_33 = '[a-zA-Z0-9_-]{1,64}';

const clone = <T>(s: T): T => structuredClone(s);
const uuid: Schema = { type: 'string', format: 'uuid' };

// resource providers
export const postProvider: Schema = { type: 'object', properties: { name: { type: 'string', maxLength: 200 }, uuid }, required: ['name'], additionalProperties: false };
export const postProvider114: Schema = clone(postProvider);
postProvider114.properties!.parent_provider_uuid = { anyOf: [uuid, { type: 'null' }] };
export const putProvider: Schema = { type: 'object', properties: { name: { type: 'string', maxLength: 200 } }, required: ['name'], additionalProperties: false };
export const putProvider114: Schema = clone(putProvider);
putProvider114.properties!.parent_provider_uuid = { anyOf: [uuid, { type: 'null' }] };

export function listProvidersQuery(v: { gte(x: string): boolean }): Schema {
  const props: Record<string, Schema> = { name: { type: 'string' }, uuid };
  if (v.gte('1.3')) props.member_of = { type: 'string' };
  if (v.gte('1.4')) props.resources = { type: 'string' };
  if (v.gte('1.14')) props.in_tree = uuid;
  if (v.gte('1.18')) props.required = { type: 'string' };
  return { type: 'object', properties: props, additionalProperties: false };
}

// inventories
const inventoryProps: Record<string, Schema> = {
  resource_provider_generation: { type: 'integer' },
  total: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  reserved: { type: 'integer', maximum: MAX_INT, minimum: 0 },
  min_unit: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  max_unit: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  step_size: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  allocation_ratio: { type: 'number', maximum: SQL_SP_FLOAT_MAX },
};
export const baseInventory: Schema = { type: 'object', properties: inventoryProps, required: ['total', 'resource_provider_generation'], additionalProperties: false };
export const postInventory: Schema = { type: 'object', properties: { ...inventoryProps, resource_class: { type: 'string', pattern: RC_PATTERN } }, required: ['total', 'resource_class'], additionalProperties: false };
const inventoryRecord: Schema = { type: 'object', properties: inventoryProps, required: ['total'], additionalProperties: false };
export const putInventories: Schema = {
  type: 'object',
  properties: { resource_provider_generation: { type: 'integer' }, inventories: { type: 'object', patternProperties: { [RC_PATTERN]: inventoryRecord } } },
  required: ['resource_provider_generation', 'inventories'],
  additionalProperties: false,
};

// aggregates
const aggregateList: Schema = { type: 'array', items: uuid, uniqueItems: true };
export const putAggregates11: Schema = aggregateList;
export const putAggregates119: Schema = {
  type: 'object', properties: { aggregates: aggregateList, resource_provider_generation: { type: 'integer' } },
  required: ['aggregates', 'resource_provider_generation'], additionalProperties: false,
};

// traits
const trait: Schema = { type: 'string', minLength: 1, maxLength: 255 };
export const customTrait: Schema = { ...trait, pattern: CUSTOM_PATTERN };
export const setProviderTraits: Schema = {
  type: 'object', properties: { traits: { type: 'array', items: trait }, resource_provider_generation: { type: 'integer' } },
  required: ['traits', 'resource_provider_generation'], additionalProperties: false,
};
export const listTraitsQuery: Schema = { type: 'object', properties: { name: { type: 'string' }, associated: { type: 'string' } }, additionalProperties: false };

// resource classes
export const postResourceClass: Schema = { type: 'object', properties: { name: { type: 'string', pattern: CUSTOM_PATTERN, maxLength: 255 } }, required: ['name'], additionalProperties: false };

// usages
const projectUser: Record<string, Schema> = { project_id: { type: 'string', minLength: 1, maxLength: 255 }, user_id: { type: 'string', minLength: 1, maxLength: 255 } };
export const usagesQuery19: Schema = { type: 'object', properties: projectUser, required: ['project_id'], additionalProperties: false };
export const usagesQuery138: Schema = {
  type: 'object',
  properties: { ...projectUser, consumer_type: { type: 'string', pattern: `${RC_PATTERN}|^all|^unknown$`, minLength: 1, maxLength: 255 } },
  required: ['project_id'], additionalProperties: false,
};

// allocations
const resources: Schema = { type: 'object', minProperties: 1, patternProperties: { [RC_PATTERN]: { type: 'integer', minimum: 1 } }, additionalProperties: false };
const idString: Schema = { type: 'string', minLength: 1, maxLength: 255 };
export const allocation10: Schema = {
  type: 'object',
  properties: {
    allocations: {
      type: 'array', minItems: 1,
      items: {
        type: 'object',
        properties: { resource_provider: { type: 'object', properties: { uuid }, additionalProperties: false, required: ['uuid'] }, resources },
        required: ['resource_provider', 'resources'], additionalProperties: false,
      },
    },
  },
  required: ['allocations'], additionalProperties: false,
};
export const allocation18: Schema = clone(allocation10);
allocation18.properties!.project_id = idString;
allocation18.properties!.user_id = idString;
allocation18.required = ['allocations', 'project_id', 'user_id'];

export const allocation112: Schema = {
  type: 'object',
  properties: {
    allocations: {
      type: 'object', minProperties: 1,
      patternProperties: { [UUID_PATTERN]: { type: 'object', properties: { generation: { type: 'integer' }, resources }, required: ['resources'], additionalProperties: false } },
      additionalProperties: false,
    },
    project_id: idString,
    user_id: idString,
  },
  additionalProperties: false,
  required: ['allocations', 'project_id', 'user_id'],
};
const deletable: Schema = clone(allocation112);
deletable.properties!.allocations!.minProperties = 0;
export const postAllocations113: Schema = { type: 'object', minProperties: 1, additionalProperties: false, patternProperties: { [UUID_PATTERN]: deletable } };

export const allocation128: Schema = clone(deletable);
allocation128.properties!.consumer_generation = { type: ['integer', 'null'] };
allocation128.required = [...allocation128.required!, 'consumer_generation'];
export const postAllocations128: Schema = { ...postAllocations113, patternProperties: { [UUID_PATTERN]: allocation128 } };

const mappings: Schema = { type: 'object', minProperties: 1, patternProperties: { [GROUP_PAT_1_33]: { type: 'array', minItems: 1, items: uuid } } };
export const allocation134: Schema = clone(allocation128);
allocation134.properties!.mappings = mappings;
export const postAllocations134: Schema = { ...postAllocations113, patternProperties: { [UUID_PATTERN]: allocation134 } };

export const allocation138: Schema = clone(allocation134);
allocation138.properties!.consumer_type = { type: 'string', pattern: RC_PATTERN, minLength: 1, maxLength: 255 };
allocation138.required = [...allocation138.required!, 'consumer_type'];
export const postAllocations138: Schema = { ...postAllocations113, patternProperties: { [UUID_PATTERN]: allocation138 } };

// allocation candidates
export function candidatesQuery(v: { gte(x: string): boolean }): Schema {
  if (!v.gte('1.25')) {
    const props: Record<string, Schema> = { resources: { type: 'string' } };
    if (v.gte('1.16')) props.limit = { type: ['integer', 'string'], pattern: '^[1-9][0-9]*$', minimum: 1, minLength: 1 };
    if (v.gte('1.17')) props.required = { type: 'string' };
    if (v.gte('1.21')) props.member_of = { type: 'string' };
    return { type: 'object', properties: props, required: ['resources'], additionalProperties: false };
  }
  const suffix = v.gte('1.33') ? GROUP_PAT_1_33 : '[1-9][0-9]*';
  const kinds = v.gte('1.31') ? ['resources', 'required', 'member_of', 'in_tree'] : ['resources', 'required', 'member_of'];
  const props: Record<string, Schema> = {
    limit: { type: ['integer', 'string'], pattern: '^[1-9][0-9]*$', minimum: 1, minLength: 1 },
    group_policy: { type: 'string', enum: ['none', 'isolate'] },
  };
  if (v.gte('1.35')) props.root_required = { type: 'string' };
  if (v.gte('1.36')) props.same_subtree = { type: 'string' };
  return { type: 'object', properties: props, patternProperties: Object.fromEntries(kinds.map((k) => [`^${k}(${suffix})?$`, { type: 'string' }])), additionalProperties: false };
}

// reshaper (1.30+)
export function reshaper(v: { gte(x: string): boolean }): Schema {
  const allocations = structuredClone(v.gte('1.38') ? postAllocations138 : v.gte('1.34') ? postAllocations134 : postAllocations128);
  allocations.minProperties = 0;
  return {
    type: 'object',
    properties: { inventories: { type: 'object', patternProperties: { [UUID_PATTERN]: putInventories }, minProperties: 1, additionalProperties: false }, allocations },
    required: ['inventories', 'allocations'],
    additionalProperties: false,
  };
}
