// Query-string parameters shared by GET /resource_providers and GET /allocation_candidates,
// parsed as placement/util.py does (resources, required, member_of, in_tree).
import type { ApiRequest } from '../../../lib/http/routes.ts';
import { badRequest } from '../errors.ts';
import { all, atLeast } from './common.ts';
import { isUuidLike } from './json-schema.ts';

/** `VCPU:2,MEMORY_MB:1024` → Map (normalize_resources_qs_param). */
export function parseResources(qs: string): Map<string, number> {
  const form = 'Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024.';
  if (qs.trim() === '') throw badRequest(`Badly formed resources parameter. ${form} Got: empty string.`);
  const out = new Map<string, number>();
  for (const part of qs.split(',')) {
    const bits = part.split(':');
    if (bits.length !== 2) throw badRequest(`Badly formed resources parameter. ${form} Got: ${part}.`);
    const [rc, raw] = bits as [string, string];
    if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw badRequest(`Requested resource ${rc} expected positive integer amount. Got: ${raw}.`);
    const amount = Number(raw);
    if (amount < 1) throw badRequest(`Requested resource ${rc} requires amount >= 1. Got: ${amount}.`);
    out.set(rc, amount);
  }
  return out;
}

export interface TraitQuery { required: string[][]; forbidden: Set<string> }

/** One `required` value: `A,!B` or (1.39) `in:A,B` (normalize_traits_qs_param). */
export function parseTraitValue(val: string, allowForbidden: boolean, allowAny: boolean): TraitQuery {
  if (val.startsWith('in:')) {
    if (!allowAny) throw badRequest(`Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since microversion 1.39. Got: ${val}`);
    const any = [...new Set(val.slice(3).split(',').map((s) => s.trim()))];
    if (any.some((t) => !t)) throw badRequest(`Invalid query string parameters: Expected 'required' parameter value of the form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait in: ${val}`);
    if (any.some((t) => t.startsWith('!'))) throw badRequest(`Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' does not support forbidden traits. Got: ${val}`);
    return { required: [any], forbidden: new Set() };
  }
  const items = val.split(',').map((s) => s.trim());
  const forbidden = new Set(items.filter((t) => t.startsWith('!')).map((t) => t.replace(/^!+/, '')));
  if (items.some((t) => !t) || [...forbidden].some((t) => !t)) {
    const form = allowForbidden ? 'HW_CPU_X86_VMX,!CUSTOM_MAGIC' : 'HW_CPU_X86_VMX,CUSTOM_MAGIC';
    throw badRequest(`Invalid query string parameters: Expected 'required' parameter value of the form: ${form}. Got an empty trait in: ${val}`);
  }
  if (forbidden.size && !allowForbidden) {
    throw badRequest(`Invalid query string parameters: Expected 'required' parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: ${val}`);
  }
  return { required: [...new Set(items.filter((t) => !t.startsWith('!')))].map((t) => [t]), forbidden };
}

/** Every `required<suffix>` of the request (normalize_traits_qs_params): repeated keys combine from 1.39. */
export function parseTraits(req: ApiRequest, suffix = ''): TraitQuery {
  let values = all(req, `required${suffix}`);
  const allowAny = atLeast(req, '1.39');
  if (!allowAny) values = values.slice(-1);
  const out: TraitQuery = { required: [], forbidden: new Set() };
  for (const v of values) {
    const t = parseTraitValue(v, atLeast(req, '1.22'), allowAny);
    out.required.push(...t.required);
    for (const f of t.forbidden) out.forbidden.add(f);
  }
  return out;
}

export interface AggregateQuery { memberOf: string[][]; forbidden: Set<string> }

/** Every `member_of<suffix>` (normalize_member_of_qs_params): several from 1.24, `!` from 1.32. */
export function parseMemberOf(req: ApiRequest, suffix = ''): AggregateQuery {
  const values = all(req, `member_of${suffix}`);
  if (!atLeast(req, '1.24') && values.length > 1) throw badRequest(`Multiple member_of${suffix} parameters are not supported`);
  const out: AggregateQuery = { memberOf: [], forbidden: new Set() };
  for (const value of values) {
    if (value.includes(',') && !(value.startsWith('in:') || value.startsWith('!in:'))) {
      throw badRequest(`Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' keyword using the valid microversion. Got: ${value}`);
    }
    let required: string[] = [];
    let forbidden: string[] = [];
    if (value.startsWith('!in:')) forbidden = value.slice(4).split(',');
    else if (value.startsWith('!')) forbidden = [value.slice(1)];
    else if (value.startsWith('in:')) required = value.slice(3).split(',');
    else required = [value];
    for (const agg of [...required, ...forbidden]) {
      if (!isUuidLike(agg)) throw badRequest(`Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${agg}`);
    }
    if (required.length) out.memberOf.push([...new Set(required)]);
    if (forbidden.length) {
      if (!atLeast(req, '1.32')) throw badRequest(`Forbidden member_of${suffix} parameters are not supported in the specified microversion`);
      for (const f of forbidden) out.forbidden.add(f);
    }
  }
  return out;
}

export function parseInTree(value: string): string {
  const v = value.trim();
  if (!isUuidLike(v)) throw badRequest(`Invalid query string parameters: Expected 'in_tree' parameter to be a format of uuid. Got: ${value}`);
  return v;
}
