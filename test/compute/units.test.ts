// Unit tests of the pure parts: state → status mapping, request validation, the scheduler's
// filters and weighers, the fake driver's semantics, key pair fingerprints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statesFromStatuses, statusFromState, POWER } from '../../src/services/compute/model/states.ts';
import { normalizeIpv6, validate, T } from '../../src/services/compute/api/validation.ts';
import { filterHosts, type Candidate, type FilterRequest } from '../../src/services/compute/scheduler/filters.ts';
import { defaultWeighers, weigh } from '../../src/services/compute/scheduler/weighers.ts';
import { flavorResources } from '../../src/services/compute/scheduler/scheduler.ts';
import { FakeDriver } from '../../src/services/compute/drivers/fake.ts';
import { GuestNotFound, type GuestSpec } from '../../src/services/compute/drivers/driver.ts';
import { generateSshKey, sshFingerprint } from '../../src/services/compute/service/keygen.ts';
import { sanitizeHostname } from '../../src/services/compute/service/create.ts';
import { BadRequest } from '../../src/lib/errors.ts';

test('status follows Nova\'s state map', () => {
  assert.equal(statusFromState('building', 'scheduling'), 'BUILD');
  assert.equal(statusFromState('active', 'rebooting_hard'), 'HARD_REBOOT');
  assert.equal(statusFromState('active', 'resize_prep'), 'RESIZE');
  assert.equal(statusFromState('stopped', null), 'SHUTOFF');
  assert.equal(statusFromState('resized', 'resize_reverting'), 'REVERT_RESIZE');
  assert.equal(statusFromState('shelved_offloaded', null), 'SHELVED_OFFLOADED');
  assert.equal(statusFromState('nonsense', null), 'UNKNOWN');
  const s = statesFromStatuses(['ACTIVE']);
  assert.deepEqual(s.vmStates, ['active']);
  assert.ok(s.taskStates.includes('default'));
  assert.deepEqual(statesFromStatuses(['WHATEVER']).vmStates, []);
});

test('validation reports Nova\'s message and accepts Nova\'s formats', () => {
  assert.throws(() => validate({ server: { name: ' x' } }, { type: 'object', properties: { server: { type: 'object', properties: { name: T.name } } } }),
    (e: BadRequest) => e instanceof BadRequest && e.message.startsWith('Invalid input for field/attribute server/name.'));
  validate({ ip: '::babe:dc0c:1602' }, { type: 'object', properties: { ip: T.accessIPv6 } });
  assert.throws(() => validate({ ip: '1.2.3.256' }, { type: 'object', properties: { ip: T.accessIPv4 } }), BadRequest);
  assert.throws(() => validate({ a: 1, b: 2 }, { type: 'object', additionalProperties: false, properties: { a: {} } }), /Additional properties are not allowed \('b' was unexpected\)/);
  assert.equal(normalizeIpv6('0000:0000:0000:0000:0000:babe:220.12.22.2'), '::babe:dc0c:1602');
  assert.equal(normalizeIpv6('2001:DB8:0:0:8:800:200C:417A'), '2001:db8::8:800:200c:417a');
  assert.equal(sanitizeHostname('My Server_1.example', 'x'), 'my-server-1-example');
  assert.equal(sanitizeHostname('!!!', 'Server-1'), 'Server-1');
});

function cand(host: string, free: number, extra: Partial<Candidate['state']> = {}): Candidate {
  const node = { uuid: `u-${host}`, seq: 1, host, hypervisor_hostname: host, hypervisor_type: 'fake', hypervisor_version: 1, vcpus: 8, memory_mb: 8192, local_gb: 100, host_ip: null, cpu_info: '{"arch":"x86_64"}', created_at: '', updated_at: null };
  return { state: { node, host, zone: 'nova', aggregateMetadata: [], enabled: true, up: true, ...extra }, allocation: { [node.uuid]: { resources: { VCPU: 1 } } }, free: { vcpus: free, memory_mb: free * 1024, disk_gb: free * 10 } };
}
const req = (r: Partial<FilterRequest> = {}): FilterRequest => ({ zone: null, flavorExtraSpecs: {}, imageProperties: {}, excludeHosts: new Set(), forceHosts: [], forceNodes: [], sameHost: new Set(), differentHost: new Set(), ...r });

