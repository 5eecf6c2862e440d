// The contract between a service and the composition root (src/cli). A service exports one
// `defineService({...})`; the root gives it its dependencies, mounts its routes and, in the
// all-in-one, registers its catalog entry.
import type { IncomingMessage } from 'node:http';
import type { Authenticator, TokenValidator } from './auth/authenticator.ts';
import type { Bus } from './bus/index.ts';
import type { Config, ConfigSchema } from './config.ts';
import type { Database, Migration } from './db/index.ts';
import type { FaultStyle } from './http/faults/index.ts';
import type { MicroversionSpec } from './http/microversion.ts';
import type { PolicyCheck, Reply, Route } from './http/routes.ts';
import type { Logger } from './log.ts';
import type { RuleDefault } from './policy/index.ts';

export interface CatalogEntry {
  /** Catalog type, e.g. 'identity', 'compute', 'object-store'. */
  type: string;
  /** Catalog name, e.g. 'keystone', 'nova'. */
  name: string;
  /** Path after the service prefix, e.g. '/v3', '/v2.1', '/v1/AUTH_$(project_id)s'. */
  path: string;
}

export interface ServiceDeps {
  config: Config;
  log: Logger;
  db: Database;
  bus: Bus;
  dataDir: string;
  /** Builds this service's policy enforcer from its defaults plus the operator's overrides. */
  makePolicy(defaults: RuleDefault[]): PolicyCheck;
  /** Validates incoming tokens (in-process in the all-in-one, remote otherwise). */
  authenticator: Authenticator;
}

export interface Traffic { enter(): void; leave(): void }

export interface RunningService {
  routes: Route[];
  policy?: PolicyCheck;
  faultStyle: FaultStyle;
  microversion?: MicroversionSpec;
  streamTypes?: string[];
  jsonTypes?: string[];
  /** Told when each request to this service arrives and when its answer is done (or the client
   * went away): compute uses it to run background work when its API is idle. */
  traffic?: Traffic;
  /** The answer to a path that does not decode (bad %-encoding, not UTF-8), which the router
   * refuses before any route runs; by default a 400 in the service's fault style. */
  badPath?(req: IncomingMessage): Reply;
  stop?(): Promise<void>;
  /** Identity only: validates tokens for every other service in the same process. */
  tokenValidator?: TokenValidator;
  /** Identity only: first-start setup of admin, roles, region and catalog. */
  bootstrap?(opts: BootstrapOptions): Promise<BootstrapResult>;
}

export interface BootstrapOptions {
  adminPassword?: string;
  region: string;
  /** Catalog entries of every running service, with their public URL. */
  endpoints: Array<CatalogEntry & { url: string }>;
}
export interface BootstrapResult { adminPassword?: string; created: boolean }

export interface ServiceDefinition {
  /** Short id, also the database name: 'identity', 'image', … */
  id: string;
  /** URL prefix in the all-in-one: '/identity'. */
  prefix: string;
  catalog: CatalogEntry;
  config?: ConfigSchema;
  migrations: Migration[];
  init(deps: ServiceDeps): Promise<RunningService>;
}

export const defineService = (def: ServiceDefinition): ServiceDefinition => def;
