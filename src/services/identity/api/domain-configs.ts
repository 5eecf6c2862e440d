// /v3/domains/{id}/config[/{group}[/{option}]], the defaults at /v3/domains/config/…/default,
// and the read-only security_compliance group of the default domain.
import type { IdentityDeps } from '../deps.ts';
import type { Config } from '../../../lib/config.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { DEFAULT_DOMAIN, getProject } from '../service/projects.ts';
import {
  SECURITY_COMPLIANCE_READABLE, createConfig, deleteConfig, getConfig, getConfigDefault, getSecurityComplianceConfig, hasConfig, updateConfig,
} from '../service/domain-configs.ts';

const BASE = '/v3/domains/:domain_id/config';

/** The request's `config` object, read as leniently as Keystone does (`.get('config', {})`). */
const configBody = (req: ApiRequest): unknown => {
  const body = req.body as Record<string, unknown> | undefined;
  return body && typeof body === 'object' && !Array.isArray(body) ? body.config ?? {} : {};
};

/** password_regex(_description) from wherever the identity config declares them. */
function securityComplianceValues(config: Config): Record<string, unknown> {
  const v = config.values;
  return Object.fromEntries(SECURITY_COMPLIANCE_READABLE.map((name) => [name,
    v[`identity.${name}`] ?? v[`identity.security_compliance.${name}`] ?? v[`security_compliance.${name}`] ?? null]));
}

export function domainConfigRoutes({ db, config }: IdentityDeps): Route[] {
  const domain = (req: ApiRequest) => getProject(db, req.params.domain_id!, 'domain');
  // Keystone looks the config up before it reports a missing domain, so as not to leak
  // whether the domain exists to someone the policy would have refused.
  const read = async (req: ApiRequest) => {
    const out = await getConfig(db, req.params.domain_id!, req.params.group, req.params.option);
    await domain(req);
    return { config: out };
  };
  const readCompliance = async (req: ApiRequest) => {
    const out = getSecurityComplianceConfig(req.params.domain_id!, DEFAULT_DOMAIN, securityComplianceValues(config), req.params.option);
    await domain(req);
    return { config: out };
  };
  const update = async (req: ApiRequest) => {
    await domain(req);
    return { config: await updateConfig(db, req.params.domain_id!, configBody(req), req.params.group, req.params.option) };
  };
  const remove = async (req: ApiRequest) => {
    await domain(req);
    await deleteConfig(db, req.params.domain_id!, req.params.group, req.params.option);
  };
  const paths = [BASE, `${BASE}/:group`, `${BASE}/:group/:option`];
  return [
    {
      method: 'PUT', path: BASE, policy: 'identity:create_domain_config',
      handler: async (req) => {
        const d = await domain(req);
        const existed = await hasConfig(db, d.id);
        const out = await createConfig(db, d.id, configBody(req));
        return existed ? { config: out } : reply(201, { config: out });
      },
    },
    ...paths.map((path): Route => ({ method: ['GET', 'HEAD'], path, policy: 'identity:get_domain_config', handler: read })),
    ...paths.map((path): Route => ({ method: 'PATCH', path, policy: 'identity:update_domain_config', handler: update })),
    ...paths.map((path): Route => ({ method: 'DELETE', path, policy: 'identity:delete_domain_config', handler: remove })),
    ...[`${BASE}/security_compliance`, `${BASE}/security_compliance/:option`].map((path): Route => ({
      method: ['GET', 'HEAD'], path, policy: 'identity:get_security_compliance_domain_config', handler: readCompliance,
    })),
    ...['/v3/domains/config/default', '/v3/domains/config/:group/default', '/v3/domains/config/:group/:option/default'].map((path): Route => ({
      method: ['GET', 'HEAD'], path, policy: 'identity:get_domain_config_default',
      handler: (req) => ({ config: getConfigDefault(req.params.group, req.params.option) }),
    })),
  ];
}
