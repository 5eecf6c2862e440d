// The policy enforcer (oslo_policy/policy.py's Enforcer): rule defaults registered in code,
// overridden by name from the operator's policy file, every check string compiled once here.

import { Forbidden } from '../errors.ts';
import { scopeOf } from '../auth/context.ts';
import { evaluate, type PolicyTarget } from './checks.ts';
import { credentialsFromContext, type PolicyContext } from './credentials.ts';
import { PolicyError, parseCheckString, referencedRules, type Check } from './parser.ts';

export type ScopeType = 'system' | 'domain' | 'project';
const SCOPE_TYPES: readonly string[] = ['system', 'domain', 'project'];

/** One API operation a rule guards; documentation only, as in oslo's DocumentedRuleDefault. */
export interface RuleOperation { method: string; path: string }

export interface RuleDefault {
  name: string;
  checkStr: string;
  scopeTypes?: readonly ScopeType[];
  description?: string;
  operations?: readonly RuleOperation[];
}

export interface EnforcerOptions {
  /** Rule name → check string, from the policy file. Names need not be registered defaults. */
  overrides?: Readonly<Record<string, string>>;
  /** Deny when the token's scope is not among the rule's scopeTypes (oslo's enforce_scope). */
  enforceScope?: boolean;
}

/** The effective state of a registered rule, for documentation and `stratus doctor`. */
export interface RuleInfo extends RuleDefault {
  /** The check string in force (the override when there is one). */
  effectiveCheckStr: string;
  overridden: boolean;
}

/** Enforcing a rule that was never registered: a programming error (500), never a 403. */
export class PolicyNotRegistered extends Error {
  constructor(name: string) {
    super(`Policy ${name} has not been registered`);
    this.name = 'PolicyNotRegistered';
  }
}

function validateDefault(d: RuleDefault): void {
  if (!d.name) throw new PolicyError('A policy rule default has an empty name');
  const scopes = d.scopeTypes ?? [];
  for (const s of scopes) {
    if (!SCOPE_TYPES.includes(s)) throw new PolicyError(`Policy rule "${d.name}": unknown scope type '${s}'`);
  }
  if (new Set(scopes).size !== scopes.length) {
    throw new PolicyError(`Policy rule "${d.name}": scopeTypes must be unique`);
  }
}

/** Names of rules that take part in a `rule:` reference cycle. */
function findCycles(rules: ReadonlyMap<string, Check>): string[] {
  const inCycle = new Set<string>();
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    const onStack = stack.indexOf(name);
    if (onStack >= 0) { for (const n of stack.slice(onStack)) inCycle.add(n); return; }
    const check = rules.get(name);
    if (check === undefined || done.has(name)) return;
    stack.push(name);
    for (const ref of referencedRules(check)) visit(ref);
    stack.pop();
    done.add(name);
  };
  for (const name of rules.keys()) visit(name);
  return [...inCycle].sort();
}

export class Enforcer {
  readonly #defaults = new Map<string, RuleDefault>();
  readonly #rules = new Map<string, Check>();
  readonly #overrides: Readonly<Record<string, string>>;
  readonly #enforceScope: boolean;
  /** Problems that oslo only logs (references to undefined rules, which evaluate to false). */
  readonly warnings: readonly string[];

  /** @throws PolicyError when a check string does not parse, a name repeats, or rules cycle. */
  constructor(defaults: readonly RuleDefault[], options: EnforcerOptions = {}) {
    this.#overrides = { ...options.overrides };
    this.#enforceScope = options.enforceScope ?? false;
    for (const d of defaults) {
      validateDefault(d);
      if (this.#defaults.has(d.name)) throw new PolicyError(`Policy ${d.name} is already registered`);
      this.#defaults.set(d.name, d);
      this.#rules.set(d.name, parseCheckString(d.checkStr, d.name));
    }
    for (const [name, checkStr] of Object.entries(this.#overrides)) {
      if (typeof checkStr !== 'string') {
        throw new PolicyError(`Policy rule "${name}": the check must be a string, got ${typeof checkStr}`);
      }
      this.#rules.set(name, parseCheckString(checkStr, name));
    }
    // oslo only warns about cycles and would then recurse without end at request time; a cycle
    // is a broken configuration, so refuse it up front.
    const cyclic = findCycles(this.#rules);
    if (cyclic.length > 0) throw new PolicyError(`Policies ${cyclic.join(', ')} are part of a cyclical reference`);
    const undefinedRefs = [...this.#rules].filter(([, check]) =>
      referencedRules(check).some((ref) => !this.#rules.has(ref))).map(([name]) => name);
    this.warnings = undefinedRefs.length === 0 ? []
      : [`Policies ${undefinedRefs.join(', ')} reference a rule that is not defined (it evaluates to false)`];
  }

  isRegistered(name: string): boolean {
    return this.#defaults.has(name);
  }

  /**
   * Whether `ctx` may perform `rule` on `target`. Missing target keys make a check false,
   * never an error.
   * @throws PolicyNotRegistered when `rule` was not registered as a default.
   */
  enforce(rule: string, target: PolicyTarget, ctx: PolicyContext): boolean {
    const registered = this.#defaults.get(rule);
    if (registered === undefined) throw new PolicyNotRegistered(rule);
    const scopeTypes = registered.scopeTypes ?? [];
    // oslo treats a token that is neither system- nor domain-scoped (unscoped too) as project
    // scoped; Keystone relies on that for e.g. GET /v3/auth/projects with an unscoped token.
    if (this.#enforceScope && scopeTypes.length > 0 && !scopeTypes.includes(scopeOf(ctx) ?? 'project')) {
      return false;
    }
    return evaluate(this.#rules.get(rule)!, {
      target,
      creds: credentialsFromContext(ctx),
      lookupRule: (name) => this.#rules.get(name),
    });
  }

  /** As `enforce`, but throws Forbidden (403) when denied. */
  authorize(rule: string, target: PolicyTarget, ctx: PolicyContext): void {
    if (!this.enforce(rule, target, ctx)) {
      throw new Forbidden(`Policy doesn't allow ${rule} to be performed.`, { action: rule });
    }
  }

  /** Every registered rule with the check string in force, in registration order. */
  describe(): RuleInfo[] {
    return [...this.#defaults.values()].map((d) => {
      const overridden = Object.hasOwn(this.#overrides, d.name);
      return { ...d, effectiveCheckStr: overridden ? this.#overrides[d.name]! : d.checkStr, overridden };
    });
  }
}
