// IPAM under concurrency: 200 ports created at once on one /24 get 200 different addresses, on
// SQLite and on PostgreSQL (two connection pools, as two API processes would have); a full
// subnet answers IpAddressGenerationFailure (409), never a 500.
import assert from 'node:assert/strict';
import { dbTest } from '../helpers/db.ts';
import { harness } from './harness.ts';
import { createNetworks } from '../../src/services/network/service/networks.ts';
import { createSubnets } from '../../src/services/network/service/subnets.ts';
import { createPorts, type PortCreate } from '../../src/services/network/service/ports.ts';
import { CloudError } from '../../src/lib/errors.ts';

const port = (networkId: string, projectId: string): PortCreate => ({
  project_id: projectId, network_id: networkId, name: '', description: '', admin_state_up: true, device_id: '', device_owner: '',
  allowed_address_pairs: [], extra_dhcp_opts: [], host: '', vnic_type: 'normal', profile: {},
});

dbTest('200 concurrent port creates on a /24 get unique addresses; the 254th port is a 409', async (database, { reopen }) => {
  const h = await harness(database, { 'network.quota_port': -1 });
  // PostgreSQL: a second pool, as a second API process would have. SQLite runs one process
  // with one connection (a second handle in the same thread would block it on the file lock).
  const second = database.dialect === 'postgres' ? await harness(await reopen(), { 'network.quota_port': -1 }) : h;
  const user = h.member('p1');
  const [n] = await createNetworks(h.net, user, [{ project_id: 'p1', name: 'n', description: '', admin_state_up: true, shared: false, external: false, port_security_enabled: true, availability_zone_hints: [] }]);
  await createSubnets(h.net, user, [{ project_id: 'p1', network_id: n!.id, name: 's', description: '', ip_version: 4, cidr: '10.0.0.0/24', enable_dhcp: true, ipv6_ra_mode: null, ipv6_address_mode: null, dns_nameservers: [], host_routes: [] }]);

  const created = await Promise.all(Array.from({ length: 200 }, (_, i) => createPorts(i % 2 ? second.net : h.net, user, [port(n!.id, 'p1')])));
  const ips = created.map(([p]) => (p!.fixed_ips as Array<{ ip_address: string }>)[0]!.ip_address);
  assert.equal(ips.length, 200);
  assert.equal(new Set(ips).size, 200, 'an address was handed out twice');
  for (const ip of ips) assert.match(ip, /^10\.0\.0\.(\d+)$/);
  assert.ok(ips.every((ip) => ip !== '10.0.0.1' && ip !== '10.0.0.0' && ip !== '10.0.0.255'), 'gateway, network or broadcast address handed out');

  // Fill the pool (.2–.254 is 253 addresses), then one more.
  await Promise.all(Array.from({ length: 53 }, () => createPorts(h.net, user, [port(n!.id, 'p1')])));
  const rows = await database.db.selectFrom('ip_allocations').select('ip_address').execute();
  assert.equal(new Set(rows.map((r: any) => r.ip_address)).size, 253);
  await assert.rejects(createPorts(second.net, user, [port(n!.id, 'p1')]), (err: CloudError) => {
    assert.equal(err.status, 409);
    assert.equal(err.kwargs.type, 'IpAddressGenerationFailure');
    return true;
  });
  // The failed create left no port behind.
  const ports = await database.db.selectFrom('ports').select('id').execute();
  assert.equal(ports.length, 253);
}, { timeout: 120_000 });
