// Evaluating a compiled check tree (oslo_policy/_checks.py) against a target and credentials.
//
// Values are compared as oslo does, by their Python `str()` (`True`, `False`, numbers). One
// deliberate difference: a missing, null or undefined value never matches. oslo would render a
// Python None as the string 'None', so `project_id:%(project_id)s` would pass for a caller with
// no project on a target with no project; failing closed there is the safer reading.

import type { Check, GenericLeft, TemplatePart } from './parser.ts';

export type PolicyTarget = Readonly<Record<string, unknown>>;
export type PolicyCreds = Readonly<Record<string, unknown>>;

export interface EvaluationEnv {
  target: PolicyTarget;
  creds: PolicyCreds;
  /** The compiled rule for `rule:NAME`, or undefined when no such rule exists (→ false). */
  lookupRule: (name: string) => Check | undefined;
}

/** Python's `str()` of a scalar, or undefined for anything that must not match. */
function pyStr(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string': return value;
    case 'boolean': return value ? 'True' : 'False';
    case 'bigint': return String(value);
    case 'number': return Number.isFinite(value) ? String(value) : undefined;
    default: return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A target value by key: the flat key first (Keystone flattens its target, so
 * `target.user.domain_id` is one key there), else the dotted path through nested objects.
 * Own properties only, so `%(constructor)s` or `%(__proto__)s` find nothing.
 */
export function lookupTarget(target: PolicyTarget, key: string): unknown {
  if (Object.hasOwn(target, key)) return target[key];
  let current: unknown = target;
  for (const segment of key.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Render a compiled template against the target; undefined when a key is missing (→ false). */
export function substitute(match: readonly TemplatePart[], target: PolicyTarget): string | undefined {
  let out = '';
  for (const part of match) {
    if (typeof part === 'string') { out += part; continue; }
    const value = pyStr(lookupTarget(target, part.key));
    if (value === undefined) return undefined;
    out += value;
  }
  return out;
}

/**
 * oslo's GenericCheck._find_in_dict: walk the dotted path into the credentials; wherever a list
 * is met, any element may match the rest of the path (so `service_roles:service` is membership).
 */
function findInCreds(value: unknown, path: readonly string[], match: string): boolean {
  if (Array.isArray(value)) return value.some((item) => findInCreds(item, path, match));
  if (path.length === 0) return pyStr(value) === match;
  const [key, ...rest] = path as [string, ...string[]];
  if (!isRecord(value) || !Object.hasOwn(value, key)) return false;
  return findInCreds(value[key], rest, match);
}

function genericCheck(left: GenericLeft, match: string, creds: PolicyCreds): boolean {
  if ('literal' in left) return left.literal === match;
  return findInCreds(creds, left.path, match);
}

function roleCheck(match: string, creds: PolicyCreds): boolean {
  const roles = creds['roles'];
  if (!Array.isArray(roles)) return false;
  const wanted = match.toLowerCase();
  return roles.some((role) => typeof role === 'string' && role.toLowerCase() === wanted);
}

/**
 * Evaluate a tree. Never throws for missing data: a missing target key or credential is false.
 * `rule:` references that are already being evaluated on this path (a loop) are false; that
 * only keeps a hand-built lookup from recursing forever (under `not` it turns into true), which
 * is why the Enforcer refuses cyclic rules when it is built.
 */
export function evaluate(check: Check, env: EvaluationEnv, active: string[] = []): boolean {
  switch (check.type) {
    case 'true': return true;
    case 'false': return false;
    case 'not': return !evaluate(check.check, env, active);
    case 'and': return check.checks.every((c) => evaluate(c, env, active));
    case 'or': return check.checks.some((c) => evaluate(c, env, active));
    case 'rule': {
      const referenced = env.lookupRule(check.name);
      if (referenced === undefined || active.includes(check.name)) return false;
      active.push(check.name);
      try {
        return evaluate(referenced, env, active);
      } finally {
        active.pop();
      }
    }
    case 'role': {
      const match = substitute(check.match, env.target);
      return match !== undefined && roleCheck(match, env.creds);
    }
    case 'generic': {
      const match = substitute(check.match, env.target);
      return match !== undefined && genericCheck(check.left, match, env.creds);
    }
  }
}
