// Nova's versioned notifications on the bus: a server's life (create, stop, start, delete)
// announced as instance.<action>.<phase> from nova-compute:<host> with InstanceActionPayload /
// InstanceCreatePayload objects, the legacy compute.instance.* beside them, and a failed build
// as instance.create.error with the fault, then the conductor's compute_task.build_instances.error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Notification } from '../../src/lib/bus/index.ts';
import { startComputeCloud, type ComputeCloud } from './helpers.ts';

let c: ComputeCloud;
let image: string;
let flavor: string;
const seen: Notification[] = [];
before(async () => {
  // Spawns of servers named doomed-* fail on every host (the fake driver's failure injection).
  c = await startComputeCloud({ 'compute.fake_fail_spawn': '^doomed' });
  await c.bus.onNotification({ eventType: /^(instance|compute\.instance|compute_task)\./ }, (n) => { seen.push(n); });
  image = await c.image();
  flavor = await c.flavor({ name: 'notify-flavor', ram: 64, vcpus: 1, disk: 1 });
});
after(async () => { await c?.stop(); });

const data = (n: Notification) => n.payload['nova_object.data'];
/** The versioned notifications about one server, in the order they were sent. */
const versionedFor = (uuid: string) => seen.filter((n) => n.event_type.startsWith('instance.') && data(n)?.uuid === uuid);

/** Waits until the server's versioned notifications include `eventType` (they follow the API's view). */
async function until(uuid: string, eventType: string, count = 1): Promise<Notification> {
  for (let i = 0; i < 400; i++) {
    const hits = versionedFor(uuid).filter((n) => n.event_type === eventType);
    if (hits.length >= count) return hits[count - 1]!;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`no ${eventType} for ${uuid}; saw ${versionedFor(uuid).map((n) => n.event_type).join(', ')}`);
}

async function action(id: string, body: object): Promise<void> {
  const r = await c.req('POST', `/compute/v2.1/servers/${id}/action`, { token: await c.adminToken(), body });
  assert.equal(r.status, 202, JSON.stringify(r.body));
}

