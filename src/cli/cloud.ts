// The composition root: config → logger → bus → per-service database and migrations → policy →
// services → one HTTP server with every service under its prefix → bootstrap → client files.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Config, ConfigError, kernelConfig, loadConfig, type ConfigSchema, type ConfigValues } from '../lib/config.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { openBus, type Bus } from '../lib/bus/index.ts';
import { databaseUrlFor, migrate, openDatabase, type Database } from '../lib/db/index.ts';
import { createAuthenticator, type TokenValidator } from '../lib/auth/authenticator.ts';
import { createRemoteValidator } from '../lib/auth/remote-validator.ts';
import { Enforcer, readPolicyFile } from '../lib/policy/index.ts';
import { createHttpServer, mountService } from '../lib/http/server.ts';
import type { RunningService, ServiceDefinition } from '../lib/service.ts';
import { allServices } from './services.ts';
import { writeClientFiles } from './client-files.ts';

export interface CloudOptions {
  flags?: ConfigValues; env?: NodeJS.ProcessEnv; configFile?: string; log?: Logger; services?: ServiceDefinition[];
  /** false: migrate and bootstrap only (`stratus bootstrap`), without listening. */
  listen?: boolean;
}

export interface Cloud {
  config: Config;
  /** Base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  authUrl: string;
  adminPassword?: string;
  files: { cloudsYaml: string; openrc: string };
  http: FastifyInstance;
  services: Map<string, RunningService>;
  close(): Promise<void>;
}

export function configSchema(services: ServiceDefinition[] = allServices): ConfigSchema {
  return Object.assign({}, kernelConfig, ...services.map((s) => s.config ?? {}));
}

export async function startCloud(opts: CloudOptions = {}): Promise<Cloud> {
  const defs = opts.services ?? allServices;
  const config = new Config(loadConfig(configSchema(defs), { env: opts.env, flags: opts.flags, file: opts.configFile }));
  const selected = config.list('services');
  const chosen = selected ? defs.filter((d) => selected.includes(d.id)) : defs;
  for (const name of selected ?? []) if (!defs.some((d) => d.id === name)) throw new Error(`config: unknown service '${name}' in services (known: ${defs.map((d) => d.id).join(', ')})`);
  const withIdentity = chosen.some((d) => d.id === 'identity');
  if (!withIdentity && (!config.optStr('auth.url') || !config.optStr('auth.password'))) {
    throw new ConfigError('config: serving without identity needs auth.url and auth.password (the service user that validates tokens)');
  }

  const dataDir = resolve(config.str('data_dir'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const log = opts.log ?? createLogger({ level: config.str('log_level'), file: config.optStr('log_file') });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => { for (const c of closers.reverse()) await c().catch((err) => log.error({ err }, 'error while stopping')); };

  try {
    const bus: Bus = await openBus(config.str('bus'), { log });
    closers.push(() => bus.close());
    const policyFile = config.optStr('policy_file');
    const overrides = policyFile ? await readPolicyFile(policyFile) : {};
    const enforceScope = config.bool('enforce_scope');

    // In-process validation when identity runs here; over HTTP with service credentials otherwise.
    let validator: TokenValidator | undefined = withIdentity ? undefined : createRemoteValidator({
      authUrl: config.str('auth.url'), username: config.str('auth.username'), password: config.str('auth.password'),
      projectName: config.str('auth.project_name'), userDomainName: config.str('auth.user_domain_name'), projectDomainName: config.str('auth.project_domain_name'),
    });
    const authenticator = createAuthenticator({
      validate: (token) => {
        if (!validator) throw new Error('identity is not running yet');
        return validator.validate(token);
      },
    });
    if (!withIdentity) {
      // Identity announces revocations on the bus; drop cached validations when it does.
      const sub = await bus.onNotification({ eventType: 'identity.revocation' }, () => authenticator.invalidate());
      closers.push(() => sub.stop());
    }

    const http = createHttpServer({ log, maxBodyBytes: config.int('max_body_bytes') });
    closers.push(() => http.close());
    const running = new Map<string, RunningService>();
    for (const def of chosen) {
      const database: Database = await openDatabase(databaseUrlFor(config.str('database'), dataDir, def.id), { service: def.id, log });
      closers.push(() => database.close());
      await migrate(database, def.migrations, { log });
      const svc = await def.init({
        config, log: log.child({ service: def.id }), db: database, bus, dataDir, authenticator,
        makePolicy: (defaults) => new Enforcer(defaults, { overrides, enforceScope }),
      });
      if (svc.stop) closers.push(() => svc.stop!());
      if (svc.tokenValidator) validator = svc.tokenValidator;
      running.set(def.id, svc);
    }
    const publicUrl = config.optStr('public_url');
    for (const def of chosen) {
      const svc = running.get(def.id)!;
      mountService(http, { id: def.id, prefix: def.prefix, faultStyle: svc.faultStyle, routes: svc.routes, policy: svc.policy, authenticator, microversion: svc.microversion, publicUrl, streamTypes: svc.streamTypes, jsonTypes: svc.jsonTypes, traffic: svc.traffic, badPath: svc.badPath });
    }
    const host = config.str('host');
    if (opts.listen !== false) await http.listen({ host, port: config.int('port') });
    const address = opts.listen !== false ? http.server.address() : null;
    const port = typeof address === 'object' && address ? address.port : config.int('port');
    const url = (publicUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/$/, '');

    const identity = running.get('identity');
    const boot = identity ? await identity.bootstrap!({
      adminPassword: config.optStr('admin_password'),
      region: config.str('region'),
      endpoints: chosen.map((d) => ({ ...d.catalog, url: url + d.prefix + d.catalog.path })),
    }) : { created: false };
    const authUrl = identity ? `${url}/identity/v3` : config.str('auth.url');
    const files = writeClientFiles(dataDir, { authUrl, region: config.str('region'), password: boot.adminPassword ?? config.optStr('admin_password') });
    log.info({ url, services: chosen.map((d) => d.id) }, 'stratus is up');
    return { config, url, authUrl, adminPassword: boot.adminPassword, files, http, services: running, close };
  } catch (err) {
    await close();
    throw err;
  }
}
