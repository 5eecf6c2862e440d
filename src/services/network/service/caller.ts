// Who is calling and what the policy engine lets them do, as the domain logic needs it.
// Neutron's context: is_admin (the admin role), the project, and service-to-service callers.
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { PolicyCheck } from '../../../lib/http/routes.ts';
import { policyNotAuthorized } from '../errors.ts';

/** The policy engine as the network service uses it: a yes/no check and a 403 with Neutron's body. */
export interface NetPolicy extends PolicyCheck {
  allowed(rule: string, target: Record<string, unknown>, ctx: RequestContext): boolean;
}

type Enforcing = PolicyCheck & { enforce?(rule: string, target: Record<string, unknown>, ctx: RequestContext): boolean };

/** Wraps the kernel's enforcer so denials carry Neutron's PolicyNotAuthorized type and text. */
export function netPolicy(inner: Enforcing): NetPolicy {
  const allowed = (rule: string, target: Record<string, unknown>, ctx: RequestContext): boolean => {
    if (inner.enforce) return inner.enforce(rule, { ...target, target }, ctx);
    try { inner.authorize(rule, { ...target, target }, ctx); return true; } catch { return false; }
  };
  return {
    allowed,
    isRegistered: (rule) => inner.isRegistered(rule),
    authorize(rule, target, ctx) {
      if (!allowed(rule, target, ctx)) throw policyNotAuthorized(rule);
    },
  };
}

export interface Caller {
  ctx: RequestContext;
  projectId: string | undefined;
  isAdmin: boolean;
  /** A service (e.g. compute with its service token) acting for the user. */
  isService: boolean;
  policy: NetPolicy;
}

export function callerOf(ctx: RequestContext, policy: NetPolicy): Caller {
  const own = { project_id: ctx.projectId ?? '' };
  return {
    ctx, policy, projectId: ctx.projectId,
    isAdmin: policy.allowed('context_is_admin', own, ctx),
    isService: policy.allowed('service_api', own, ctx),
  };
}

/** An internal caller (agents, bootstrap): admin rights, no project. */
export function systemCaller(ctx: RequestContext, policy: NetPolicy): Caller {
  return { ctx, policy, projectId: undefined, isAdmin: true, isService: true };
}

/** Checks `rule` for each attribute in `names` the request set (Neutron's attribute policies). */
export function authorizeAttributes(caller: Caller, action: string, names: Iterable<string>, target: Record<string, unknown>): void {
  for (const name of names) {
    const rule = `${action}:${name}`;
    if (caller.policy.isRegistered(rule)) caller.policy.authorize(rule, target, caller.ctx);
  }
}
