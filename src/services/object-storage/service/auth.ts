// Authorization as Swift's keystoneauth middleware decides it (keystoneauth.py authorize and
// authorize_anonymous), plus tempauth-style account ACLs (X-Account-Access-Control). The role
// lists are policy rules (policies.ts); container ACLs are the request's `acl`.
import type { RequestContext } from '../../../lib/auth/context.ts';
import { Forbidden, Unauthorized } from '../../../lib/errors.ts';
import type { PolicyCheck } from '../../../lib/http/routes.ts';
import { OPERATOR, PROJECT_READER, RESELLER_ADMIN, SERVICE_TOKEN, SYSTEM_READER } from '../policies.ts';
import { parseAccountAcl, parseAcl, referrerAllowed, type AccountAcl } from './acl.ts';
import type { AccountRow } from '../db/rows.ts';
import type { SwiftRequest } from '../api/swift-http.ts';
import type { SwiftDeps } from './deps.ts';

export const RESELLER_PREFIX = 'AUTH_';

export interface AuthRequest {
  method: string;
  account: string;
  container?: string;
  object?: string;
  ctx: RequestContext;
  /** The container ACL that applies: X-Container-Read for reads, X-Container-Write for writes. */
  acl?: string;
  accountAcl?: AccountAcl;
  referer?: string;
}

export interface AuthResult {
  /** keystoneauth's swift_owner: may see and change ACLs, keys and account metadata. */
  owner: boolean;
  /** Reseller admin: may set account quotas. */
  reseller: boolean;
}

const READ = new Set(['GET', 'HEAD']);

export const isIdentified = (ctx: RequestContext) => ctx.userId !== undefined;

export function projectOfAccount(account: string): string | undefined {
  return account.startsWith(RESELLER_PREFIX) ? account.slice(RESELLER_PREFIX.length) : undefined;
}

/** Denial the way keystoneauth answers it: 403 to a known user, 401 to an anonymous one. */
export function denied(ctx: RequestContext): Error {
  return isIdentified(ctx) ? new Forbidden('') : new Unauthorized('');
}

function allows(policy: PolicyCheck, rule: string, req: AuthRequest): boolean {
  try {
    policy.authorize(rule, { account: req.account, project_id: projectOfAccount(req.account) ?? '' }, req.ctx);
    return true;
  } catch {
    return false;
  }
}

/** Matches a tenant:user entry (ids, names or *) like keystoneauth's _authorize_cross_tenant. */
function crossTenantMatch(ctx: RequestContext, entries: string[], allowNames: boolean): boolean {
  const tenants = ['*', ctx.projectId, ...(allowNames ? [ctx.projectName] : [])].filter(Boolean);
  const users = ['*', ctx.userId, ...(allowNames ? [ctx.userName] : [])].filter(Boolean);
  return tenants.some((t) => users.some((u) => entries.includes(`${t}:${u}`)));
}

/** Names in ACLs only for users and projects of the default domain (keystoneauth allow_names_in_acls). */
const namesAllowed = (ctx: RequestContext) =>
  (!ctx.userDomainId || ctx.userDomainId === 'default') && (!ctx.projectDomainId || ctx.projectDomainId === 'default');

/** Anonymous-capable grants: referrer ACLs (objects, or listings with .rlistings). */
function unconfirmed(req: AuthRequest, referrers: string[], groups: string[]): boolean | undefined {
  if (referrerAllowed(req.referer, referrers)) return Boolean(req.object) || groups.includes('.rlistings');
  return undefined;
}

function accountAclGrant(req: AuthRequest): AuthResult | undefined {
  const acl = req.accountAcl;
  const ctx = req.ctx;
  if (!acl || !isIdentified(ctx)) return undefined;
  const me = [ctx.userId, ctx.projectId, `${ctx.projectId}:${ctx.userId}`, `*:${ctx.userId}`, `${ctx.projectId}:*`];
  if (namesAllowed(ctx)) me.push(`${ctx.projectName}:${ctx.userName}`, ctx.userName);
  const hit = (list: string[]) => list.some((e) => me.includes(e));
  if (hit(acl.admin)) return { owner: true, reseller: false };
  const accountWrite = !req.container && !READ.has(req.method);
  if (hit(acl['read-write']) && !accountWrite) return { owner: false, reseller: false };
  if (hit(acl['read-only']) && READ.has(req.method)) return { owner: false, reseller: false };
  return undefined;
}

/**
 * Swift's proxy authorizes each request first without the container ACL (so an owner is an
 * owner, with swift_owner, even on a public container) and only when that is denied again
 * with the ACL that applies.
 */
export function authorize(policy: PolicyCheck, req: AuthRequest): AuthResult {
  if (req.acl === undefined) return authorizeOnce(policy, req);
  try {
    return authorizeOnce(policy, { ...req, acl: undefined });
  } catch {
    return authorizeOnce(policy, req);
  }
}

function authorizeOnce(policy: PolicyCheck, req: AuthRequest): AuthResult {
  const ctx = req.ctx;
  const { referrers, groups } = parseAcl(req.acl);
  const none: AuthResult = { owner: false, reseller: false };

  if (!isIdentified(ctx)) {
    if (!req.account.startsWith(RESELLER_PREFIX)) throw denied(ctx);
    if (unconfirmed(req, referrers, groups)) return none;
    throw denied(ctx);
  }
  if (allows(policy, RESELLER_ADMIN, req)) return { owner: true, reseller: true };
  if (READ.has(req.method) && allows(policy, SYSTEM_READER, req)) return none;
  if (!req.container && !req.object && req.method === 'DELETE') throw denied(ctx);
  if (groups.length > 0 && crossTenantMatch(ctx, groups, namesAllowed(ctx))) return none;
  const viaReferrer = unconfirmed(req, referrers, groups);
  if (viaReferrer) return none;
  const viaAccountAcl = accountAclGrant(req);
  if (viaAccountAcl) return viaAccountAcl;
  if (projectOfAccount(req.account) !== ctx.projectId) throw denied(ctx);
  if (allows(policy, OPERATOR, req) && allows(policy, SERVICE_TOKEN, req)) return { owner: true, reseller: false };
  if (READ.has(req.method) && allows(policy, PROJECT_READER, req)) return none;
  if (viaReferrer === false) throw denied(ctx);
  if (ctx.roles.some((r) => groups.some((g) => g.toLowerCase() === r))) return none;
  throw denied(ctx);
}

/** A request's authorization against its account's ACLs and, where given, a container ACL. */
export function containerAuth(deps: SwiftDeps, req: SwiftRequest, accountRow: AccountRow | undefined, acl?: string): AuthResult {
  return authorize(deps.policy, {
    method: req.method, account: req.account!, container: req.container, object: req.object, ctx: req.ctx, acl,
    accountAcl: parseAccountAcl(accountRow?.headers['X-Account-Access-Control']), referer: req.headers['referer'],
  });
}
