// Issuing and validating tokens: the heart of identity. A token is a Fernet blob carrying who
// and what scope (tokens/); everything else in the token body — names, roles, catalog — is
// looked up again at validation, so a disabled user or a removed role takes effect at once.
import type { Kysely } from 'kysely';
import { NotFound, Unauthorized } from '../../../lib/errors.ts';
import type { TokenInfo } from '../../../lib/auth/authenticator.ts';
import { isoMicro } from '../../../lib/clock.ts';
import { auditId, type DecodedToken, type TokenFormatter, type TokenPayload } from '../tokens/index.ts';
import { getProject } from './projects.ts';
import { getUser } from './users.ts';
import { effectiveRoles } from './assignments.ts';
import { getTrust, trustRoles } from './trusts.ts';
import { buildCatalog } from './catalog.ts';
import { getAppCred } from './app-creds.ts';
import type { RevocationList } from './revocations.ts';

export interface Scope { projectId?: string; domainId?: string; system?: boolean }
export interface RoleRef { id: string; name: string; domain_id?: string | null }

/** A validated token with everything needed to render it or build a request context. */
export interface TokenData {
  id: string;
  payload: DecodedToken;
  user: { id: string; name: string; domain: { id: string; name: string }; password_expires_at: string | null };
  project?: { id: string; name: string; domain: { id: string; name: string }; is_domain: boolean };
  domain?: { id: string; name: string };
  roles: RoleRef[];
  trust?: { id: string; impersonation: boolean; trustor_user_id: string; trustee_user_id: string };
  appCred?: { id: string; name: string; unrestricted: boolean; access_rules?: unknown[] };
  /** Memoised JSON bodies (valid as long as the cache entry holding this object). */
  rendered?: { withCatalog?: string; withoutCatalog?: string };
}

export interface TokenServiceOptions {
  db: Kysely<any>;
  formatter: TokenFormatter;
  revocations: RevocationList;
  ttlSeconds: number;
  /** Seconds past expiry that `allow_expired` still accepts (Keystone's allow_expired_window). */
  allowExpiredWindowSeconds: number;
  adminProject?: { name: string; domainName: string };
}

const FAILED = 'Failed to validate token';

/**
 * Validated tokens are cached: validation re-reads user, scope and roles, which costs more than
 * the HTTP request itself. Any identity write bumps `version`, which makes every cached entry
 * stale (so a disabled user or a removed role takes effect at once in this process); the TTL
 * bounds staleness when other processes share the database.
 */
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 20_000;

