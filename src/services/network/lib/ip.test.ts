import test from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, defaultPools, eui64, formatIp, formatNetwork, overlaps, parseCidr, parseIp, rangeText } from './ip.ts';

test('addresses parse as strictly as neutron-lib and print as netaddr', () => {
  for (const bad of ['256', '10.1', '10.0.0.256', '010.0.0.1', ' 10.0.0.1', '1:2:3:4:5:6:7:8:9', '1::2::3', 'fe80::%eth0', '', 'bad']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
  assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalIp('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1');
  assert.equal(canonicalIp('0:0:0:0:0:0:0:0'), '::');
  assert.equal(canonicalIp('::ffff:10.0.0.1'), '::ffff:10.0.0.1');
  assert.equal(canonicalIp('2001:db8:1:0:0:1:0:0'), '2001:db8:1::1:0:0', 'leftmost longest run');
  assert.equal(formatIp(4, 0x0a000001n), '10.0.0.1');
});

test('CIDRs: bounds, normalisation, overlap', () => {
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('192.168.1./24'), undefined);
  assert.equal(parseCidr('10.0.0.1'), undefined);
  assert.deepEqual(parseCidr('10.0.0.1', true)?.prefixlen, 32);
  assert.equal(formatNetwork(parseCidr('10.0.0.77/24')!), '10.0.0.0/24');
  assert.ok(overlaps(parseCidr('10.0.0.0/24')!, parseCidr('10.0.0.128/25')!));
  assert.ok(!overlaps(parseCidr('10.0.0.0/25')!, parseCidr('10.0.0.128/25')!));
  assert.ok(!overlaps(parseCidr('10.0.0.0/8')!, parseCidr('::/0')!));
});

test('default pools skip network, broadcast (IPv4) and gateway', () => {
  assert.deepEqual(defaultPools(parseCidr('10.0.0.0/24')!, 0x0a000001n).map(rangeText), ['10.0.0.2-10.0.0.254']);
  assert.deepEqual(defaultPools(parseCidr('10.0.0.0/24')!, 0x0a000005n).map(rangeText), ['10.0.0.1-10.0.0.4', '10.0.0.6-10.0.0.254']);
  assert.deepEqual(defaultPools(parseCidr('2001:db8::/64')!, undefined).map(rangeText), ['2001:db8::1-2001:db8::ffff:ffff:ffff:ffff']);
  assert.deepEqual(defaultPools(parseCidr('10.0.0.0/31')!, undefined), []);
});

test('EUI-64 as oslo get_ipv6_addr_by_EUI64', () => {
  assert.equal(formatIp(6, eui64(parseCidr('2001:db8::/64')!, 'fa:16:3e:33:44:55')), '2001:db8::f816:3eff:fe33:4455');
});
