// The identity service (Keystone v3): users, projects, roles, tokens and the catalog.
import { defineService } from '../../lib/service.ts';
import { anonymousContext } from '../../lib/auth/context.ts';
import type { Route } from '../../lib/http/routes.ts';
import { migrations } from './db/migrations.ts';
import { identityPolicies } from './policies.ts';
import { identityConfig } from './config.ts';
import { createDirectoryKeyRepo, createTokenFormatter, defaultKeyRepoDir } from './tokens/index.ts';
import { RevocationList } from './service/revocations.ts';
import { TokenService } from './service/tokens.ts';
import { bootstrap } from './bootstrap.ts';
import type { IdentityDeps } from './deps.ts';
import { discoveryRoutes } from './api/discovery.ts';
import { authRoutes } from './api/auth.ts';
import { domainRoutes } from './api/domains.ts';
import { projectRoutes } from './api/projects.ts';
import { userRoutes } from './api/users.ts';
import { groupRoutes } from './api/groups.ts';
import { credentialRoutes } from './api/credentials.ts';
import { appCredRoutes } from './api/app-creds.ts';
import { roleRoutes } from './api/roles.ts';
import { assignmentRoutes } from './api/assignments.ts';
import { trustRoutes } from './api/trusts.ts';
import { catalogRoutes } from './api/catalog.ts';
import { endpointGroupRoutes } from './api/endpoint-groups.ts';
import { policyApiRoutes } from './api/policies-api.ts';
import { consumerRoutes } from './api/oauth-consumers.ts';
import { domainConfigRoutes } from './api/domain-configs.ts';

export default defineService({
  id: 'identity',
  prefix: '/identity',
  catalog: { type: 'identity', name: 'keystone', path: '/v3' },
  config: identityConfig,
  migrations,
  async init({ config, log, db: database, dataDir, makePolicy, authenticator, bus }) {
    const db = database.db;
    const ttlSeconds = config.int('identity.token_expiration');
    const notifier = bus.notifier('identity');
    // Caches that any identity change makes stale: validated tokens here, contexts in the authenticator.
    const caches = { tokens: undefined as TokenService | undefined };
    const dataChanged = () => { caches.tokens?.invalidate(); authenticator.invalidate(); };
    const onRevoke = () => {
      dataChanged(); // this process: at once, before the revoking request answers
      notifier.info(anonymousContext('revocation'), 'identity.revocation', {}).catch((err) => log.warn({ err }, 'could not announce a revocation'));
    };
    const revocations = new RevocationList(db, { tokenTtlMs: (ttlSeconds + config.int('identity.allow_expired_window')) * 1000, onRevoke });
    await revocations.load();
    const keyRepo = createDirectoryKeyRepo(config.optStr('identity.key_repository') ?? defaultKeyRepoDir(dataDir));
    keyRepo.setup();
    const tokens = new TokenService({
      db, formatter: createTokenFormatter(keyRepo), revocations, ttlSeconds,
      allowExpiredWindowSeconds: config.int('identity.allow_expired_window'),
    });
    caches.tokens = tokens;
    const deps: IdentityDeps = { db, config, log, revocations };
    const allRoutes = [
      ...discoveryRoutes, ...authRoutes(deps, tokens), ...domainRoutes(deps), ...projectRoutes(deps), ...userRoutes(deps),
      ...groupRoutes(deps), ...credentialRoutes(deps), ...appCredRoutes(deps), ...roleRoutes(deps), ...assignmentRoutes(deps),
      ...trustRoutes(deps), ...catalogRoutes(deps), ...endpointGroupRoutes(deps), ...policyApiRoutes(deps), ...consumerRoutes(deps),
      ...domainConfigRoutes(deps),
    ];
    // Every write (but issuing a token) may change what a token expands to.
    const readOnly = (r: Route) => [r.method].flat().every((m) => m === 'GET' || m === 'HEAD') || r.path === '/v3/auth/tokens';
    const routes = allRoutes.map((r): Route => readOnly(r) ? r : {
      ...r, handler: async (req) => { try { return await r.handler(req); } finally { dataChanged(); } },
    });
    return {
      routes,
      policy: makePolicy(identityPolicies),
      faultStyle: 'keystone',
      tokenValidator: { validate: async (token) => tokens.toTokenInfo(await tokens.validate(token)) },
      bootstrap: (opts) => bootstrap(db, config, opts),
    };
  },
});
