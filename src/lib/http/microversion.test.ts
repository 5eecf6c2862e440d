import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateMicroversion } from './microversion.ts';
import { BadRequest, NotAcceptable } from '../errors.ts';

const spec = { service: 'compute', legacyHeader: 'X-OpenStack-Nova-API-Version', min: '2.1', max: '2.90' };

test('no header gives the minimum; headers echo it with Vary', () => {
  const r = negotiateMicroversion({}, spec);
  assert.equal(r.version.toString(), '2.1');
  assert.equal(r.headers['OpenStack-API-Version'], 'compute 2.1');
  assert.equal(r.headers['X-OpenStack-Nova-API-Version'], '2.1');
  assert.match(r.headers.Vary!, /OpenStack-API-Version/);
});

test('new header, legacy header, latest, other services ignored', () => {
  assert.equal(negotiateMicroversion({ 'openstack-api-version': 'compute 2.53' }, spec).version.toString(), '2.53');
  assert.equal(negotiateMicroversion({ 'x-openstack-nova-api-version': '2.10' }, spec).version.toString(), '2.10');
  assert.equal(negotiateMicroversion({ 'openstack-api-version': 'compute latest' }, spec).version.toString(), '2.90');
  assert.equal(negotiateMicroversion({ 'openstack-api-version': 'volume 3.5, compute 2.3' }, spec).version.toString(), '2.3');
  assert.equal(negotiateMicroversion({ 'openstack-api-version': 'volume 3.5' }, spec).version.toString(), '2.1');
});

test('out of range is 406, garbage is 400; versions compare numerically', () => {
  assert.throws(() => negotiateMicroversion({ 'openstack-api-version': 'compute 2.91' }, spec), NotAcceptable);
  assert.throws(() => negotiateMicroversion({ 'openstack-api-version': 'compute 3.0' }, spec), NotAcceptable);
  assert.throws(() => negotiateMicroversion({ 'openstack-api-version': 'compute two' }, spec), BadRequest);
  const v = negotiateMicroversion({ 'openstack-api-version': 'compute 2.10' }, spec).version;
  assert.ok(v.gte('2.9') && v.lt('2.11'));
});
