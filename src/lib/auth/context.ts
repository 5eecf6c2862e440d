// The request context: who is calling and in what scope. Built by the auth layer from a
// validated token (what keystonemiddleware puts in the WSGI environ for OpenStack services)
// and handed to policy checks, service logic and across the bus.

export interface RequestContext {
  requestId: string;
  /** The caller's token, forwarded when a service calls another service on the user's behalf. */
  authToken?: string;
  userId?: string;
  userName?: string;
  userDomainId?: string;
  userDomainName?: string;
  /** Project scope. */
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  projectDomainName?: string;
  /** Domain scope. */
  domainId?: string;
  domainName?: string;
  /** System scope ('all'), as Keystone's `system: {all: true}`. */
  system?: 'all';
  /** Effective role names (implied roles expanded), lower-case as Keystone compares them. */
  roles: string[];
  roleIds: string[];
  /** Keystone's is_admin_project: the token is scoped to the configured admin project. */
  isAdminProject: boolean;
  /** Roles of a valid X-Service-Token, when one was sent. */
  serviceRoles: string[];
  serviceUserId?: string;
  serviceProjectId?: string;
  authMethods: string[];
  trustId?: string;
  appCredId?: string;
  auditIds: string[];
  expiresAt?: string;
}

/** A context with no identity, for unauthenticated routes and internal work. */
export function anonymousContext(requestId: string): RequestContext {
  return { requestId, roles: [], roleIds: [], isAdminProject: false, serviceRoles: [], authMethods: [], auditIds: [] };
}

/** The scope kind of a context, as oslo.policy's scope_types name it. */
export function scopeOf(ctx: RequestContext): 'system' | 'domain' | 'project' | undefined {
  if (ctx.system) return 'system';
  if (ctx.domainId) return 'domain';
  if (ctx.projectId) return 'project';
  return undefined;
}
