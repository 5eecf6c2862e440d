// Token validation over HTTP, for a process that does not run identity itself: what
// keystonemiddleware does with its service credentials. The service token is obtained once and
// renewed shortly before it expires (or when identity rejects it).
import { CloudError, NotFound, ServiceUnavailable } from '../errors.ts';
import type { TokenInfo, TokenValidator } from './authenticator.ts';

export interface ServiceCredentials {
  /** Identity v3 URL, e.g. http://controller:8000/identity/v3 */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName?: string;
  projectDomainName?: string;
}

/** Turns a Keystone token body (`{token: {...}}`) into what a request context needs. */
export function tokenInfoFromBody(body: any): TokenInfo {
  const t = body?.token;
  if (!t?.user?.id) throw new NotFound('Failed to validate token');
  return {
    userId: t.user.id, userName: t.user.name, userDomainId: t.user.domain?.id, userDomainName: t.user.domain?.name,
    projectId: t.project?.id, projectName: t.project?.name, projectDomainId: t.project?.domain?.id, projectDomainName: t.project?.domain?.name,
    domainId: t.domain?.id, domainName: t.domain?.name, system: t.system?.all ? 'all' : undefined,
    roles: (t.roles ?? []).map((r: { name: string }) => r.name.toLowerCase()), roleIds: (t.roles ?? []).map((r: { id: string }) => r.id),
    isAdminProject: t.is_admin_project ?? Boolean(t.project), authMethods: t.methods ?? [],
    trustId: t['OS-TRUST:trust']?.id, appCredId: t.application_credential?.id, auditIds: t.audit_ids ?? [],
    expiresAt: t.expires_at ? new Date(t.expires_at).toISOString() : undefined,
  };
}

export function createRemoteValidator(creds: ServiceCredentials, fetchImpl: typeof fetch = fetch): TokenValidator {
  const base = creds.authUrl.replace(/\/$/, '');
  let service: { token: string; renewAt: number } | undefined;

  async function serviceToken(force = false): Promise<string> {
    if (!force && service && service.renewAt > Date.now()) return service.token;
    const res = await fetchImpl(`${base}/auth/tokens?nocatalog`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: creds.username, password: creds.password, domain: { name: creds.userDomainName ?? 'Default' } } } },
        scope: { project: { name: creds.projectName, domain: { name: creds.projectDomainName ?? 'Default' } } },
      } }),
    }).catch((err) => { throw new ServiceUnavailable(`identity unreachable at ${base}: ${err.message}`); });
    if (res.status !== 201) throw new ServiceUnavailable(`identity refused the service credentials (${res.status})`);
    const body = await res.json() as any;
    const expires = Date.parse(body.token.expires_at);
    service = { token: res.headers.get('x-subject-token')!, renewAt: expires - Math.min(300_000, (expires - Date.now()) / 2) };
    return service.token;
  }

  async function check(token: string, retry: boolean): Promise<TokenInfo> {
    const res = await fetchImpl(`${base}/auth/tokens?nocatalog`, {
      headers: { 'x-auth-token': await serviceToken(!retry), 'x-subject-token': token },
    }).catch((err) => { throw new ServiceUnavailable(`identity unreachable at ${base}: ${err.message}`); });
    if (res.status === 200) return tokenInfoFromBody(await res.json());
    if (res.status === 401 && retry) return check(token, false);
    if (res.status === 404 || res.status === 401) throw new NotFound('Failed to validate token');
    throw new CloudError(`identity answered ${res.status} while validating a token`);
  }

  return { validate: (token) => check(token, true) };
}
