// The Neutron API end to end: documents, bad input (Neutron's fault types, never a 500),
// project isolation, list features, revisions, tags, quotas.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fault, startNetCloud, type NetCloud } from './cloud.ts';
import { EXTENSIONS } from '../../src/services/network/api/versions.ts';
import { readFileSync } from 'node:fs';

let k: NetCloud;
before(async () => { k = await startNetCloud(); });
after(() => k.c.stop());

const network = async (token: string, body: Record<string, unknown> = {}) => (await k.ok(201, 'POST', '/networks', token, { network: { name: 'n', ...body } })).network;
const subnet = async (token: string, networkId: string, cidr: string, body: Record<string, unknown> = {}) =>
  (await k.ok(201, 'POST', '/subnets', token, { subnet: { network_id: networkId, cidr, ip_version: cidr.includes(':') ? 6 : 4, ...body } })).subnet;

test('version documents and the extension list', async () => {
  const root = await k.c.request('GET', '/networking/');
  assert.equal(root.status, 200);
  assert.equal(root.body.versions[0].id, 'v2.0');
  const v2 = await k.ok(200, 'GET', '', k.a.token);
  assert.deepEqual(v2.resources.map((r: any) => r.name).sort(), ['network', 'port', 'subnet', 'subnetpool']);
  const exts = (await k.ok(200, 'GET', '/extensions', k.a.token)).extensions;
  assert.deepEqual(exts.map((e: any) => e.alias), EXTENSIONS.map(([a]) => a));
  for (const e of exts) assert.deepEqual(Object.keys(e).sort(), ['alias', 'description', 'links', 'name', 'updated']);
  assert.equal((await k.ok(200, 'GET', '/extensions/router', k.a.token)).extension.alias, 'router');
  fault(await k.net('GET', '/extensions/no-such', k.a.token), 404, 'ExtensionNotFound');
  // The tempest fragment the ratchet uses names exactly these.
  const conf = readFileSync(new URL('../conformance/network.tempest.conf', import.meta.url), 'utf8');
  const listed = /^api_extensions\s*=\s*(.*)$/m.exec(conf)![1]!.split(',').map((s) => s.trim()).sort();
  assert.deepEqual(listed, EXTENSIONS.map(([a]) => a).sort());
  assert.equal((await k.c.request('GET', '/networking/v2.0/networks')).status, 401);
});

