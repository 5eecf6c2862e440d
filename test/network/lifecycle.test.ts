// The domain layer through a whole topology and back, on SQLite and PostgreSQL: networks,
// subnets (from a pool), ports, groups and rules, a router with gateway, interfaces and extra
// routes, a floating IP, RBAC, then teardown in the order Neutron enforces.
import assert from 'node:assert/strict';
import { dbTest } from '../helpers/db.ts';
import { harness } from './harness.ts';
import type { CloudError } from '../../src/lib/errors.ts';
import { createNetworks, deleteNetwork } from '../../src/services/network/service/networks.ts';
import { createSubnets, deleteSubnet } from '../../src/services/network/service/subnets.ts';
import { createPorts, deletePort, updatePort } from '../../src/services/network/service/ports.ts';
import { createRouters, deleteRouter, updateRouter } from '../../src/services/network/service/routers.ts';
import { addInterface, removeInterface } from '../../src/services/network/service/router-interfaces.ts';
import { createFip, deleteFip, updateFip } from '../../src/services/network/service/floating-ips.ts';
import { createGroups, deleteGroup } from '../../src/services/network/service/security-groups.ts';
import { createRules } from '../../src/services/network/service/sg-rules.ts';
import { createPools } from '../../src/services/network/service/subnetpools.ts';
import { createRbac } from '../../src/services/network/service/rbac.ts';
import { listNetworks } from '../../src/services/network/service/networks.ts';

const rejects = (p: Promise<unknown>, type: string) => assert.rejects(p, (e: CloudError) => { assert.equal(e.kwargs.type, type, e.message); return true; });

