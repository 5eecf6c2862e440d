// Walks every route of image, placement, network and compute in the all-in-one (identity has its
// own walk in test/identity/route-walk.test.ts; object storage answers anonymous requests by
// Swift's ACL rules, test/object-storage/isolation.test.ts):
// - without a token every non-public route answers 401;
// - as a member of another project, aimed at the admin's resources, a route answers 403 or 404,
//   and no route answers 5xx to such a caller.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC } from '../../src/lib/http/routes.ts';
import { startComputeCloud, type ComputeCloud } from './helpers.ts';

const SERVICES = ['image', 'placement', 'network', 'compute'];
const NOWHERE = '0123abcd-0000-4000-8000-000000000000';

let c: ComputeCloud;
let member: string;
/** The admin's resources, by path parameter name ("network:id" for a collection's generic :id). */
const ids: Record<string, string> = {};

before(async () => {
  c = await startComputeCloud();
  const admin = await c.adminToken();
  const ok = async (method: string, path: string, body: unknown, want = [200, 201, 202]) => {
    const r = await c.req(method, path, { token: admin, body, mv: path.startsWith('/compute') ? '2.37' : undefined });
    assert.ok(want.includes(r.status), `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  ids.image_id = await c.image(admin); // private to the admin's project
  const flavor = await ok('POST', '/compute/v2.1/flavors', { flavor: { name: 'secret', ram: 64, vcpus: 1, disk: 1, 'os-flavor-access:is_public': false } });
  ids.flavor_id = flavor.flavor.id;
  const server = await ok('POST', '/compute/v2.1/servers', { server: { name: 'victim', imageRef: ids.image_id, flavorRef: ids.flavor_id, networks: 'none' } });
  ids.server_id = server.server.id;
  await c.waitFor(ids.server_id, (s) => s?.status === 'ACTIVE');
  ids.name = (await ok('POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'victim-key' } })).keypair.name;
  ids.group_id = (await ok('POST', '/compute/v2.1/os-server-groups', { server_group: { name: 'g', policies: ['affinity'] } })).server_group.id;
  ids.aggregate_id = String((await ok('POST', '/compute/v2.1/os-aggregates', { aggregate: { name: 'agg' } })).aggregate.id);
  const me = await c.req('GET', '/identity/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': admin } });
  ids.project_id = ids.tenant_id = me.body.token.project.id;
  const net = '/networking/v2.0';
  ids['networks:id'] = (await ok('POST', `${net}/networks`, { network: { name: 'victim-net' } })).network.id;
  ids['subnets:id'] = (await ok('POST', `${net}/subnets`, { subnet: { network_id: ids['networks:id'], cidr: '10.66.0.0/24', ip_version: 4 } })).subnet.id;
  ids['ports:id'] = ids.port_id = (await ok('POST', `${net}/ports`, { port: { network_id: ids['networks:id'] } })).port.id;
  ids['routers:id'] = (await ok('POST', `${net}/routers`, { router: { name: 'victim-router' } })).router.id;
  ids['security-groups:id'] = (await ok('POST', `${net}/security-groups`, { security_group: { name: 'victim-sg' } })).security_group.id;
  ids['security-group-rules:id'] = (await ok('POST', `${net}/security-group-rules`, { security_group_rule: { security_group_id: ids['security-groups:id'], direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 } })).security_group_rule.id;
  member = (await c.user('intruder')).token;
});
after(() => c.stop());

function routes() {
  return SERVICES.flatMap((id) => {
    const prefix = { image: '/image', placement: '/placement', network: '/networking', compute: '/compute' }[id]!;
    return c.cloud.services.get(id)!.routes.flatMap((r) => [r.method].flat().map((method) => ({ service: id, method, path: prefix + r.path, policy: r.policy })));
  });
}

/** The path with the admin's ids in it; `aimed` when at least one of them is the admin's. */
function concrete(path: string): { url: string; aimed: boolean } {
  let aimed = false;
  const collection = /\/v2\.0\/([a-z-]+)\/:id/.exec(path)?.[1];
  const url = path.replace(/:([a-z_]+)/g, (_, name: string) => {
    const id = ids[name === 'id' && collection ? `${collection}:id` : name];
    if (id) { aimed = true; return id; }
    return NOWHERE;
  });
  return { url, aimed };
}

// An action route gets a real action, so the answer is about the target, not a malformed body.
const ACTIONS: Record<string, unknown> = {
  '/compute/v2.1/servers/:server_id/action': { 'os-stop': null },
  '/compute/v2.1/os-aggregates/:aggregate_id/action': { add_host: { host: 'nowhere' } },
  '/compute/v2.1/flavors/:flavor_id/action': { addTenantAccess: { tenant: NOWHERE } },
};
const bodyFor = (method: string, path = '') => ACTIONS[path] ?? (['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined);

test('every non-public route of image, placement, network and compute answers 401 without a token', async () => {
  let n = 0;
  for (const r of routes()) {
    if (r.policy === PUBLIC) continue;
    const res = await c.req(r.method, concrete(r.path).url, { body: bodyFor(r.method) });
    assert.equal(res.status, 401, `${r.method} ${r.path} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 200)}`);
    n++;
  }
  assert.ok(n > 300, `walked only ${n} routes`);
});

// Routes with the admin's id in the path that any member may use, as in Nova: the default
// quotas are the same for every project (os_compute_api:os-quota-sets:defaults is "@").
const OPEN = new Set<string>(['GET /compute/v2.1/os-quota-sets/:project_id/defaults']);

test('a member of another project gets 403 or 404 on the admin\'s resources, and never a 5xx', async () => {
  const bad: string[] = [];
  for (const r of routes()) {
    if (r.policy === PUBLIC) continue;
    const { url, aimed } = concrete(r.path);
    const res = await c.req(r.method, url, { token: member, body: bodyFor(r.method, r.path), mv: r.service === 'compute' ? '2.100' : undefined });
    const fine = res.status < 500 && (!aimed || OPEN.has(`${r.method} ${r.path}`) || [403, 404].includes(res.status));
    if (!fine) bad.push(`${r.method} ${r.path} (${r.policy}) → ${res.status} ${JSON.stringify(res.body)?.slice(0, 160)}`);
  }
  assert.deepEqual(bad, []);
  // and the admin's server is still there, untouched
  const s = await c.req('GET', `/compute/v2.1/servers/${ids.server_id}`, { token: await c.adminToken() });
  assert.equal(s.body.server.status, 'ACTIVE');
});
