// /v3/auth/*: issue, validate, check and revoke tokens; the catalog and scopes of a token.
import { BadRequest, Forbidden, NotFound, Unauthorized } from '../../../lib/errors.ts';
import { PUBLIC, reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { IdentityDeps } from '../deps.ts';
import { authenticatePassword, getUser } from '../service/users.ts';
import { authenticateAppCred } from '../service/app-creds.ts';
import { consumeTrust, getTrust } from '../service/trusts.ts';
import { projectsForUser, domainsForUser, effectiveRoles } from '../service/assignments.ts';
import { findDomainByName, findProjectByName, getProject, listProjects } from '../service/projects.ts';
import { buildCatalog } from '../service/catalog.ts';
import type { Scope, TokenData, TokenService } from '../service/tokens.ts';
import { renderProject } from './projects.ts';
import { renderDomain } from './domains.ts';
import { boolFilter, collection } from './common.ts';

const SUPPORTED = ['password', 'token', 'application_credential'];
const nameOrId = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } };
const authBody = {
  type: 'object', required: ['auth'],
  properties: {
    auth: {
      type: 'object', required: ['identity'],
      properties: {
        identity: { type: 'object', required: ['methods'], properties: { methods: { type: 'array', items: { type: 'string' }, minItems: 1 } } },
        scope: {
          anyOf: [
            { type: 'string', enum: ['unscoped'] },
            { type: 'object', properties: { project: { ...nameOrId, properties: { ...nameOrId.properties, domain: nameOrId } }, domain: nameOrId, 'OS-TRUST:trust': nameOrId, system: { type: 'object' } } },
          ],
        },
      },
    },
  },
};

type Obj = Record<string, any>;

async function resolveDomainId(deps: IdentityDeps, ref: Obj | undefined): Promise<string> {
  if (!ref || (!ref.id && !ref.name)) throw new BadRequest('Expecting to find domain in project or user. The server could not comply with the request since it is either malformed or otherwise incorrect.');
  if (ref.id) return ref.id;
  return (await findDomainByName(deps.db, ref.name).catch(() => { throw new Unauthorized(`Could not find domain: ${ref.name}.`); })).id;
}

/** The scope a request asks for, resolved to ids; 401 when it names nothing that exists. */
async function resolveScope(deps: IdentityDeps, scope: unknown): Promise<Scope & { trustId?: string; unscoped?: boolean }> {
  if (scope === undefined) return {};
  if (scope === 'unscoped') return { unscoped: true };
  const s = scope as Obj;
  const kinds = ['project', 'domain', 'OS-TRUST:trust', 'system'].filter((k) => s[k] !== undefined);
  if (kinds.length > 1) throw new BadRequest('Specify either a project, a domain, a trust or system scope, not several.');
  if (s.project) {
    const p = s.project as Obj;
    if (p.id) return { projectId: (await getProject(deps.db, p.id).catch(() => { throw new Unauthorized(`Could not find project: ${p.id}.`); })).id };
    if (!p.name) throw new BadRequest('A project scope needs an id or a name.');
    const domainId = await resolveDomainId(deps, p.domain);
    return { projectId: (await findProjectByName(deps.db, p.name, domainId).catch(() => { throw new Unauthorized(`Could not find project: ${p.name}.`); })).id };
  }
  if (s.domain) return { domainId: await resolveDomainId(deps, s.domain).then(async (id) => (await getProject(deps.db, id, 'domain').catch(() => { throw new Unauthorized(`Could not find domain: ${id}.`); })).id) };
  if (s['OS-TRUST:trust']) return { trustId: s['OS-TRUST:trust'].id };
  if (s.system) {
    if (s.system.all !== true) throw new BadRequest('Only system scope {"all": true} exists.');
    return { system: true };
  }
  return {};
}