test('bad input gets Neutron fault types and 4xx, never 500', async () => {
  const n = await network(k.a.token);
  const bad = async (path: string, body: unknown, status: number, type: string) => fault(await k.net('POST', path, k.a.token, body), status, type);
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.0/33' } }, 400, 'HTTPBadRequest');
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: 'nonsense' } }, 400, 'HTTPBadRequest');
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 6, cidr: '10.0.0.0/24' } }, 400, 'InvalidInput');
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.0/24', gateway_ip: '10.1.0.1' } }, 400, 'InvalidInput');
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.5', allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.10' }] } }, 409, 'GatewayConflictWithAllocationPools');
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.0.2', end: '10.0.1.10' }] } }, 400, 'OutOfBoundsAllocationPool');
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.0/24', allocation_pools: [{ start: '10.0.0.20', end: '10.0.0.10' }] } }, 400, 'InvalidAllocationPool');
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 6, cidr: '2001:db8::/120', ipv6_address_mode: 'slaac', ipv6_ra_mode: 'slaac' } }, 400, 'InvalidInput');
  await bad('/subnets', { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.0/24', ipv6_ra_mode: 'slaac' } }, 400, 'InvalidInput');
  await subnet(k.a.token, n.id, '10.0.0.0/24');
  const overlap = await k.net('POST', '/subnets', k.a.token, { subnet: { network_id: n.id, ip_version: 4, cidr: '10.0.0.128/25' } });
  fault(overlap, 400, 'InvalidInput');
  assert.match(overlap.body.NeutronError.message, /overlaps with another subnet/);
  await bad('/ports', { port: { network_id: n.id, mac_address: 'zz:zz' } }, 400, 'HTTPBadRequest');
  await bad('/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '10.0.0.300' }] } }, 400, 'HTTPBadRequest');
  await bad('/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: '192.168.9.9' }] } }, 400, 'InvalidIpForNetwork');
  await bad('/ports', { port: { network_id: n.id, no_such_attribute: 1 } }, 400, 'HTTPBadRequest');
  await bad('/ports', { port: { network_id: n.id, 'binding:host_id': 'somewhere' } }, 403, 'PolicyNotAuthorized');
  await bad('/networks', { network: { 'provider:network_type': 'vlan' } }, 403, 'PolicyNotAuthorized');
  await bad('/networks', { network: { admin_state_up: 'maybe' } }, 400, 'InvalidInput');
  await bad('/networks', { nope: {} }, 400, 'HTTPBadRequest');
  fault(await k.c.request('POST', '/networking/v2.0/networks', { token: k.a.token, raw: '{bad json', headers: { 'content-type': 'application/json' } }), 400, 'BadRequest');
  await bad('/security-group-rules', { security_group_rule: { security_group_id: '00000000-0000-4000-8000-000000000000', direction: 'ingress' } }, 404, 'SecurityGroupNotFound');
  fault(await k.net('GET', '/networks?bogus=1', k.a.token), 400, 'HTTPBadRequest');
  fault(await k.net('GET', '/networks?sort_key=bogus', k.a.token), 400, 'HTTPBadRequest');
  const taken = (await k.ok(201, 'POST', '/ports', k.a.token, { port: { network_id: n.id } })).port;
  await bad('/ports', { port: { network_id: n.id, mac_address: taken.mac_address } }, 409, 'MacAddressInUse');
  await bad('/ports', { port: { network_id: n.id, fixed_ips: [{ ip_address: taken.fixed_ips[0].ip_address }] } }, 409, 'IpAddressAlreadyAllocated');
  fault(await k.net('DELETE', `/networks/${n.id}`, k.a.token), 409, 'NetworkInUse');
});

test('project B can neither see nor touch project A\'s resources', async () => {
  const n = await network(k.a.token, { name: 'private-a' });
  const s = await subnet(k.a.token, n.id, '10.1.0.0/24');
  const p = (await k.ok(201, 'POST', '/ports', k.a.token, { port: { network_id: n.id } })).port;
  const sg = (await k.ok(201, 'POST', '/security-groups', k.a.token, { security_group: { name: 'sg-a' } })).security_group;
  const r = (await k.ok(201, 'POST', '/routers', k.a.token, { router: { name: 'r-a' } })).router;
  for (const [path, type] of [[`/networks/${n.id}`, 'NetworkNotFound'], [`/subnets/${s.id}`, 'SubnetNotFound'], [`/ports/${p.id}`, 'PortNotFound'],
    [`/security-groups/${sg.id}`, 'SecurityGroupNotFound'], [`/routers/${r.id}`, 'RouterNotFound']] as const) {
    fault(await k.net('GET', path, k.b.token), 404, type);
    fault(await k.net('PUT', path, k.b.token, { [path.split('/')[1]!.replace(/s$/, '').replace('security-group', 'security_group')]: { name: 'x' } }), 404, type);
    fault(await k.net('DELETE', path, k.b.token), 404, type);
  }
  for (const list of ['networks', 'subnets', 'ports', 'routers']) {
    const ids = (await k.ok(200, 'GET', `/${list}`, k.b.token))[list].map((x: any) => x.id);
    assert.ok(![n.id, s.id, p.id, r.id].some((id) => ids.includes(id)), `${list} leaks`);
  }
  assert.ok(!(await k.ok(200, 'GET', '/security-groups', k.b.token)).security_groups.some((g: any) => g.project_id === k.a.project));
  fault(await k.net('POST', '/ports', k.b.token, { port: { network_id: n.id } }), 404, 'NetworkNotFound');
  fault(await k.net('POST', '/subnets', k.b.token, { subnet: { network_id: n.id, cidr: '10.2.0.0/24', ip_version: 4 } }), 404, 'NetworkNotFound');
  fault(await k.net('PUT', `/routers/${r.id}/add_router_interface`, k.b.token, { subnet_id: s.id }), 404, 'RouterNotFound');
  // Admin-only attributes stay hidden from members, as Neutron's get_* rules say.
  assert.equal(p['binding:host_id'], undefined);
  assert.equal(n['provider:network_type'], undefined);
  const asAdmin = (await k.ok(200, 'GET', `/networks/${n.id}`, k.admin)).network;
  assert.equal(asAdmin['provider:network_type'], 'vxlan');
  // Shared with B: now B sees it and may put ports on it, but not its other resources.
  await k.ok(201, 'POST', '/rbac-policies', k.a.token, { rbac_policy: { object_type: 'network', object_id: n.id, action: 'access_as_shared', target_tenant: k.b.project } });
  const seen = (await k.ok(200, 'GET', `/networks/${n.id}`, k.b.token)).network;
  assert.equal(seen.shared, true);
  const bp = (await k.ok(201, 'POST', '/ports', k.b.token, { port: { network_id: n.id } })).port;
  assert.equal(bp.project_id, k.b.project);
  fault(await k.net('GET', `/ports/${p.id}`, k.b.token), 404, 'PortNotFound');
  fault(await k.net('PUT', `/networks/${n.id}`, k.b.token, { network: { name: 'mine' } }), 403, 'PolicyNotAuthorized');
  // Only an admin may share with everyone.
  fault(await k.net('POST', '/rbac-policies', k.a.token, { rbac_policy: { object_type: 'network', object_id: n.id, action: 'access_as_shared', target_tenant: '*' } }), 403, 'PolicyNotAuthorized');
});

test('filters, fields, sorting, pagination and changed_since', async () => {
  const ids: string[] = [];
  for (const name of ['pg-c', 'pg-a', 'pg-b']) ids.push((await network(k.a.token, { name, admin_state_up: name !== 'pg-b' })).id);
  const names = (await k.ok(200, 'GET', '/networks?sort_key=name&sort_dir=asc&name=pg-a&name=pg-b&name=pg-c', k.a.token)).networks.map((n: any) => n.name);
  assert.deepEqual(names, ['pg-a', 'pg-b', 'pg-c']);
  assert.deepEqual((await k.ok(200, 'GET', '/networks?admin_state_up=False&name=pg-b', k.a.token)).networks.map((n: any) => n.name), ['pg-b']);
  const fields = (await k.ok(200, 'GET', '/networks?fields=id&fields=name', k.a.token)).networks;
  for (const n of fields) assert.deepEqual(Object.keys(n).sort(), ['id', 'name']);
  const page1 = await k.ok(200, 'GET', '/networks?limit=2&sort_key=name&name=pg-a&name=pg-b&name=pg-c', k.a.token);
  assert.deepEqual(page1.networks.map((n: any) => n.name), ['pg-a', 'pg-b']);
  const next = new URL(page1.networks_links.find((l: any) => l.rel === 'next').href);
  const page2 = await k.ok(200, 'GET', `/networks${next.search}`, k.a.token);
  assert.deepEqual(page2.networks.map((n: any) => n.name), ['pg-c']);
  const future = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, '');
  assert.equal((await k.ok(200, 'GET', `/networks?changed_since=${future}`, k.a.token)).networks.length, 0);
  fault(await k.net('GET', '/networks?changed_since=yesterday', k.a.token), 400, 'HTTPBadRequest');
  assert.equal((await k.ok(200, 'GET', `/networks?name=`, k.a.token)).networks.length, 0);
});

test('revision_number, If-Match and tags', async () => {
  const n = await network(k.a.token, { name: 'rev' });
  assert.equal(n.revision_number, 1);
  const upd = (await k.ok(200, 'PUT', `/networks/${n.id}`, k.a.token, { network: { name: 'rev2' } })).network;
  assert.equal(upd.revision_number, 2);
  fault(await k.net('PUT', `/networks/${n.id}`, k.a.token, { network: { name: 'x' } }, { 'if-match': 'revision_number=1' }), 412, 'RevisionNumberConstraintFailed');
  assert.equal((await k.net('PUT', `/networks/${n.id}`, k.a.token, { network: { name: 'rev3' } }, { 'if-match': 'revision_number=2' })).status, 200);
  assert.equal((await k.net('PUT', `/networks/${n.id}/tags/red`, k.a.token)).status, 201);
  assert.deepEqual((await k.ok(200, 'PUT', `/networks/${n.id}/tags`, k.a.token, { tags: ['a', 'b', 'a'] })).tags.sort(), ['a', 'b']);
  assert.equal((await k.net('GET', `/networks/${n.id}/tags/a`, k.a.token)).status, 204);
  fault(await k.net('GET', `/networks/${n.id}/tags/red`, k.a.token), 404, 'TagNotFound');
  assert.deepEqual((await k.ok(200, 'GET', `/networks?tags=a,b&name=rev3`, k.a.token)).networks.map((x: any) => x.id), [n.id]);
  assert.equal((await k.ok(200, 'GET', `/networks?not-tags-any=a&name=rev3`, k.a.token)).networks.length, 0);
  const shown = (await k.ok(200, 'GET', `/networks/${n.id}`, k.a.token)).network;
  assert.ok(shown.revision_number > 3, 'tag changes move the revision');
  assert.equal((await k.net('DELETE', `/networks/${n.id}/tags`, k.a.token)).status, 204);
  assert.deepEqual((await k.ok(200, 'GET', `/networks/${n.id}/tags`, k.a.token)).tags, []);
});

test('quotas: defaults, per project limits, details, OverQuota 409', async () => {
  const p = k.b.project;
  const q = (await k.ok(200, 'PUT', `/quotas/${p}`, k.admin, { quota: { router: 1 } })).quota;
  assert.equal(q.router, 1);
  assert.ok((await k.ok(200, 'GET', '/quotas', k.admin)).quotas.some((x: any) => x.project_id === p));
  await k.ok(201, 'POST', '/routers', k.b.token, { router: { name: 'one' } });
  const over = await k.net('POST', '/routers', k.b.token, { router: { name: 'two' } });
  fault(over, 409, 'OverQuota');
  assert.match(over.body.NeutronError.message, /Quota exceeded for resources: \['router'\]/);
  const details = (await k.ok(200, 'GET', `/quotas/${p}/details`, k.b.token)).quota;
  assert.deepEqual(details.router, { limit: 1, used: 1, reserved: 0 });
  fault(await k.net('PUT', `/quotas/${p}`, k.b.token, { quota: { router: 5 } }), 403, 'PolicyNotAuthorized');
  assert.equal((await k.net('DELETE', `/quotas/${p}`, k.admin)).status, 204);
  assert.equal((await k.ok(200, 'GET', `/quotas/${p}`, k.admin)).quota.router, 10);
  assert.deepEqual((await k.ok(200, 'GET', `/quotas/${p}/default`, k.admin)).quota, (await k.ok(200, 'GET', `/quotas/${p}`, k.admin)).quota);
});

test('security groups: default group with its rules, duplicates 409, protocol by name or number', async () => {
  const groups = (await k.ok(200, 'GET', '/security-groups', k.a.token)).security_groups;
  const def = groups.find((g: any) => g.name === 'default');
  assert.equal(def.security_group_rules.length, 4);
  const sg = (await k.ok(201, 'POST', '/security-groups', k.a.token, { security_group: { name: 'web' } })).security_group;
  assert.equal(sg.security_group_rules.length, 2, 'two default egress rules');
  const rule = { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 };
  const made = (await k.ok(201, 'POST', '/security-group-rules', k.a.token, { security_group_rule: rule })).security_group_rule;
  assert.deepEqual((await k.ok(200, 'GET', `/security-group-rules/${made.id}`, k.a.token)).security_group_rule, made);
  const listed = (await k.ok(200, 'GET', '/security-group-rules', k.a.token)).security_group_rules;
  assert.ok(listed.some((r: any) => r.id === made.id));
  assert.ok(!(await k.ok(200, 'GET', '/security-group-rules', k.b.token)).security_group_rules.some((r: any) => r.id === made.id));
  fault(await k.net('POST', '/security-group-rules', k.a.token, { security_group_rule: { ...rule, protocol: '6' } }), 409, 'SecurityGroupRuleExists');
  fault(await k.net('POST', '/security-group-rules', k.a.token, { security_group_rule: { ...rule, protocol: 'bogus' } }), 400, 'SecurityGroupRuleInvalidProtocol');
  fault(await k.net('POST', '/security-group-rules', k.a.token, { security_group_rule: { ...rule, port_range_min: 90 } }), 400, 'SecurityGroupInvalidPortRange');
  fault(await k.net('POST', '/security-groups', k.a.token, { security_group: { name: 'default' } }), 409, 'SecurityGroupDefaultAlreadyExists');
  fault(await k.net('DELETE', `/security-groups/${def.id}`, k.a.token), 409, 'SecurityGroupCannotRemoveDefault');
});