dbTest('a topology is built and torn down with Neutron\'s rules', async (database) => {
  const h = await harness(database);
  const { net, admin } = h;
  const u = h.member('p1');
  const row = (table: string, id: string) => database.db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const base = { description: '', admin_state_up: true, shared: false, port_security_enabled: true, availability_zone_hints: [] };
  const [ext] = await createNetworks(net, admin, [{ ...base, project_id: 'admin-project', name: 'ext', external: true, provider: { network_type: 'flat', physical_network: 'public' } }]);
  await rejects(createNetworks(net, admin, [{ ...base, project_id: 'admin-project', name: 'ext2', external: true, provider: { network_type: 'flat', physical_network: 'public' } }]), 'FlatNetworkInUse');
  const [vlan] = await createNetworks(net, admin, [{ ...base, project_id: 'admin-project', name: 'v', external: false, provider: { network_type: 'vlan', physical_network: 'physnet1' } }]);
  assert.equal(vlan!['provider:segmentation_id'], 1000);
  await createSubnets(net, admin, [{ project_id: 'admin-project', network_id: ext!.id, name: 'ext', description: '', ip_version: 4, cidr: '172.24.4.0/24', enable_dhcp: false, ipv6_ra_mode: null, ipv6_address_mode: null, dns_nameservers: [], host_routes: [] }]);

  const [pool] = await createPools(net, [{ project_id: 'p1', name: 'pool', description: '', prefixes: ['10.10.0.0/16'], default_prefixlen: 24, min_prefixlen: null, max_prefixlen: null, default_quota: null, shared: false, is_default: false }]);
  const [lan] = await createNetworks(net, u, [{ ...base, project_id: 'p1', name: 'lan', external: false }]);
  const [s1, s2] = await createSubnets(net, u, [
    { project_id: 'p1', network_id: lan!.id, name: 'a', description: '', ip_version: 4, subnetpool_id: pool!.id, enable_dhcp: true, ipv6_ra_mode: null, ipv6_address_mode: null, dns_nameservers: [], host_routes: [] },
    { project_id: 'p1', network_id: lan!.id, name: 'b', description: '', ip_version: 6, cidr: '2001:db8:1::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac', enable_dhcp: true, dns_nameservers: [], host_routes: [] },
  ]);
  assert.equal(s1!.cidr, '10.10.0.0/24');
  const [s3] = await createSubnets(net, u, [{ project_id: 'p1', network_id: lan!.id, name: 'c', description: '', ip_version: 4, subnetpool_id: pool!.id, prefixlen: 26, enable_dhcp: true, ipv6_ra_mode: null, ipv6_address_mode: null, dns_nameservers: [], host_routes: [] }]);
  assert.equal(s3!.cidr, '10.10.1.0/26', 'next free block of the pool');

  const [sg] = await createGroups(net, u, [{ project_id: 'p1', name: 'web', description: '', stateful: true }]);
  await createRules(net, u, [{ security_group_id: sg!.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: null, remote_group_id: null, description: '' }]);
  const [p] = await createPorts(net, u, [{ project_id: 'p1', network_id: lan!.id, name: 'vm', description: '', admin_state_up: true, device_id: 'vm', device_owner: 'compute:nova', security_groups: [sg!.id], allowed_address_pairs: [{ ip_address: '10.10.0.200' }], extra_dhcp_opts: [{ opt_name: 'mtu', opt_value: '1400' }], host: '', vnic_type: 'normal', profile: {} }]);
  const ips = (p!.fixed_ips as Array<{ subnet_id: string; ip_address: string }>);
  assert.deepEqual(ips.map((f) => f.subnet_id).sort(), [s1!.id, s2!.id].sort(), 'one IPv4 address and the SLAAC address');
  await rejects(deleteGroup(net, u, await row('security_groups', sg!.id as string)), 'SecurityGroupInUse');

  const [r] = await createRouters(net, u, [{ project_id: 'p1', name: 'r', description: '', admin_state_up: true, external_gateway_info: { network_id: ext!.id }, availability_zone_hints: [] }]);
  assert.equal((r!.external_gateway_info as any).enable_snat, true);
  await addInterface(net, u, await row('routers', r!.id as string), { subnet_id: s1!.id as string });
  await rejects(addInterface(net, u, await row('routers', r!.id as string), { subnet_id: s1!.id as string }), 'BadRequest');
  const routed = await updateRouter(net, u, await row('routers', r!.id as string), { routes: [{ destination: '192.168.0.0/24', nexthop: '10.10.0.50' }] });
  assert.equal((routed.routes as unknown[]).length, 1);
  await rejects(updateRouter(net, u, await row('routers', r!.id as string), { routes: [{ destination: '192.168.0.0/24', nexthop: '10.99.0.50' }] }), 'InvalidRoutes');
  const fip = await createFip(net, u, { project_id: 'p1', floating_network_id: ext!.id, port_id: p!.id as string, description: '' });
  assert.equal(fip.router_id, r!.id);
  await rejects(removeInterface(net, u, await row('routers', r!.id as string), { subnet_id: s1!.id as string }), 'RouterInterfaceInUseByFloatingIP');
  await rejects(deleteRouter(net, await row('routers', r!.id as string)), 'RouterInUse');
  const moved = await updatePort(net, u, await row('ports', p!.id as string), { security_groups: [], port_security_enabled: false, allowed_address_pairs: [] });
  assert.equal(moved.port_security_enabled, false);
  await updateFip(net, u, await row('floatingips', fip.id), { port_id: null });
  await deleteFip(net, await row('floatingips', fip.id));
  await updateRouter(net, u, await row('routers', r!.id as string), { routes: [] });
  await removeInterface(net, u, await row('routers', r!.id as string), { subnet_id: s1!.id as string });
  await deleteRouter(net, await row('routers', r!.id as string));

  // Sharing: p2 sees the network through RBAC only.
  assert.ok(!(await listNetworks(net, h.member('p2'))).some((n) => n.id === lan!.id));
  await createRbac(net, u, { object_type: 'network', object_id: lan!.id as string, action: 'access_as_shared', target_project: 'p2', project_id: 'p1' });
  assert.ok((await listNetworks(net, h.member('p2'))).some((n) => n.id === lan!.id && n.shared === true));

  await rejects(deleteSubnet(net, await row('subnets', s1!.id as string)), 'SubnetInUse');
  await deleteSubnet(net, await row('subnets', s2!.id as string));
  await rejects(deleteNetwork(net, await row('networks', lan!.id as string)), 'NetworkInUse');
  await deletePort(net, await row('ports', p!.id as string));
  await deleteNetwork(net, await row('networks', lan!.id as string));
  for (const t of ['ports', 'subnets', 'ip_allocations', 'floatingips', 'routers']) {
    const left = await database.db.selectFrom(t).selectAll().execute();
    if (t === 'ports' || t === 'ip_allocations' || t === 'subnets') assert.ok(left.every((x: any) => x.network_id === ext!.id || x.network_id === undefined), `${t} left behind`);
  }
  assert.equal((await database.db.selectFrom('routers').selectAll().execute()).length, 0);
});
