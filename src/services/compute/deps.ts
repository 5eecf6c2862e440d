// What the parts of the compute service are given (built once in index.ts, passed down).
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../lib/auth/context.ts';
import type { Bus } from '../../lib/bus/index.ts';
import { ImageClient } from '../../lib/clients/image.ts';
import { NetworkClient } from '../../lib/clients/network.ts';
import type { Config } from '../../lib/config.ts';
import type { Logger } from '../../lib/log.ts';
import type { PolicyCheck } from '../../lib/http/routes.ts';
import type { ActionRepo } from './db/actions.ts';
import type { AggregateRepo } from './db/aggregates.ts';
import type { FlavorRepo } from './db/flavors.ts';
import type { HostRepo } from './db/hosts.ts';
import type { InstanceRepo } from './db/instances.ts';
import type { KeyPairRepo } from './db/keypairs.ts';
import type { MigrationRepo } from './db/migration-records.ts';
import type { ServerGroupRepo } from './db/server-groups.ts';
import type { PlacementPort } from './scheduler/placement-port.ts';
import type { Endpoints } from './service/endpoints.ts';
import type { ImageCache } from './service/image-cache.ts';
import type { Foreground } from './service/foreground.ts';
import type { QuotaService } from './service/quotas.ts';

/** The policy engine as compute uses it: Nova's context.can(rule, target, fatal). */
export interface ComputePolicy extends PolicyCheck {
  can(rule: string, target: Record<string, unknown>, ctx: RequestContext): boolean;
}

type Enforcing = PolicyCheck & { enforce?(rule: string, target: Record<string, unknown>, ctx: RequestContext): boolean };

export function computePolicy(inner: Enforcing): ComputePolicy {
  const can = (rule: string, target: Record<string, unknown>, ctx: RequestContext): boolean => {
    const t = { project_id: ctx.projectId, user_id: ctx.userId, ...target };
    if (inner.enforce) return inner.enforce(rule, { ...t, target: t }, ctx);
    try { inner.authorize(rule, t, ctx); return true; } catch { return false; }
  };
  // Nova's context.can: without a target the rule sees the caller's own project and user.
  const authorize = (r: string, t: Record<string, unknown>, ctx: RequestContext) => inner.authorize(r, { project_id: ctx.projectId, user_id: ctx.userId, ...t }, ctx);
  return { can, isRegistered: (r) => inner.isRegistered(r), authorize };
}

export interface Repos {
  instances: InstanceRepo;
  flavors: FlavorRepo;
  keypairs: KeyPairRepo;
  actions: ActionRepo;
  groups: ServerGroupRepo;
  hosts: HostRepo;
  aggregates: AggregateRepo;
  migrations: MigrationRepo;
}

export interface ComputeDeps {
  db: Kysely<any>;
  config: Config;
  log: Logger;
  bus: Bus;
  policy: ComputePolicy;
  repos: Repos;
  quotas: QuotaService;
  endpoints: Endpoints;
  placement: PlacementPort;
  clients: ServiceClients;
  images: ImageCache;
  /** Background steps yield to API requests in flight (all-in-one). */
  foreground: Foreground;
}

/** Clients of the other services, for a user (their token) or for compute itself (service token). */
export interface ServiceClients {
  image(ctx: RequestContext): Promise<ImageClient>;
  network(ctx: RequestContext): Promise<NetworkClient>;
  /** Compute's own rights (port binding, cleanup, periodic tasks). */
  networkAsService(requestId?: string): Promise<NetworkClient>;
  imageAsService(requestId?: string): Promise<ImageClient>;
}

export function serviceClients(endpoints: Endpoints, fetchImpl?: typeof fetch): ServiceClients {
  // A context without a token (periodic task, restart reconcile) falls back to the service token.
  const tokenOf = (ctx: RequestContext) => ctx.authToken ?? (() => endpoints.serviceToken());
  return {
    image: async (ctx) => new ImageClient({ baseUrl: await endpoints.url('image'), token: tokenOf(ctx), requestId: ctx.requestId, fetch: fetchImpl }),
    network: async (ctx) => new NetworkClient({ baseUrl: await endpoints.url('network'), token: tokenOf(ctx), requestId: ctx.requestId, fetch: fetchImpl }),
    networkAsService: async (requestId) => new NetworkClient({ baseUrl: await endpoints.url('network'), token: () => endpoints.serviceToken(), requestId, fetch: fetchImpl }),
    imageAsService: async (requestId) => new ImageClient({ baseUrl: await endpoints.url('image'), token: () => endpoints.serviceToken(), requestId, fetch: fetchImpl }),
  };
}