export class TokenService {
  readonly #o: TokenServiceOptions;
  #version = 0;
  #cache = new Map<string, { data: TokenData; version: number; at: number }>();
  constructor(o: TokenServiceOptions) { this.#o = o; }

  /** Identity data changed: cached validations are stale. */
  invalidate(): void { this.#version++; }

  /** Mints a token for an authenticated user and a scope (roles checked here). */
  async issue(p: { userId: string; methods: string[]; scope: Scope; expiresAt?: Date; parentAuditIds?: string[]; trustId?: string; appCredId?: string }): Promise<TokenData> {
    const expiresAt = p.expiresAt ?? new Date(Date.now() + this.#o.ttlSeconds * 1000);
    const payload: TokenPayload = {
      userId: p.userId, methods: p.methods, expiresAt,
      projectId: p.scope.projectId, domainId: p.scope.domainId, system: p.scope.system ? 'all' : undefined,
      trustId: p.trustId, appCredId: p.appCredId,
      auditIds: [auditId(), ...(p.parentAuditIds?.slice(-1) ?? [])],
    };
    const id = this.#o.formatter.issue(payload);
    // A token just minted is not checked against revocations: an event from the same second
    // (a password change, say) would otherwise revoke the token issued right after it.
    const data = await this.#expand(id, this.#o.formatter.decode(id), Unauthorized, false);
    return data;
  }

  /** Validates a token id; throws NotFound (404 on validate, 401 when used) when it is not valid. */
  async validate(id: string, opts: { allowExpired?: boolean } = {}): Promise<TokenData> {
    const now = Date.now();
    const window = opts.allowExpired ? this.#o.allowExpiredWindowSeconds * 1000 : 0;
    const hit = this.#cache.get(id);
    if (hit && hit.version === this.#version && now - hit.at < CACHE_TTL_MS) {
      if (hit.data.payload.expiresAt.getTime() + window <= now) throw new NotFound('The token has expired.');
      return hit.data; // an id found in the cache was decrypted and authenticated when it was stored
    }
    const payload = this.#o.formatter.decode(id);
    if (payload.expiresAt.getTime() + window <= now) throw new NotFound('The token has expired.');
    const version = this.#version; // read before expanding: a write during it makes the entry stale
    const data = await this.#expand(id, payload, NotFound, true);
    if (this.#cache.size >= CACHE_MAX) this.#cache = new Map();
    this.#cache.set(id, { data, version, at: now });
    return data;
  }

  /** Revokes one token (DELETE /v3/auth/tokens): by its audit id, as Keystone does. */
  async revoke(data: TokenData): Promise<void> {
    await this.#o.revocations.revoke({ auditId: data.payload.auditIds[0] });
  }

  /** Loads names, roles and scope for a decoded payload; `Err` is what a failed check throws. */
  async #expand(id: string, payload: DecodedToken, Err: typeof NotFound | typeof Unauthorized, checkRevoked: boolean): Promise<TokenData> {
    const { db } = this.#o;
    const fail = (msg = FAILED) => new Err(msg);
    const user = await getUser(db, payload.userId).catch(() => { throw fail(); });
    if (!user.enabled) throw fail();
    const userDomain = await getProject(db, user.domainId, 'domain').catch(() => { throw fail(); });
    if (!userDomain.enabled) throw fail();
    const data: TokenData = {
      id, payload, roles: [],
      user: { id: user.id, name: user.name, domain: { id: userDomain.id, name: userDomain.name }, password_expires_at: user.passwordExpiresAt ?? null },
    };

    let roleUser = user.id;
    if (payload.trustId) {
      const trust = await getTrust(db, payload.trustId).catch(() => { throw fail(); });
      if (trust.expires_at && Date.parse(trust.expires_at) <= Date.now()) throw fail();
      data.trust = { id: trust.id, impersonation: trust.impersonation, trustor_user_id: trust.trustor_user_id, trustee_user_id: trust.trustee_user_id };
      roleUser = trust.trustor_user_id;
    }
    if (payload.projectId) {
      const project = await getProject(db, payload.projectId).catch(() => { throw fail(); });
      if (!project.enabled) throw fail();
      const domainId = project.isDomain ? project.id : project.domainId!;
      const domain = await getProject(db, domainId, 'domain').catch(() => { throw fail(); });
      if (!domain.enabled) throw fail();
      data.project = { id: project.id, name: project.name, domain: { id: domain.id, name: domain.name }, is_domain: project.isDomain };
      data.roles = await effectiveRoles(db, { userId: roleUser, projectId: project.id });
    } else if (payload.domainId) {
      const domain = await getProject(db, payload.domainId, 'domain').catch(() => { throw fail(); });
      if (!domain.enabled) throw fail();
      data.domain = { id: domain.id, name: domain.name };
      data.roles = await effectiveRoles(db, { userId: roleUser, domainId: domain.id });
    } else if (payload.system) {
      data.roles = await effectiveRoles(db, { userId: roleUser, system: true });
    }
    if (data.trust) {
      // Keystone: the delegated roles plus what they imply; 403 if the trustor lost any of them.
      const trust = await getTrust(db, data.trust.id).catch(() => { throw fail(); });
      data.roles = await trustRoles(db, trust);
      if (trust.impersonation) {
        const trustor = await getUser(db, trust.trustor_user_id).catch(() => { throw fail(); });
        const trustorDomain = await getProject(db, trustor.domainId, 'domain');
        data.user = { id: trustor.id, name: trustor.name, domain: { id: trustorDomain.id, name: trustorDomain.name }, password_expires_at: trustor.passwordExpiresAt ?? null };
      }
    }
    if (payload.appCredId) {
      const ac = await getAppCred(db, payload.appCredId).catch(() => { throw fail(); });
      if (ac.expires_at && Date.parse(ac.expires_at) <= Date.now()) throw fail();
      const allowed = new Set((ac.roles as RoleRef[]).map((r) => r.id));
      data.roles = data.roles.filter((r) => allowed.has(r.id));
      data.appCred = { id: ac.id, name: ac.name, unrestricted: ac.unrestricted, access_rules: ac.access_rules ?? undefined };
    }
    if ((payload.projectId || payload.domainId || payload.system) && !data.roles.length) {
      throw Err === Unauthorized ? new Unauthorized(`User ${user.id} has no access to ${payload.projectId ? 'project' : payload.domainId ? 'domain' : 'the system'}.`) : fail();
    }
    if (checkRevoked && this.#o.revocations.isRevoked({
      userId: user.id, projectId: payload.projectId, domainId: payload.domainId, trustId: payload.trustId, appCredId: payload.appCredId,
      trustorId: data.trust?.trustor_user_id, trusteeId: data.trust?.trustee_user_id, projectDomainId: data.project?.domain.id,
      userDomainId: user.domainId, roleIds: data.roles.map((r) => r.id), auditIds: payload.auditIds, issuedAt: payload.issuedAt,
    })) throw fail();
    return data;
  }

  /** The token body as JSON text; a validated token's body is rendered once per catalog choice. */
  async renderJson(t: TokenData, opts: { includeCatalog: boolean }): Promise<string> {
    const key = opts.includeCatalog ? 'withCatalog' : 'withoutCatalog';
    return (t.rendered ??= {})[key] ??= JSON.stringify(await this.render(t, opts));
  }

  /** The token body Keystone renders (render_token_response_from_model). */
  async render(t: TokenData, opts: { includeCatalog: boolean }): Promise<Record<string, unknown>> {
    const p = t.payload;
    const token: Record<string, unknown> = {
      methods: p.methods, user: t.user, audit_ids: p.auditIds, expires_at: isoMicro(p.expiresAt), issued_at: isoMicro(p.issuedAt),
    };
    const roles = t.roles.map((r) => (r.domain_id ? { id: r.id, name: r.name, domain_id: r.domain_id } : { id: r.id, name: r.name }));
    if (p.system) { token.roles = roles; token.system = { all: true }; }
    else if (t.domain) { token.domain = t.domain; token.roles = roles; }
    else if (t.trust && t.project) {
      token['OS-TRUST:trust'] = { id: t.trust.id, trustor_user: { id: t.trust.trustor_user_id }, trustee_user: { id: t.trust.trustee_user_id }, impersonation: t.trust.impersonation };
      token.project = { domain: t.project.domain, id: t.project.id, name: t.project.name };
      token.roles = roles;
    } else if (t.project) {
      token.project = { domain: t.project.domain, id: t.project.id, name: t.project.name };
      token.is_domain = t.project.is_domain;
      token.roles = roles;
      const ap = this.#o.adminProject;
      if (ap) token.is_admin_project = t.project.name === ap.name && t.project.domain.name === ap.domainName;
    }
    if (opts.includeCatalog && (p.projectId || p.domainId || p.system)) {
      token.catalog = await buildCatalog(this.#o.db, { projectId: p.projectId });
    }
    if (t.appCred) {
      const ac: Record<string, unknown> = { id: t.appCred.id, name: t.appCred.name, restricted: !t.appCred.unrestricted };
      if (t.appCred.access_rules?.length) ac.access_rules = t.appCred.access_rules;
      token.application_credential = ac;
    }
    return { token };
  }

  /** What other services need from a validated token (keystonemiddleware's headers). */
  toTokenInfo(t: TokenData): TokenInfo {
    const ap = this.#o.adminProject;
    return {
      userId: t.user.id, userName: t.user.name, userDomainId: t.user.domain.id, userDomainName: t.user.domain.name,
      projectId: t.project?.id, projectName: t.project?.name, projectDomainId: t.project?.domain.id, projectDomainName: t.project?.domain.name,
      domainId: t.domain?.id, domainName: t.domain?.name, system: t.payload.system,
      roles: t.roles.map((r) => r.name.toLowerCase()), roleIds: t.roles.map((r) => r.id),
      isAdminProject: t.project ? (ap ? t.project.name === ap.name && t.project.domain.name === ap.domainName : true) : false,
      authMethods: t.payload.methods, trustId: t.trust?.id, appCredId: t.appCred?.id,
      auditIds: t.payload.auditIds, expiresAt: t.payload.expiresAt.toISOString(),
    };
  }
}

