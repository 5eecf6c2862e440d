// The catalog-area route tables over HTTP (Fastify inject), with the real policy defaults and a
// stand-in authenticator: "admin" is a project-scoped admin, "member" a plain member.
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { dbTest } from '../../../../test/helpers/db.ts';
import { migrate } from '../../../lib/db/index.ts';
import { Config } from '../../../lib/config.ts';
import { Unauthorized } from '../../../lib/errors.ts';
import { createHttpServer, mountService } from '../../../lib/http/server.ts';
import { silentLogger } from '../../../lib/log.ts';
import { Enforcer } from '../../../lib/policy/index.ts';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { migrations } from '../db/migrations.ts';
import { identityPolicies } from '../policies.ts';
import { RevocationList } from '../service/revocations.ts';
import { createProject } from '../service/projects.ts';
import type { IdentityDeps } from '../deps.ts';
import { ROOT_DOMAIN } from '../db/migrations.ts';
import { catalogRoutes } from './catalog.ts';
import { endpointGroupRoutes } from './endpoint-groups.ts';
import { policyApiRoutes } from './policies-api.ts';
import { consumerRoutes } from './oauth-consumers.ts';
import { domainConfigRoutes } from './domain-configs.ts';

const ctx = (roles: string[]): Omit<RequestContext, 'requestId'> => ({
  userId: 'u', projectId: 'p', roles, roleIds: [], isAdminProject: false, serviceRoles: [], authMethods: ['password'], auditIds: ['a'],
});

async function start(db: Kysely<any>) {
  await db.insertInto('project').values({ id: 'default', name: 'Default', domain_id: ROOT_DOMAIN, enabled: 1, is_domain: 1, extra: '{}', options: '{}' }).execute();
  const log = silentLogger();
  const deps: IdentityDeps = {
    db, log, config: new Config({ 'identity.password_regex': '^.{7,}$' }),
    revocations: new RevocationList(db, { tokenTtlMs: 3600_000, onRevoke: () => {} }),
  };
  const app = createHttpServer({ log });
  const tokens: Record<string, Omit<RequestContext, 'requestId'>> = { admin: ctx(['admin', 'member', 'reader']), member: ctx(['member', 'reader']) };
  mountService(app, {
    id: 'identity', prefix: '/identity', faultStyle: 'keystone', publicUrl: 'http://cloud',
    routes: [...catalogRoutes(deps), ...endpointGroupRoutes(deps), ...policyApiRoutes(deps), ...consumerRoutes(deps), ...domainConfigRoutes(deps)],
    policy: new Enforcer(identityPolicies),
    authenticator: {
      authenticate: async (h, requestId) => {
        const c = h.authToken ? tokens[h.authToken] : undefined;
        if (!c) throw new Unauthorized('The request you have made requires authentication.');
        return { ...c, requestId };
      },
      invalidate: () => {},
    },
  });
  await app.ready();
  const call = async (method: string, path: string, body?: unknown, token = 'admin') => {
    const res = await app.inject({ method: method as any, url: `/identity/v3${path}`, headers: { 'x-auth-token': token }, ...(body !== undefined ? { payload: body as any } : {}) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, raw: res.body };
  };
  return { app, call };
}

dbTest('regions, services and endpoints over HTTP', async (database) => {
  await migrate(database, migrations);
  const { app, call } = await start(database.db);
  try {
    let r = await call('PUT', '/regions/RegionTwo', { region: { description: 'two' } });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.region, { id: 'RegionTwo', description: 'two', parent_region_id: null, links: { self: 'http://cloud/identity/v3/regions/RegionTwo' } });
    r = await call('POST', '/regions', { region: { parent_region_id: 'RegionTwo' } });
    assert.equal(r.status, 201);
    const child = r.body.region;
    assert.match(child.id, /^[0-9a-f]{32}$/);
    assert.equal((await call('PUT', '/regions/x', { region: { id: 'y' } })).status, 400);
    assert.equal((await call('PATCH', `/regions/RegionTwo`, { region: { parent_region_id: child.id } })).status, 400);
    assert.deepEqual((await call('GET', '/regions?parent_region_id=RegionTwo')).body.regions, [child]);
    assert.equal((await call('GET', '/regions', undefined, 'member')).status, 200, 'anyone may read regions');
    assert.equal((await call('POST', '/regions', { region: {} }, 'member')).status, 403);

    r = await call('POST', '/services', { service: { type: 'compute', name: 'nova', description: 'Compute' } });
    assert.equal(r.status, 201);
    const svc = r.body.service;
    assert.deepEqual(svc, { name: 'nova', description: 'Compute', id: svc.id, type: 'compute', enabled: true, links: { self: `http://cloud/identity/v3/services/${svc.id}` } });
    assert.equal((await call('POST', '/services', { service: { name: 'x' } })).status, 400);
    assert.deepEqual((await call('GET', '/services?name=nova')).body.services, [svc]);
    assert.deepEqual((await call('GET', '/services?type=nope')).body.services, []);
    r = await call('PATCH', `/services/${svc.id}`, { service: { description: 'new' } });
    assert.equal(r.body.service.description, 'new');
    assert.equal(r.body.service.name, 'nova');

    // Legacy `region` creates the region; `enabled` must be a real boolean.
    r = await call('POST', '/endpoints', { endpoint: { service_id: svc.id, interface: 'public', url: 'http://h:8774/v2.1/$(project_id)s', region: 'RegionNew', enabled: true } });
    assert.equal(r.status, 201);
    const ep = r.body.endpoint;
    assert.deepEqual(ep, {
      id: ep.id, interface: 'public', region_id: 'RegionNew', service_id: svc.id, url: 'http://h:8774/v2.1/$(project_id)s', enabled: true,
      region: 'RegionNew', links: { self: `http://cloud/identity/v3/endpoints/${ep.id}` },
    });
    assert.equal((await call('GET', '/regions/RegionNew')).status, 200);
    const bad = { service_id: svc.id, interface: 'public', url: 'http://h' };
    assert.equal((await call('POST', '/endpoints', { endpoint: { ...bad, enabled: 'False' } })).status, 400);
    assert.equal((await call('PATCH', `/endpoints/${ep.id}`, { endpoint: { enabled: 'True' } })).status, 400);
    assert.equal((await call('POST', '/endpoints', { endpoint: { ...bad, interface: 'private' } })).status, 400);
    assert.equal((await call('POST', '/endpoints', { endpoint: { ...bad, url: 'no-scheme' } })).status, 400);
    r = await call('POST', '/endpoints', { endpoint: { ...bad, url: 'http://h/$(admin_token)s' } });
    assert.deepEqual(r.body, { error: { code: 400, message: 'Cannot create an endpoint with an invalid URL: http://h/$(admin_token)s.', title: 'Bad Request' } });
    assert.equal((await call('POST', '/endpoints', { endpoint: { ...bad, region_id: 'missing' } })).status, 400);
    assert.equal((await call('POST', '/endpoints', { endpoint: { ...bad, service_id: 'missing' } })).status, 400);

    r = await call('PATCH', `/endpoints/${ep.id}`, { endpoint: { interface: 'internal', region: 'RegionThree', enabled: false } });
    assert.equal(r.status, 200);
    assert.equal(r.body.endpoint.region, 'RegionThree');
    assert.equal(r.body.endpoint.enabled, false);
    assert.deepEqual((await call('GET', `/endpoints?interface=internal&service_id=${svc.id}`)).body.endpoints.map((e: any) => e.id), [ep.id]);
    assert.deepEqual((await call('GET', '/endpoints?interface=public')).body.endpoints, []);
    assert.equal((await call('HEAD', `/endpoints/${ep.id}`)).status, 200);
    assert.equal((await call('DELETE', '/regions/RegionThree')).status, 403);

    assert.equal((await call('DELETE', `/services/${svc.id}`)).status, 204);
    assert.equal((await call('GET', `/endpoints/${ep.id}`)).status, 404);
    assert.equal((await call('DELETE', '/regions/RegionThree')).status, 204);
  } finally {
    await app.close();
  }
});

