// The agent boundary end to end on the in-process bus: the API side writes, tells the host's
// agent, the agent wires it with the fake backend and reports status back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBus, createInprocBroker, type Bus } from '../../src/lib/bus/index.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { NetworkAgent } from '../../src/services/network/agent/agent.ts';
import { FakeBackend } from '../../src/services/network/agent/fake-backend.ts';
import { busNotifier } from '../../src/services/network/agent/notifier.ts';
import { pluginEndpoint } from '../../src/services/network/agent/plugin-rpc.ts';
import { PLUGIN_TOPIC } from '../../src/services/network/agent/protocol.ts';
import { createNetworks, deleteNetwork } from '../../src/services/network/service/networks.ts';
import { createSubnets } from '../../src/services/network/service/subnets.ts';
import { createPorts, deletePort, updatePort, type PortCreate } from '../../src/services/network/service/ports.ts';
import { addInterface } from '../../src/services/network/service/router-interfaces.ts';
import { createRouters } from '../../src/services/network/service/routers.ts';
import { createFip } from '../../src/services/network/service/floating-ips.ts';
import { createRules } from '../../src/services/network/service/sg-rules.ts';
import { harness, type Harness } from './harness.ts';

const HOST = 'test-host';

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface World { h: Harness; bus: Bus; backend: FakeBackend; agent: NetworkAgent; stop(): Promise<void> }

