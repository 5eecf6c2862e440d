// Where the other services are and how compute authenticates to them when no user is behind the
// call (placement, periodic tasks, port binding): what keystoneauth does for Nova with its
// [placement]/[neutron] service credentials. The service token's catalog gives the URLs; config
// keys override them; in the all-in-one the public URL of this very process is the fallback.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../../../lib/config.ts';
import { ServiceUnavailable } from '../../../lib/errors.ts';
import type { Logger } from '../../../lib/log.ts';

export type ServiceType = 'image' | 'network' | 'placement';

const DEFAULT_PREFIX: Record<ServiceType, string> = { image: '/image', network: '/networking', placement: '/placement' };
const URL_KEY: Record<ServiceType, string> = { image: 'compute.image_url', network: 'compute.network_url', placement: 'compute.placement_url' };

export interface Endpoints {
  /** Remembers the cloud's public URL seen on a request (all-in-one with port 0). */
  learn(cloudUrl: string): void;
  /** The cloud's public root URL, once known. */
  cloudUrl(): string | undefined;
  url(type: ServiceType): Promise<string>;
  /** A token of the compute service user (admin in the all-in-one), renewed before expiry. */
  serviceToken(): Promise<string>;
  /** Forget the cached token (after a 401). */
  invalidate(): void;
}

interface Credentials { username: string; password: string; projectName: string; userDomainName: string; projectDomainName: string }

export function createEndpoints(config: Config, dataDir: string, log: Logger, fetchImpl: typeof fetch = fetch): Endpoints {
  let learned: string | undefined;
  let cached: { token: string; renewAt: number; catalog: any[] } | undefined;
  let pending: Promise<{ token: string; catalog: any[] }> | undefined;

  const root = (): string | undefined => {
    const pub = config.optStr('public_url');
    if (pub) return pub.replace(/\/$/, '');
    if (learned) return learned;
    const port = config.int('port');
    const host = config.str('host');
    return port ? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}` : undefined;
  };

  const identityUrl = (): string => {
    const url = config.optStr('auth.url') ?? (root() ? `${root()}/identity/v3` : undefined);
    if (!url) throw new ServiceUnavailable('compute does not know the identity URL yet');
    return url.replace(/\/$/, '');
  };

  const credentials = (): Credentials => {
    const base = { userDomainName: config.str('auth.user_domain_name'), projectDomainName: config.str('auth.project_domain_name') };
    const svcPassword = config.optStr('auth.password');
    if (svcPassword) return { ...base, username: config.str('auth.username'), password: svcPassword, projectName: config.str('auth.project_name') };
    // All-in-one: no service user exists; act as the bootstrap admin, whose password is in the
    // config or, when it was generated, in the clouds.yaml the first start wrote.
    let password = config.optStr('admin_password');
    const clouds = join(dataDir, 'clouds.yaml');
    if (!password && existsSync(clouds)) password = parseYaml(readFileSync(clouds, 'utf8'))?.clouds?.stratus?.auth?.password;
    if (!password) throw new ServiceUnavailable('compute has no service credentials (set auth.password or admin_password)');
    return { username: 'admin', password, projectName: 'admin', userDomainName: 'Default', projectDomainName: 'Default' };
  };

  async function issue(): Promise<{ token: string; catalog: any[] }> {
    const c = credentials();
    const url = `${identityUrl()}/auth/tokens`;
    const res = await fetchImpl(url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, password: c.password, domain: { name: c.userDomainName } } } },
        scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
      } }),
    }).catch((err) => { throw new ServiceUnavailable(`identity unreachable at ${url}: ${err.message}`); });
    if (res.status !== 201) throw new ServiceUnavailable(`identity refused compute's service credentials (${res.status})`);
    const body = await res.json() as any;
    const expires = Date.parse(body.token.expires_at);
    cached = { token: res.headers.get('x-subject-token')!, catalog: body.token.catalog ?? [], renewAt: expires - Math.min(300_000, (expires - Date.now()) / 2) };
    return cached;
  }

  async function current(): Promise<{ token: string; catalog: any[] }> {
    if (cached && cached.renewAt > Date.now()) return cached;
    pending ??= issue().finally(() => { pending = undefined; });
    return pending;
  }

  return {
    learn(cloudUrl) {
      if (!learned && !config.optStr('public_url')) {
        learned = cloudUrl.replace(/\/$/, '');
        log.debug({ url: learned }, 'compute learned the cloud URL');
      }
    },
    cloudUrl: root,
    async url(type) {
      const override = config.optStr(URL_KEY[type]);
      if (override) return override.replace(/\/$/, '');
      const r = root();
      // All-in-one (identity here): the other services are under this process's public URL.
      if (r && !config.optStr('auth.url')) return r + DEFAULT_PREFIX[type];
      // Distributed: the catalog of our service token says where the service is.
      const { catalog } = await current();
      const region = config.str('region');
      const entry = catalog.find((e: any) => e.type === type);
      const ep = entry?.endpoints?.find((e: any) => e.interface === 'public' && (!e.region_id || e.region_id === region)) ?? entry?.endpoints?.[0];
      if (!ep?.url) throw new ServiceUnavailable(`no ${type} endpoint in the catalog`);
      return String(ep.url).replace(/\/$/, '');
    },
    async serviceToken() { return (await current()).token; },
    invalidate() { cached = undefined; },
  };
}
