// The flow of DESIGN.md end to end: POST /servers → 202 BUILD → conductor → scheduler →
// agent → ACTIVE, every step an instance action event; delete releases allocations and ports.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startComputeCloud, type ComputeCloud } from './helpers.ts';

let c: ComputeCloud;
let image: string;
let flavor: string;
before(async () => {
  c = await startComputeCloud();
  image = await c.image();
  flavor = await c.flavor();
});
after(async () => { await c?.stop(); });

test('boot with networks none reaches ACTIVE and deletes cleanly', async () => {
  const t = await c.adminToken();
  const r = await c.req('POST', '/compute/v2.1/servers', { token: t, mv: '2.37', body: { server: { name: 'vm1', imageRef: image, flavorRef: flavor, networks: 'none' } } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.ok(r.body.server.adminPass);
  const id = r.body.server.id;
  const s = await c.waitFor(id, (x) => x?.status === 'ACTIVE' || x?.status === 'ERROR');
  assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
  assert.equal(s['OS-EXT-STS:power_state'], 1);
  assert.ok(s['OS-EXT-SRV-ATTR:host']?.startsWith('fake-host-'));
  // every step of the flow is an event of the create action
  const actions = await c.req('GET', `/compute/v2.1/servers/${id}/os-instance-actions`, { token: t });
  assert.equal(actions.body.instanceActions[0].action, 'create');
  const show = await c.req('GET', `/compute/v2.1/servers/${id}/os-instance-actions/${actions.body.instanceActions[0].request_id}`, { token: t });
  const events = show.body.instanceAction.events.map((e: { event: string }) => e.event);
  assert.deepEqual(events, ['conductor_schedule_and_build_instances', 'schedule_instances', 'compute__do_build_and_run_instance']);
  assert.ok(show.body.instanceAction.events.every((e: { result: string }) => e.result === 'Success'));
  if (c.placement) assert.ok(c.placement.state.allocs.has(id));
  assert.equal((await c.req('DELETE', `/compute/v2.1/servers/${id}`, { token: t })).status, 204);
  await c.waitFor(id, (x) => x === null);
  if (c.placement) assert.ok(!c.placement.state.allocs.has(id));
});

test('boot on a network gets a bound port, addresses, and the port goes on delete', async () => {
  const u = await c.user('alice');
  const net = await c.req('POST', '/networking/v2.0/networks', { token: u.token, body: { network: { name: 'private' } } });
  await c.req('POST', '/networking/v2.0/subnets', { token: u.token, body: { subnet: { network_id: net.body.network.id, cidr: '10.0.0.0/24', ip_version: 4 } } });
  const r = await c.req('POST', '/compute/v2.1/servers', { token: u.token, body: { server: { name: 'web', imageRef: image, flavorRef: flavor } } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const s = await c.waitFor(r.body.server.id, (x) => x?.status === 'ACTIVE' || x?.status === 'ERROR', u.token);
  assert.equal(s.status, 'ACTIVE', JSON.stringify(s.fault));
  assert.equal(s.addresses.private[0].addr, '10.0.0.2');
  assert.equal(s.addresses.private[0]['OS-EXT-IPS:type'], 'fixed');
  // binding attributes are for admins only
  const ports = await c.req('GET', `/networking/v2.0/ports?device_id=${s.id}`, { token: await c.adminToken() });
  assert.equal(ports.body.ports.length, 1);
  assert.ok(ports.body.ports[0]['binding:host_id']?.startsWith('fake-host-'), JSON.stringify(ports.body));
  assert.equal(ports.body.ports[0].device_owner, 'compute:nova');
  // B cannot see or touch A's server
  const b = await c.user('bob');
  assert.equal((await c.req('GET', `/compute/v2.1/servers/${s.id}`, { token: b.token })).status, 404);
  assert.equal((await c.req('DELETE', `/compute/v2.1/servers/${s.id}`, { token: b.token })).status, 404);
  assert.equal((await c.req('GET', '/compute/v2.1/servers', { token: b.token })).body.servers.length, 0);
  assert.equal((await c.req('DELETE', `/compute/v2.1/servers/${s.id}`, { token: u.token })).status, 204);
  await c.waitFor(s.id, (x) => x === null, u.token);
  assert.equal((await c.req('GET', `/networking/v2.0/ports?device_id=${s.id}`, { token: u.token })).body.ports.length, 0);
});