test('filters drop disabled, wrong-zone, tried and anti-affine hosts', () => {
  const hosts = [cand('a', 1), cand('b', 2, { enabled: false }), cand('c', 3, { zone: 'az2' }), cand('d', 4)];
  assert.deepEqual(filterHosts(hosts, req()).passed.map((c) => c.state.host), ['a', 'c', 'd']);
  assert.deepEqual(filterHosts(hosts, req({ zone: 'az2' })).passed.map((c) => c.state.host), ['c']);
  assert.deepEqual(filterHosts(hosts, req({ excludeHosts: new Set(['a']) })).passed.map((c) => c.state.host), ['c', 'd']);
  const group = { policy: 'anti-affinity', hosts: new Set(['a']), hostCounts: new Map([['a', 1]]) };
  assert.deepEqual(filterHosts(hosts, req({ group })).passed.map((c) => c.state.host), ['c', 'd']);
  const aff = { policy: 'affinity', hosts: new Set(['d']), hostCounts: new Map([['d', 1]]) };
  assert.deepEqual(filterHosts(hosts, req({ group: aff })).passed.map((c) => c.state.host), ['d']);
  assert.equal(filterHosts(hosts, req({ imageProperties: { hw_architecture: 'aarch64' } })).emptiedBy, 'ImagePropertiesFilter');
});

test('weighers spread with a positive multiplier and pack with a negative one', () => {
  const hosts = [cand('a', 1), cand('b', 5), cand('c', 3)];
  assert.equal(weigh(hosts, req(), defaultWeighers(1))[0]!.state.host, 'b');
  assert.equal(weigh(hosts, req(), defaultWeighers(-1))[0]!.state.host, 'a');
  assert.deepEqual(flavorResources({ flavorid: 'f', name: 'f', memory_mb: 512, vcpus: 2, root_gb: 10, ephemeral_gb: 5, swap: 1536, rxtx_factor: 1, is_public: true, description: null, extra_specs: { 'resources:CUSTOM_GPU': '1' } }),
    { VCPU: 2, MEMORY_MB: 512, DISK_GB: 17, CUSTOM_GPU: 1 });
});

test('the fake driver keeps power states, injects failures and forgets destroyed guests', async () => {
  const d = new FakeDriver({ failSpawn: (s) => s.display_name === 'bad' });
  const spec = (uuid: string, name: string): GuestSpec => ({ uuid, name: 'instance-1', hostname: name, display_name: name, flavor: { vcpus: 1, memory_mb: 64, root_gb: 1, ephemeral_gb: 0, swap: 0, extra_specs: {} }, image: null, vifs: [], block_devices: [], user_data: null, metadata: {}, key_data: null, admin_password: null, config_drive: false });
  await d.init('h');
  await d.spawn(spec('g1', 'good'));
  await assert.rejects(d.spawn(spec('g2', 'bad')), /injected/);
  assert.equal(await d.powerState('g1'), POWER.RUNNING);
  await d.powerOff('g1');
  assert.equal(await d.powerState('g1'), POWER.SHUTDOWN);
  await d.pause('g1');
  assert.equal(await d.powerState('g1'), POWER.PAUSED);
  assert.ok((await d.consoleOutput('g1')).includes('login:'));
  assert.equal((await d.consoleOutput('g1', 1)).split('\n').length, 1);
  await d.destroy('g1');
  await d.destroy('g1');
  assert.equal(await d.powerState('g1'), POWER.NOSTATE);
  await assert.rejects(d.powerOn('g1'), GuestNotFound);
  assert.deepEqual(await d.listGuests(), []);
});

test('key pairs: generated ssh keys fingerprint like ssh-keygen -E md5; junk is a 400', () => {
  const k = generateSshKey();
  assert.match(k.publicKey, /^ssh-rsa AAAA\S+ Generated-by-Nova$/);
  assert.match(k.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  assert.equal(sshFingerprint(k.publicKey), k.fingerprint);
  assert.throws(() => sshFingerprint('ssh-rsa not-base64!'), BadRequest);
});
