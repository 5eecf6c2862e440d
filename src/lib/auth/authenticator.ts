// What keystonemiddleware does for every OpenStack service: take X-Auth-Token (and an optional
// X-Service-Token), have identity validate it, cache the answer until the token expires, and
// build the RequestContext. The validator is in-process in the all-in-one and HTTP otherwise.
import { Unauthorized, CloudError } from '../errors.ts';
import type { RequestContext } from './context.ts';

/** What a validated token says; the identity part of a RequestContext. */
export type TokenInfo = Omit<RequestContext, 'requestId' | 'authToken' | 'serviceRoles' | 'serviceUserId' | 'serviceProjectId'>;

export interface TokenValidator {
  /** Validates a token; throws (any CloudError) when it is invalid, expired or revoked. */
  validate(token: string): Promise<TokenInfo>;
}

export interface Authenticator {
  authenticate(headers: { authToken?: string; serviceToken?: string }, requestId: string): Promise<RequestContext>;
  /** Drops every cached validation (called when identity revokes anything). */
  invalidate(): void;
}

interface Cached { info: TokenInfo; until: number }

export function createAuthenticator(validator: TokenValidator, opts: { cacheTtlMs?: number; maxEntries?: number; now?: () => number } = {}): Authenticator {
  const ttl = opts.cacheTtlMs ?? 300_000;
  const max = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  let cache = new Map<string, Cached>();

  async function check(token: string): Promise<TokenInfo> {
    const hit = cache.get(token);
    const t = now();
    if (hit && hit.until > t) return hit.info;
    let info: TokenInfo;
    try {
      info = await validator.validate(token);
    } catch (err) {
      cache.delete(token);
      if (err instanceof CloudError && err.status >= 500) throw err;
      throw new Unauthorized('The request you have made requires authentication.');
    }
    const expires = info.expiresAt ? Date.parse(info.expiresAt) : t + ttl;
    if (cache.size >= max) cache = new Map(); // crude but bounded; validation is cheap
    cache.set(token, { info, until: Math.min(expires, t + ttl) });
    return info;
  }

  return {
    async authenticate({ authToken, serviceToken }, requestId) {
      if (!authToken) throw new Unauthorized('The request you have made requires authentication.');
      const info = await check(authToken);
      const ctx: RequestContext = { ...info, requestId, authToken, serviceRoles: [] };
      if (serviceToken) {
        const svc = await check(serviceToken);
        ctx.serviceRoles = svc.roles;
        ctx.serviceUserId = svc.userId;
        ctx.serviceProjectId = svc.projectId;
      }
      return ctx;
    },
    invalidate() { cache = new Map(); },
  };
}
