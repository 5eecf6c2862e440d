// Server actions through the flow: each one's state transitions as Nova keeps them, and the
// side effects outside compute (images for createImage/shelve, placement for resize).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startComputeCloud, type ComputeCloud } from './helpers.ts';

let c: ComputeCloud;
let token: string;
let image: string;
let flavor: string;
let bigger: string;
let sameDisk: string;
const S = '/compute/v2.1/servers';
before(async () => {
  c = await startComputeCloud({ 'compute.fake_hosts': 2 });
  token = await c.adminToken();
  image = await c.image();
  flavor = await c.flavor();
  bigger = await c.flavor({ ram: 128, vcpus: 2, disk: 2 });
  sameDisk = await c.flavor({ ram: 96, vcpus: 1, disk: 2 });
});
after(async () => { await c?.stop(); });

async function active(name: string): Promise<string> {
  const r = await c.req('POST', S, { token, mv: '2.37', body: { server: { name, imageRef: image, flavorRef: flavor, networks: 'none' } } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await c.waitFor(r.body.server.id, (s) => s?.status === 'ACTIVE');
  return r.body.server.id;
}
const act = (id: string, body: unknown, mv?: string) => c.req('POST', `${S}/${id}/action`, { token, body, mv });
const until = (id: string, status: string) => c.waitFor(id, (s) => s?.status === status && s['OS-EXT-STS:task_state'] === null);

test('stop, start, reboot, pause, suspend, rescue, lock', async () => {
  const id = await active('power');
  assert.equal((await act(id, { 'os-stop': null })).status, 202);
  const off = await until(id, 'SHUTOFF');
  assert.equal(off['OS-EXT-STS:power_state'], 4);
  assert.equal((await act(id, { 'os-start': null })).status, 202);
  await until(id, 'ACTIVE');
  assert.equal((await act(id, { reboot: { type: 'HARD' } })).status, 202);
  await until(id, 'ACTIVE');
  assert.equal((await act(id, { pause: null })).status, 202);
  assert.equal((await until(id, 'PAUSED'))['OS-EXT-STS:power_state'], 3);
  assert.equal((await act(id, { unpause: null })).status, 202);
  await until(id, 'ACTIVE');
  assert.equal((await act(id, { suspend: null })).status, 202);
  await until(id, 'SUSPENDED');
  assert.equal((await act(id, { resume: null })).status, 202);
  await until(id, 'ACTIVE');
  const rescue = await act(id, { rescue: { adminPass: 'secret' } });
  assert.equal(rescue.status, 200);
  assert.equal(rescue.body.adminPass, 'secret');
  await until(id, 'RESCUE');
  assert.equal((await act(id, { unrescue: null })).status, 202);
  await until(id, 'ACTIVE');
  const out = await act(id, { 'os-getConsoleOutput': { length: 2 } });
  assert.equal(out.status, 200);
  assert.equal(out.body.output.split('\n').length, 2);
  const actions = (await c.req('GET', `${S}/${id}/os-instance-actions`, { token })).body.instanceActions.map((a: { action: string }) => a.action);
  assert.deepEqual(actions, ['unrescue', 'rescue', 'resume', 'suspend', 'unpause', 'pause', 'reboot', 'start', 'stop', 'create']);
});

test('resize confirm and revert move allocations', async () => {
  const id = await active('resize');
  assert.equal((await act(id, { resize: { flavorRef: bigger } })).status, 202);
  const resized = await until(id, 'VERIFY_RESIZE');
  assert.equal(resized.flavor.id, bigger);
  assert.equal((await act(id, { confirmResize: null })).status, 204);
  await until(id, 'ACTIVE');
  if (c.placement) assert.equal(Object.values(c.placement.state.allocs.get(id)!.allocations)[0]!.resources.VCPU, 2);
  // a disk never shrinks (Nova's 400), so the way back keeps the disk size
  assert.equal((await act(id, { resize: { flavorRef: flavor } })).status, 400);
  assert.equal((await act(id, { resize: { flavorRef: sameDisk } })).status, 202);
  await until(id, 'VERIFY_RESIZE');
  assert.equal((await act(id, { revertResize: null })).status, 202);
  const back = await until(id, 'ACTIVE');
  assert.equal(back.flavor.id, bigger);
  const migs = await c.req('GET', '/compute/v2.1/os-migrations', { token, mv: '2.23' });
  assert.deepEqual(migs.body.migrations.filter((m: { instance_uuid: string }) => m.instance_uuid === id).map((m: { status: string }) => m.status).sort(), ['confirmed', 'reverted']);
});

test('createImage uploads a snapshot; shelve offloads and unshelve brings it back', async () => {
  const id = await active('snap');
  const r = await act(id, { createImage: { name: 'snap1', metadata: { k: 'v' } } }, '2.45');
  assert.equal(r.status, 202);
  const imageId = r.body.image_id;
  await until(id, 'ACTIVE');
  const img = await c.req('GET', `/image/v2/images/${imageId}`, { token });
  assert.equal(img.body.status, 'active');
  assert.equal(img.body.instance_uuid, id);
  assert.equal(img.body.k, 'v');
  assert.equal((await act(id, { shelve: null })).status, 202);
  const shelved = await until(id, 'SHELVED_OFFLOADED');
  assert.equal(shelved['OS-EXT-SRV-ATTR:host'], null);
  if (c.placement) assert.ok(!c.placement.state.allocs.has(id));
  assert.equal((await act(id, { unshelve: null })).status, 202);
  const back = await until(id, 'ACTIVE');
  assert.ok(back['OS-EXT-SRV-ATTR:host']);
});

test('min_count/max_count boots several servers with numbered names', async () => {
  const r = await c.req('POST', S, { token, mv: '2.37', body: { server: { name: 'multi', imageRef: image, flavorRef: flavor, networks: 'none', min_count: 3, max_count: 3, return_reservation_id: true } } });
  assert.equal(r.status, 202);
  assert.match(r.body.reservation_id, /^r-/);
  const list = await c.req('GET', `${S}/detail?reservation_id=${r.body.reservation_id}`, { token });
  assert.deepEqual(list.body.servers.map((s: { name: string }) => s.name).sort(), ['multi-1', 'multi-2', 'multi-3']);
  for (const s of list.body.servers) await c.waitFor(s.id, (x) => x?.status === 'ACTIVE');
});

test('a failing spawn is rescheduled, then ERROR with a fault; nothing is left claimed', async () => {
  const failing = await startComputeCloud({ 'compute.fake_hosts': 2, 'compute.fake_fail_spawn': '^doomed' });
  try {
    const t = await failing.adminToken();
    const img = await failing.image();
    const fl = await failing.flavor();
    const r = await failing.req('POST', S, { token: t, mv: '2.37', body: { server: { name: 'doomed', imageRef: img, flavorRef: fl, networks: 'none' } } });
    const s = await failing.waitFor(r.body.server.id, (x) => x?.status === 'ERROR', t);
    assert.match(s.fault.message, /Exceeded maximum number of retries|No valid host/);
    const events = (await failing.req('GET', `${S}/${s.id}/os-instance-actions/${(await failing.req('GET', `${S}/${s.id}/os-instance-actions`, { token: t })).body.instanceActions[0].request_id}`, { token: t })).body.instanceAction.events;
    assert.ok(events.filter((e: { event: string; result: string }) => e.event === 'compute__do_build_and_run_instance' && e.result === 'Error').length >= 2);
    if (failing.placement) assert.ok(!failing.placement.state.allocs.has(s.id));
  } finally {
    await failing.stop();
  }
});