export function authRoutes(deps: IdentityDeps, tokens: TokenService): Route[] {
  const subject = async (req: ApiRequest) => {
    const id = req.headers['x-subject-token'];
    if (typeof id !== 'string' || !id) throw new NotFound('Could not find token: (missing X-Subject-Token).');
    const t = await tokens.validate(id, { allowExpired: boolFilter(req.query.allow_expired) ?? false });
    return { token: { user_id: t.user.id, id: t.id }, data: t };
  };
  const caller = async (req: ApiRequest): Promise<TokenData> => tokens.validate(req.ctx.authToken!);

  return [
    {
      method: 'POST', path: '/v3/auth/tokens', policy: PUBLIC, body: authBody,
      handler: async (req) => {
        const auth = (req.body as Obj).auth as Obj;
        const identity = auth.identity as Obj;
        const methods = identity.methods as string[];
        for (const m of methods) {
          if (!SUPPORTED.includes(m)) throw new Unauthorized('Attempted to authenticate with an unsupported method.');
          if (!identity[m]) throw new BadRequest(`Invalid input for field 'identity': '${m}' is a required property`);
        }
        let userId: string | undefined;
        let outMethods = [...methods];
        let expiresAt: Date | undefined;
        let parentAuditIds: string[] | undefined;
        let appCredId: string | undefined;
        let appCredScope: Scope | undefined;
        let fromToken: TokenData | undefined;
        for (const m of methods) {
          if (m === 'password') {
            const u = identity.password.user as Obj | undefined;
            if (!u || typeof u.password !== 'string' || (!u.id && !u.name)) throw new BadRequest("Invalid input for field 'identity/password/user': 'password' and 'id' or 'name' are required properties");
            const sel = u.id ? { userId: String(u.id) } : { name: String(u.name), domainId: await resolveDomainId(deps, u.domain).catch((e) => { if (e instanceof BadRequest) throw e; throw new Unauthorized('The request you have made requires authentication.'); }) };
            const user = await authenticatePassword(deps.db, deps.config, sel, u.password);
            if (userId && userId !== user.id) throw new Unauthorized('The request you have made requires authentication.');
            userId = user.id;
          } else if (m === 'token') {
            const id = identity.token?.id;
            if (typeof id !== 'string') throw new BadRequest("Invalid input for field 'identity/token': 'id' is a required property");
            fromToken = await tokens.validate(id); // an invalid or revoked token is a 404, as in Keystone
            if (fromToken.trust) throw new Forbidden('Trust-scoped tokens cannot be rescoped.');
            if (fromToken.appCred) throw new Forbidden('Application credential tokens cannot be rescoped.');
            userId = fromToken.payload.userId;
            expiresAt = fromToken.payload.expiresAt;
            parentAuditIds = fromToken.payload.auditIds;
            outMethods = [...new Set([...fromToken.payload.methods, ...methods])];
          } else if (m === 'application_credential') {
            const ac = await authenticateAppCred(deps.db, identity.application_credential);
            userId = ac.user_id; appCredId = ac.id;
            if (ac.expires_at) expiresAt = new Date(Math.min(Date.parse(ac.expires_at), Date.now() + deps.config.int('identity.token_expiration') * 1000));
            appCredScope = ac.system ? { system: true } : { projectId: ac.project_id };
          }
        }
        let scope = await resolveScope(deps, auth.scope);
        if (appCredScope) {
          if (auth.scope !== undefined) throw new Forbidden('Application credentials cannot request a scope.');
          scope = appCredScope;
        }
        let trustId: string | undefined;
        if (scope.trustId) {
          const trust = await getTrust(deps.db, scope.trustId).catch(() => { throw new Unauthorized('Could not find trust.'); });
          if (trust.trustee_user_id !== userId) throw new Forbidden('User is not a trustee.');
          await consumeTrust(deps.db, trust.id);
          trustId = trust.id;
          scope = { projectId: trust.project_id ?? undefined };
          if (trust.expires_at) expiresAt = new Date(Math.min(Date.parse(trust.expires_at), expiresAt?.getTime() ?? Infinity, Date.now() + deps.config.int('identity.token_expiration') * 1000));
        } else if (!scope.unscoped && !scope.projectId && !scope.domainId && !scope.system && !fromToken) {
          // No scope asked: Keystone scopes to the user's default project when it can.
          const user = await getUser(deps.db, userId!);
          if (user.defaultProjectId) {
            const roles = await effectiveRoles(deps.db, { userId: userId!, projectId: user.defaultProjectId }).catch(() => []);
            if (roles.length) scope = { projectId: user.defaultProjectId };
          }
        }
        const data = await tokens.issue({ userId: userId!, methods: outMethods, scope, expiresAt, parentAuditIds, trustId, appCredId });
        const body = await tokens.render(data, { includeCatalog: req.query.nocatalog === undefined });
        return reply(201, body, { 'X-Subject-Token': data.id });
      },
    },
    {
      method: 'GET', path: '/v3/auth/tokens', policy: 'identity:validate_token', target: subject,
      handler: async (req) => {
        const data = req.target.data as TokenData;
        const body = await tokens.renderJson(data, { includeCatalog: req.query.nocatalog === undefined });
        return reply(200, body, { 'X-Subject-Token': data.id, 'Content-Type': 'application/json' });
      },
    },
    { method: 'HEAD', path: '/v3/auth/tokens', policy: 'identity:check_token', target: subject, handler: (req) => reply(200, undefined, { 'X-Subject-Token': (req.target.data as TokenData).id }) },
    { method: 'DELETE', path: '/v3/auth/tokens', policy: 'identity:revoke_token', target: subject, handler: async (req) => { await tokens.revoke(req.target.data as TokenData); } },
    {
      method: 'GET', path: '/v3/auth/catalog', policy: 'identity:get_auth_catalog',
      handler: async (req) => {
        const t = await caller(req);
        if (!t.project && !t.domain && !t.payload.system) throw new Forbidden('The authenticated token is not scoped: an unscoped token has no catalog.');
        return { catalog: await buildCatalog(deps.db, { projectId: t.project?.id }), links: { self: `${req.baseUrl}/v3/auth/catalog`, previous: null, next: null } };
      },
    },
    {
      method: 'GET', path: '/v3/auth/projects', policy: 'identity:get_auth_projects',
      handler: async (req) => {
        const ids = await projectsForUser(deps.db, req.ctx.userId!);
        const projects = (await listProjects(deps.db, { ids, isDomain: false })).filter((p) => p.enabled);
        return collection(req, 'projects', projects.map((p) => renderProject(req, p)));
      },
    },
    {
      method: 'GET', path: '/v3/auth/domains', policy: 'identity:get_auth_domains',
      handler: async (req) => {
        const ids = await domainsForUser(deps.db, req.ctx.userId!);
        const domains = (await listProjects(deps.db, { ids, isDomain: true })).filter((d) => d.enabled);
        return collection(req, 'domains', domains.map((d) => renderDomain(req, d)));
      },
    },
    {
      method: 'GET', path: '/v3/auth/system', policy: 'identity:get_auth_system',
      handler: async (req) => {
        const roles = await effectiveRoles(deps.db, { userId: req.ctx.userId!, system: true });
        return { system: roles.length ? [{ all: true }] : [], links: { self: `${req.baseUrl}/v3/auth/system`, previous: null, next: null } };
      },
    },
  ];
}