test('a server\'s life: create, stop, start, delete as versioned start/end pairs', async () => {
  const t = await c.adminToken();
  const r = await c.req('POST', '/compute/v2.1/servers', { token: t, mv: '2.37', body: { server: { name: 'noisy', imageRef: image, flavorRef: flavor, networks: 'none', metadata: { role: 'web' } } } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const id = r.body.server.id;
  const requestId = r.headers.get('x-openstack-request-id');
  const created = await until(id, 'instance.create.end');
  const server = await c.waitFor(id, (s) => s?.status === 'ACTIVE');
  const host = server['OS-EXT-SRV-ATTR:host'];

  const start = await until(id, 'instance.create.start');
  assert.equal(start.priority, 'INFO');
  assert.equal(start.publisher_id, `nova-compute:${host}`);
  assert.equal(start.payload['nova_object.name'], 'InstanceCreatePayload');
  assert.equal(start.payload['nova_object.namespace'], 'nova');
  assert.match(start.payload['nova_object.version'], /^1\.\d+$/);
  assert.equal(data(start).state, 'building');
  assert.equal(data(start).power_state, 'pending');

  const d = data(created);
  assert.equal(created.publisher_id, `nova-compute:${host}`);
  assert.equal(d.state, 'active');
  assert.equal(d.power_state, 'running');
  assert.equal(d.task_state, null);
  assert.equal(d.host, host);
  assert.equal(d.display_name, 'noisy');
  assert.equal(d.image_uuid, image);
  assert.equal(d.tenant_id, server.tenant_id);
  assert.equal(d.user_id, server.user_id);
  assert.deepEqual(d.metadata, { role: 'web' });
  assert.deepEqual(d.ip_addresses, []);
  assert.equal(d.fault, null);
  assert.equal(d.request_id, requestId);
  assert.equal(d.action_initiator_user, server.user_id);
  assert.match(d.launched_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(d.flavor['nova_object.name'], 'FlavorPayload');
  assert.equal(d.flavor['nova_object.data'].name, 'notify-flavor');
  assert.equal(d.flavor['nova_object.data'].memory_mb, 64);
  assert.equal(d.instance_name.startsWith('instance-'), true);
  assert.deepEqual(d.keypairs, []);

  await action(id, { 'os-stop': null });
  const offEnd = await until(id, 'instance.power_off.end');
  const offStart = await until(id, 'instance.power_off.start');
  assert.equal(offStart.payload['nova_object.name'], 'InstanceActionPayload');
  assert.equal(data(offStart).task_state, 'powering-off');
  assert.equal(data(offStart).power_state, 'running');
  assert.equal(data(offEnd).state, 'stopped');
  assert.equal(data(offEnd).power_state, 'shutdown');
  assert.equal(data(offEnd).task_state, null);
  await c.waitFor(id, (s) => s?.status === 'SHUTOFF');

  await action(id, { 'os-start': null });
  const onEnd = await until(id, 'instance.power_on.end');
  assert.equal(data(await until(id, 'instance.power_on.start')).task_state, 'powering-on');
  assert.equal(data(onEnd).state, 'active');
  assert.equal(data(onEnd).power_state, 'running');
  await c.waitFor(id, (s) => s?.status === 'ACTIVE');

  assert.equal((await c.req('DELETE', `/compute/v2.1/servers/${id}`, { token: t })).status, 204);
  const gone = await until(id, 'instance.delete.end');
  assert.equal(data(await until(id, 'instance.delete.start')).task_state, 'deleting');
  assert.equal(gone.publisher_id, `nova-compute:${host}`);
  assert.equal(data(gone).state, 'deleted');
  assert.equal(data(gone).task_state, null);
  assert.ok(data(gone).deleted_at && data(gone).terminated_at);

  assert.deepEqual(versionedFor(id).map((n) => n.event_type), [
    'instance.create.start', 'instance.create.end',
    'instance.power_off.start', 'instance.power_off.end',
    'instance.power_on.start', 'instance.power_on.end',
    'instance.delete.start', 'instance.delete.end',
  ]);
  // The legacy format rides along (notification_format=both), from compute.<host>.
  const legacy = seen.filter((n) => n.event_type.startsWith('compute.instance.') && n.payload.instance_id === id);
  assert.deepEqual(legacy.map((n) => n.event_type), [
    'compute.instance.create.start', 'compute.instance.create.end',
    'compute.instance.power_off.start', 'compute.instance.power_off.end',
    'compute.instance.power_on.start', 'compute.instance.power_on.end',
    'compute.instance.delete.start', 'compute.instance.delete.end',
  ]);
  assert.ok(legacy.every((n) => n.publisher_id === `compute.${host}`));
});

test('a build that fails on every host: instance.create.error with the fault, then compute_task.build_instances.error', async () => {
  const t = await c.adminToken();
  const r = await c.req('POST', '/compute/v2.1/servers', { token: t, mv: '2.37', body: { server: { name: 'doomed-1', imageRef: image, flavorRef: flavor, networks: 'none' } } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const id = r.body.server.id;
  const server = await c.waitFor(id, (s) => s?.status === 'ERROR');
  assert.match(server.fault.message, /Exceeded maximum number of retries|No valid host/);
  // Two fake hosts, each tried once (a failed host is not retried).
  const second = await until(id, 'instance.create.error', 2);
  const first = await until(id, 'instance.create.error', 1);
  for (const n of [first, second]) {
    assert.equal(n.priority, 'ERROR');
    assert.match(n.publisher_id, /^nova-compute:fake-host-\d+$/);
    assert.equal(n.payload['nova_object.name'], 'InstanceCreatePayload');
    const fault = data(n).fault;
    assert.equal(fault['nova_object.name'], 'ExceptionPayload');
    assert.equal(fault['nova_object.namespace'], 'nova');
    assert.match(fault['nova_object.data'].exception_message, /injected spawn failure/);
    assert.equal(typeof fault['nova_object.data'].exception, 'string');
    assert.equal(typeof fault['nova_object.data'].function_name, 'string');
    assert.equal(typeof fault['nova_object.data'].module_name, 'string');
    assert.match(fault['nova_object.data'].traceback, /injected spawn failure/);
  }
  assert.notEqual(first.publisher_id, second.publisher_id);
  assert.deepEqual(versionedFor(id).map((n) => n.event_type), [
    'instance.create.start', 'instance.create.error', 'instance.create.start', 'instance.create.error',
  ]);
  // The conductor gives up: ComputeTaskPayload with the reason.
  let task: Notification | undefined;
  for (let i = 0; i < 400 && !task; i++) {
    task = seen.find((n) => n.event_type === 'compute_task.build_instances.error' && data(n)?.instance_uuid === id);
    if (!task) await new Promise((res) => setTimeout(res, 25));
  }
  assert.ok(task, 'no compute_task.build_instances.error');
  assert.equal(task.priority, 'ERROR');
  assert.match(task.publisher_id, /^nova-conductor:/);
  assert.equal(task.payload['nova_object.name'], 'ComputeTaskPayload');
  assert.equal(data(task).state, 'error');
  assert.equal(data(task).reason['nova_object.name'], 'ExceptionPayload');
  assert.equal(data(task).request_spec['nova_object.data'].instance_uuid, id);
  // The legacy error carries Nova's flat fault fields.
  const legacy = seen.filter((n) => n.event_type === 'compute.instance.create.error' && n.payload.instance_id === id);
  assert.equal(legacy.length, 2);
  assert.match(legacy[0]!.payload.message, /injected spawn failure/);
  assert.equal(legacy[0]!.payload.code, 500);
  // No host holds it, so the API deletes it and says so itself.
  assert.equal((await c.req('DELETE', `/compute/v2.1/servers/${id}`, { token: t })).status, 204);
  const gone = await until(id, 'instance.delete.end');
  assert.match(gone.publisher_id, /^nova-api:.+/);
  assert.equal(data(gone).state, 'deleted');
  assert.equal(data(await until(id, 'instance.delete.start')).task_state, 'deleting');
});

test('every action that announces itself sends start, then end, with the state it left', async () => {
  const t = await c.adminToken();
  const bigger = await c.flavor({ name: 'notify-bigger', ram: 128, vcpus: 2, disk: 2 });
  const r = await c.req('POST', '/compute/v2.1/servers', { token: t, mv: '2.37', body: { server: { name: 'busy', imageRef: image, flavorRef: flavor, networks: 'none' } } });
  const id = r.body.server.id;
  const settled = (status: string) => c.waitFor(id, (s) => s?.status === status && s['OS-EXT-STS:task_state'] === null);
  await settled('ACTIVE');
  const steps: Array<[object, string, string, string?]> = [
    // [action body, status it settles in, the versioned action it announces, microversion]
    [{ reboot: { type: 'SOFT' } }, 'ACTIVE', 'reboot'],
    [{ pause: null }, 'PAUSED', 'pause'],
    [{ unpause: null }, 'ACTIVE', 'unpause'],
    [{ suspend: null }, 'SUSPENDED', 'suspend'],
    [{ resume: null }, 'ACTIVE', 'resume'],
    [{ rescue: null }, 'RESCUE', 'rescue'],
    [{ unrescue: null }, 'ACTIVE', 'unrescue'],
    [{ createImage: { name: 'notify-snap' } }, 'ACTIVE', 'snapshot', '2.45'],
    [{ rebuild: { imageRef: image } }, 'ACTIVE', 'rebuild'],
    [{ resize: { flavorRef: bigger } }, 'VERIFY_RESIZE', 'resize_finish'],
    [{ confirmResize: null }, 'ACTIVE', 'resize_confirm'],
    [{ 'os-migrateLive': { host: null, block_migration: 'auto' } }, 'ACTIVE', 'live_migration_post', '2.25'],
    [{ shelve: null }, 'SHELVED_OFFLOADED', 'shelve_offload'],
    [{ unshelve: null }, 'ACTIVE', 'unshelve'],
  ];
  for (const [body, status, announced, mv] of steps) {
    const res = await c.req('POST', `/compute/v2.1/servers/${id}/action`, { token: t, body, mv });
    assert.ok(res.status === 202 || res.status === 200 || res.status === 204, `${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`);
    const end = await until(id, `instance.${announced}.end`);
    const server = await settled(status);
    assert.equal(data(end).state, server['OS-EXT-STS:vm_state'], `${announced}.end state`);
    assert.equal(data(end).task_state, null, `${announced}.end task_state`);
  }
  const types = versionedFor(id).map((n) => n.event_type);
  for (const action of ['reboot', 'pause', 'unpause', 'suspend', 'resume', 'rescue', 'unrescue', 'snapshot', 'rebuild', 'resize', 'resize_finish',
    'resize_confirm', 'live_migration_pre', 'live_migration_post', 'shelve', 'shelve_offload', 'unshelve']) {
    const at = types.indexOf(`instance.${action}.start`);
    assert.ok(at >= 0, `no instance.${action}.start in ${types.join(', ')}`);
    assert.ok(types.indexOf(`instance.${action}.end`) > at, `instance.${action}.end does not follow its start`);
  }
  // No start without its end, no end without its start.
  const open = new Map<string, number>();
  for (const type of types) {
    const [, action, phase] = /^instance\.(\w+)\.(start|end|error)$/.exec(type) ?? [];
    if (!action) continue;
    if (phase === 'start') open.set(action, (open.get(action) ?? 0) + 1);
    else {
      assert.ok((open.get(action) ?? 0) > 0, `${type} without a start`);
      open.set(action, open.get(action)! - 1);
    }
  }
  assert.deepEqual([...open].filter(([, n]) => n), [], 'starts without an end');
  const snap = versionedFor(id).find((n) => n.event_type === 'instance.snapshot.end')!;
  assert.equal(snap.payload['nova_object.name'], 'InstanceActionSnapshotPayload');
  assert.match(data(snap).snapshot_image_id, /^[0-9a-f-]{36}$/);
  const moved = versionedFor(id).find((n) => n.event_type === 'instance.live_migration_post.end')!;
  assert.notEqual(data(moved).host, data(versionedFor(id).find((n) => n.event_type === 'instance.live_migration_post.start')!).host);
  await c.req('DELETE', `/compute/v2.1/servers/${id}`, { token: t });
  await until(id, 'instance.delete.end');
});