dbTest('OS-EP-FILTER, policies, consumers and domain configs over HTTP', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const { app, call } = await start(db);
  try {
    const project = await createProject(db, { name: 'p' });
    const svc = (await call('POST', '/services', { service: { type: 'image' } })).body.service;
    const ep = (await call('POST', '/endpoints', { endpoint: { service_id: svc.id, interface: 'public', url: 'http://h:9292' } })).body.endpoint;

    let r = await call('POST', '/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'g', description: 'd', filters: { service_id: svc.id } } });
    assert.equal(r.status, 201);
    const group = r.body.endpoint_group;
    assert.deepEqual(group, { id: group.id, name: 'g', description: 'd', filters: { service_id: svc.id }, links: { self: `http://cloud/identity/v3/OS-EP-FILTER/endpoint_groups/${group.id}` } });
    assert.deepEqual((await call('GET', '/OS-EP-FILTER/endpoint_groups')).body.endpoint_groups, [group]);
    assert.equal((await call('HEAD', `/OS-EP-FILTER/endpoint_groups/${group.id}`)).status, 200);
    assert.equal((await call('POST', '/OS-EP-FILTER/endpoint_groups', { endpoint_group: { name: 'g', filters: { foo: 1 } } })).status, 400);
    assert.deepEqual((await call('GET', `/OS-EP-FILTER/endpoint_groups/${group.id}/endpoints`)).body.endpoints.map((e: any) => e.id), [ep.id]);
    assert.equal((await call('PUT', `/OS-EP-FILTER/endpoint_groups/${group.id}/projects/${project.id}`)).status, 204);
    r = await call('GET', `/OS-EP-FILTER/endpoint_groups/${group.id}/projects/${project.id}`);
    assert.deepEqual(r.body.project_endpoint_group.project_id, project.id);
    assert.deepEqual((await call('GET', `/OS-EP-FILTER/endpoint_groups/${group.id}/projects`)).body.projects.map((p: any) => p.id), [project.id]);
    assert.deepEqual((await call('GET', `/OS-EP-FILTER/projects/${project.id}/endpoint_groups`)).body.endpoint_groups.map((g: any) => g.id), [group.id]);
    assert.equal((await call('PUT', `/OS-EP-FILTER/projects/${project.id}/endpoints/${ep.id}`)).status, 204);
    assert.equal((await call('PUT', `/OS-EP-FILTER/projects/${project.id}/endpoints/${ep.id}`)).status, 409);
    assert.equal((await call('HEAD', `/OS-EP-FILTER/projects/${project.id}/endpoints/${ep.id}`)).status, 204);
    assert.deepEqual((await call('GET', `/OS-EP-FILTER/endpoints/${ep.id}/projects`)).body.projects.map((p: any) => p.id), [project.id]);
    assert.deepEqual((await call('GET', `/OS-EP-FILTER/projects/${project.id}/endpoints`)).body.endpoints.map((e: any) => e.id), [ep.id]);
    assert.equal((await call('DELETE', `/OS-EP-FILTER/projects/${project.id}/endpoints/${ep.id}`)).status, 204);
    assert.equal((await call('GET', `/OS-EP-FILTER/projects/${project.id}/endpoints/${ep.id}`)).status, 404);
    assert.equal((await call('DELETE', `/OS-EP-FILTER/endpoint_groups/${group.id}`)).status, 204);
    assert.equal((await call('GET', `/OS-EP-FILTER/endpoint_groups/${group.id}/projects/${project.id}`)).status, 404);

    r = await call('POST', '/policies', { policy: { type: 'application/json', blob: '{"a": "b"}' } });
    assert.equal(r.status, 201);
    const pol = r.body.policy;
    r = await call('PATCH', `/policies/${pol.id}`, { policy: { type: 'text/yaml' } });
    assert.deepEqual(r.body.policy, { ...pol, type: 'text/yaml' });
    assert.equal((await call('POST', '/policies', { policy: { type: 'x' } })).status, 400);
    assert.equal((await call('DELETE', `/policies/${pol.id}`)).status, 204);
    assert.equal((await call('GET', `/policies/${pol.id}`)).status, 404);

    r = await call('POST', '/OS-OAUTH1/consumers', { consumer: { description: 'c' } });
    assert.equal(r.status, 201);
    const consumer = r.body.consumer;
    assert.match(consumer.secret, /^[0-9a-f]{32}$/);
    r = await call('GET', `/OS-OAUTH1/consumers/${consumer.id}`);
    assert.deepEqual(r.body.consumer, { id: consumer.id, description: 'c', links: consumer.links });
    assert.equal((await call('PATCH', `/OS-OAUTH1/consumers/${consumer.id}`, { consumer: { secret: 'x' } })).status, 400);
    assert.equal((await call('PATCH', `/OS-OAUTH1/consumers/${consumer.id}`, { consumer: { description: 'd' } })).body.consumer.description, 'd');
    assert.ok(!('secret' in (await call('GET', '/OS-OAUTH1/consumers')).body.consumers[0]));
    assert.equal((await call('DELETE', `/OS-OAUTH1/consumers/${consumer.id}`)).status, 204);
    assert.equal((await call('GET', `/OS-OAUTH1/consumers/${consumer.id}`)).status, 404);

    const config = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://x/', password: 'p' } };
    r = await call('PUT', '/domains/default/config', { config });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.config, { identity: { driver: 'ldap' }, ldap: { url: 'ldap://x/' } });
    assert.equal((await call('PUT', '/domains/default/config', { config })).status, 200, 'a replacement answers 200');
    assert.deepEqual((await call('GET', '/domains/default/config/ldap/url')).body.config, { url: 'ldap://x/' });
    assert.equal((await call('PUT', '/domains/nope/config', { config })).status, 404);
    assert.equal((await call('GET', '/domains/default/config/token')).status, 403);
    assert.deepEqual((await call('GET', '/domains/config/identity/default')).body.config, { identity: { driver: 'sql', list_limit: null } });
    assert.deepEqual((await call('GET', '/domains/config/ldap/url/default')).body.config, { url: 'ldap://localhost' });
    assert.deepEqual(Object.keys((await call('GET', '/domains/config/default')).body.config), ['identity', 'ldap']);
    assert.deepEqual((await call('GET', '/domains/default/config/security_compliance', undefined, 'member')).body.config,
      { security_compliance: { password_regex: '^.{7,}$', password_regex_description: null } });
    assert.deepEqual((await call('GET', '/domains/default/config/security_compliance/password_regex')).body.config, { password_regex: '^.{7,}$' });
    assert.equal((await call('GET', '/domains/default/config', undefined, 'member')).status, 403);
    assert.equal((await call('PATCH', '/domains/default/config/identity/driver', { config: { driver: 'sql' } })).status, 200);
    assert.equal((await call('DELETE', '/domains/default/config')).status, 204);
    assert.equal((await call('GET', '/domains/default/config')).status, 404);
  } finally {
    await app.close();
  }
});
