// What every NetworkBackend (fake and real) must do: idempotent whole-state calls, removal of
// unknown objects as a no-op, an inventory that tells the truth, capabilities that bind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkBackend } from '../../src/services/network/agent/backend.ts';
import type { DhcpInfo, NetworkInfo, PortInfo, RouterInfo } from '../../src/services/network/agent/protocol.ts';

export const sampleNetwork = (id = 'net-1'): NetworkInfo => ({
  id, project_id: 'p', mtu: 1450, admin_state_up: true, network_type: 'vxlan', physical_network: null, segmentation_id: 42, router_external: false,
  subnets: [{ id: 'sub-1', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', enable_dhcp: true, ipv6_ra_mode: null, ipv6_address_mode: null, dns_nameservers: [], host_routes: [] }],
});

export const samplePort = (id = 'port-1', network = sampleNetwork()): PortInfo => ({
  id, network, mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ subnet_id: 'sub-1', ip_address: '10.0.0.5' }], admin_state_up: true,
  device_id: 'vm-1', device_owner: 'compute:nova', host: 'h', vnic_type: 'normal', vif_type: 'bridge', vif_details: {},
  port_security_enabled: true, allowed_address_pairs: [], extra_dhcp_opts: [], security_group_ids: ['sg'],
  firewall: { stateful: true, rules: [{ direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: null, remote_group_id: null }, { direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: 'sg' }] },
});

const sampleDhcp = (network = sampleNetwork()): DhcpInfo => ({ network, hosts: [{ port_id: 'port-1', mac_address: 'fa:16:3e:00:00:01', ip_address: '10.0.0.5', hostname: 'host-10-0-0-5', extra_dhcp_opts: [] }] });

const sampleRouter = (): RouterInfo => ({
  id: 'router-1', project_id: 'p', admin_state_up: true, enable_snat: true, routes: [],
  gateway: { port_id: 'gw', mac_address: 'fa:16:3e:00:00:02', network: { ...sampleNetwork('ext'), router_external: true }, fixed_ips: [{ subnet_id: 'sub-1', ip_address: '172.24.4.10', prefixlen: 24 }] },
  interfaces: [{ port_id: 'if', mac_address: 'fa:16:3e:00:00:03', network: sampleNetwork(), fixed_ips: [{ subnet_id: 'sub-1', ip_address: '10.0.0.1', prefixlen: 24 }] }],
  floating_ips: [{ id: 'fip', floating_ip_address: '172.24.4.11', fixed_ip_address: '10.0.0.5', port_id: 'port-1' }],
});

export function backendConformance(name: string, make: () => Promise<NetworkBackend>): void {
  const withBackend = (title: string, fn: (b: NetworkBackend) => Promise<void>) => test(`${name} backend: ${title}`, async () => {
    const b = await make();
    await b.start();
    try { await fn(b); } finally { await b.stop(); }
  });

  withBackend('declares capabilities a port can be bound with', async (b) => {
    const c = b.capabilities;
    assert.ok(c.name && c.vifType, 'name and vif_type');
    assert.ok(c.agentTypes.some((t) => t === 'Linux bridge agent' || t === 'Open vSwitch agent'), 'acts as an L2 agent');
    assert.ok(c.networkTypes.length > 0 && c.networkTypes.every((t) => ['flat', 'vlan', 'vxlan', 'local'].includes(t)));
    assert.ok(c.vnicTypes.includes('normal'));
  });

  withBackend('plugging is idempotent and shows in the inventory', async (b) => {
    await b.plugPort(samplePort());
    await b.plugPort(samplePort());
    await b.plugPort({ ...samplePort(), admin_state_up: false });
    const inv = await b.inventory();
    assert.deepEqual(inv.ports, ['port-1']);
    assert.ok(inv.networks.includes('net-1'));
    await b.unplugPort('port-1', 'net-1');
    await b.unplugPort('port-1', 'net-1');
    assert.deepEqual((await b.inventory()).ports, []);
  });

  withBackend('removing what is not there is a no-op', async (b) => {
    await b.unplugPort('nope', 'nope');
    await b.removeDhcp('nope');
    await b.removeRouter('nope');
    await b.removeNetwork('nope');
    await b.removeGroupMembers('nope');
    assert.deepEqual(await b.inventory(), { ports: [], routers: [], dhcp: [], networks: [], groups: [] });
  });

  withBackend('DHCP and routers are whole-state syncs', async (b) => {
    await b.syncDhcp(sampleDhcp());
    await b.syncDhcp({ ...sampleDhcp(), hosts: [] });
    await b.syncRouter(sampleRouter());
    await b.syncRouter({ ...sampleRouter(), floating_ips: [] });
    let inv = await b.inventory();
    assert.deepEqual([inv.dhcp, inv.routers], [['net-1'], ['router-1']]);
    await b.removeDhcp('net-1');
    await b.removeRouter('router-1');
    await b.removeNetwork('net-1');
    await b.removeNetwork('ext');
    inv = await b.inventory();
    assert.deepEqual(inv, { ports: [], routers: [], dhcp: [], networks: [], groups: [] });
  });

  withBackend('address sets of groups are whole-state syncs', async (b) => {
    await b.syncGroupMembers('sg', ['10.0.0.5', '10.0.0.6']);
    await b.syncGroupMembers('sg', ['10.0.0.6']);
    assert.deepEqual((await b.inventory()).groups, ['sg']);
    await b.removeGroupMembers('sg');
    await b.removeGroupMembers('sg');
    assert.deepEqual((await b.inventory()).groups, []);
  });
}