async function world(backend = new FakeBackend(), resyncDelayMs = 50): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-net-agent-'));
  const database = await openDatabase(`sqlite://${join(dir, 'network.db')}`, { service: 'network' });
  const broker = createInprocBroker();
  const bus = await openBus('inproc://', { inprocBroker: broker });
  const h = await harness(database, {}, busNotifier(bus, silentLogger()));
  const plugin = await bus.serve({ topic: PLUGIN_TOPIC }, pluginEndpoint(h.net));
  const agent = new NetworkAgent({ bus, host: HOST, backend, log: silentLogger(), resyncDelayMs });
  await agent.start();
  return {
    h, bus, backend, agent,
    async stop() { await agent.stop(); await plugin.stop(); await bus.close(); await database.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

const portOn = (networkId: string, extra: Partial<PortCreate> = {}): PortCreate => ({
  project_id: 'p1', network_id: networkId, name: '', description: '', admin_state_up: true, device_id: 'vm', device_owner: 'compute:nova',
  allowed_address_pairs: [], extra_dhcp_opts: [], host: HOST, vnic_type: 'normal', profile: {}, ...extra,
});

async function lan(w: World, cidr = '10.0.0.0/24') {
  const user = w.h.member('p1');
  const [n] = await createNetworks(w.h.net, user, [{ project_id: 'p1', name: 'lan', description: '', admin_state_up: true, shared: false, external: false, port_security_enabled: true, availability_zone_hints: [] }]);
  const [s] = await createSubnets(w.h.net, user, [{ project_id: 'p1', network_id: n!.id, name: 's', description: '', ip_version: 4, cidr, enable_dhcp: true, ipv6_ra_mode: null, ipv6_address_mode: null, dns_nameservers: [], host_routes: [] }]);
  return { user, network: n!, subnet: s! };
}

const status = async (w: World, id: string) => (await w.h.net.db.selectFrom('ports').select(['status', 'vif_type']).where('id', '=', id).executeTakeFirst()) as { status: string; vif_type: string } | undefined;

test('agent registers, serves DHCP, wires bound ports and reports them ACTIVE', async () => {
  const w = await world();
  try {
    const agents = await w.h.net.db.selectFrom('agents').select(['agent_type', 'host']).execute();
    assert.deepEqual(agents.map((a: any) => a.agent_type).sort(), ['DHCP agent', 'L3 agent', 'Linux bridge agent', 'Metadata agent']);
    const { user, network } = await lan(w);
    await until('DHCP configured', () => w.backend.state.dhcp.has(network.id));
    const [p1] = await createPorts(w.h.net, user, [portOn(network.id)]);
    assert.equal(p1!.status, 'DOWN');
    assert.equal(p1!['binding:vif_type'], 'bridge');
    assert.equal((p1!['binding:vif_details'] as any).bridge_name, `brq${network.id.slice(0, 11)}`);
    await until('port ACTIVE', async () => (await status(w, p1!.id as string))?.status === 'ACTIVE');
    const wired = w.backend.state.ports.get(p1!.id as string)!;
    assert.equal(wired.network.segmentation_id !== null, true);
    const [p2] = await createPorts(w.h.net, user, [portOn(network.id)]);
    const ip2 = (p2!.fixed_ips as any)[0].ip_address;
    // The default group admits its members: the group's address set on the host gains p2's address.
    const sgId = wired.security_group_ids[0]!;
    assert.ok(wired.firewall?.rules.some((r) => r.remote_group_id === sgId));
    await until('p2 in the group\'s address set', () => w.backend.state.groups.get(sgId)?.includes(ip2));
    await until('DHCP host entries', () => w.backend.state.dhcp.get(network.id)?.hosts.some((h) => h.ip_address === ip2));
    // A new rule in the group reaches the wired ports.
    await createRules(w.h.net, user, [{ security_group_id: wired.security_group_ids[0]!, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0', remote_group_id: null, description: '' }]);
    await until('rule applied', () => w.backend.state.ports.get(p1!.id as string)?.firewall?.rules.some((r) => r.port_range_min === 22));
    // Admin down → DOWN; moved to a host with no agent → binding_failed and unwired here.
    await updatePort(w.h.net, w.h.admin, (await w.h.net.db.selectFrom('ports').selectAll().where('id', '=', p1!.id).executeTakeFirstOrThrow()), { admin_state_up: false });
    await until('port DOWN', async () => (await status(w, p1!.id as string))?.status === 'DOWN');
    await updatePort(w.h.net, w.h.admin, (await w.h.net.db.selectFrom('ports').selectAll().where('id', '=', p1!.id).executeTakeFirstOrThrow()), { 'binding:host_id': 'elsewhere' });
    assert.equal((await status(w, p1!.id as string))?.vif_type, 'binding_failed');
    await until('unplugged after move', () => !w.backend.state.ports.has(p1!.id as string));
    // Delete port and network: unwired, DHCP and segment gone.
    await deletePort(w.h.net, (await w.h.net.db.selectFrom('ports').selectAll().where('id', '=', p2!.id).executeTakeFirstOrThrow()));
    await until('p2 unplugged', () => !w.backend.state.ports.has(p2!.id as string));
    await deletePort(w.h.net, (await w.h.net.db.selectFrom('ports').selectAll().where('id', '=', p1!.id).executeTakeFirstOrThrow()));
    await deleteNetwork(w.h.net, (await w.h.net.db.selectFrom('networks').selectAll().where('id', '=', network.id).executeTakeFirstOrThrow()));
    await until('network gone from the host', () => !w.backend.state.dhcp.has(network.id) && !w.backend.state.networks.has(network.id));
    await until('no port refers to the group: its set is gone', () => !w.backend.state.groups.has(sgId));
  } finally { await w.stop(); }
});

test('a backend failure marks the port ERROR, then the re-sync wires it', async () => {
  const w = await world(new FakeBackend(), 400);
  try {
    const { user, network } = await lan(w);
    // Let the network's own refresh (which re-plugs its ports) pass first.
    await until('DHCP configured', () => w.backend.state.dhcp.has(network.id));
    await new Promise((r) => setTimeout(r, 150));
    await w.agent.idle();
    w.backend.failNext('plugPort', new Error('bridge busy'));
    // No security groups: nothing but the re-sync will retry the port.
    const [p] = await createPorts(w.h.net, user, [portOn(network.id, { security_groups: [], port_security_enabled: false })]);
    await until('ERROR', async () => (await status(w, p!.id as string))?.status === 'ERROR');
    await until('ACTIVE after re-sync', async () => (await status(w, p!.id as string))?.status === 'ACTIVE');
    assert.ok(w.backend.journal.filter((j) => j.op === 'plugPort' && j.id === p!.id).length >= 2);
  } finally { await w.stop(); }
});

test('routers and floating IPs reach the L3 side; floating IPs go ACTIVE', async () => {
  const w = await world();
  try {
    const { user, network, subnet } = await lan(w);
    const admin = w.h.admin;
    const [ext] = await createNetworks(w.h.net, admin, [{ project_id: 'admin-project', name: 'ext', description: '', admin_state_up: true, shared: false, external: true, port_security_enabled: true, availability_zone_hints: [], provider: { network_type: 'flat', physical_network: 'public' } }]);
    await createSubnets(w.h.net, admin, [{ project_id: 'admin-project', network_id: ext!.id, name: 'ext', description: '', ip_version: 4, cidr: '172.24.4.0/24', enable_dhcp: false, ipv6_ra_mode: null, ipv6_address_mode: null, dns_nameservers: [], host_routes: [] }]);
    const [r] = await createRouters(w.h.net, user, [{ project_id: 'p1', name: 'r', description: '', admin_state_up: true, external_gateway_info: { network_id: ext!.id }, availability_zone_hints: [] }]);
    const routerRow = await w.h.net.db.selectFrom('routers').selectAll().where('id', '=', r!.id).executeTakeFirstOrThrow();
    assert.equal(routerRow.host, HOST);
    await addInterface(w.h.net, user, routerRow, { subnet_id: subnet.id as string });
    const [p] = await createPorts(w.h.net, user, [portOn(network.id)]);
    const fip = await createFip(w.h.net, user, { project_id: 'p1', floating_network_id: ext!.id, port_id: p!.id as string, description: '' });
    assert.equal(fip.router_id, r!.id);
    await until('router with floating IP wired', () => w.backend.state.routers.get(r!.id as string)?.floating_ips.some((f) => f.id === fip.id));
    const wired = w.backend.state.routers.get(r!.id as string)!;
    assert.equal(wired.gateway?.network.id, ext!.id);
    assert.equal(wired.interfaces[0]?.fixed_ips[0]?.ip_address, '10.0.0.1');
    await until('FIP ACTIVE', async () => (await w.h.net.db.selectFrom('floatingips').select('status').where('id', '=', fip.id).executeTakeFirst())?.status === 'ACTIVE');
    await until('router ports ACTIVE', async () => (await w.h.net.db.selectFrom('ports').select('status').where('device_id', '=', r!.id).execute()).every((x: any) => x.status === 'ACTIVE'));
  } finally { await w.stop(); }
});

test('a restarted agent reconciles: ports deleted while it was away get unwired', async () => {
  const backend = new FakeBackend();
  const w = await world(backend);
  try {
    const { user, network } = await lan(w);
    const [p] = await createPorts(w.h.net, user, [portOn(network.id)]);
    await until('wired', () => backend.state.ports.has(p!.id as string));
    await w.agent.stop();
    await w.h.net.db.deleteFrom('ports').where('id', '=', p!.id).execute();
    const again = new NetworkAgent({ bus: w.bus, host: HOST, backend, log: silentLogger() });
    await again.start();
    await again.idle();
    assert.equal(backend.state.ports.has(p!.id as string), false);
    await again.stop();
  } finally { await w.stop(); }
});
