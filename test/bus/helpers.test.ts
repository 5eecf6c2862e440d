// The bus's pure rules: oslo's version check, AMQP topic matching, notification filters,
// oslo's timestamp format, URLs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amqpUrl, redactUrl } from '../../src/lib/bus/index.ts';
import { eventTypeMatcher, osloTimestamp } from '../../src/lib/bus/notifications.ts';
import { topicMatches } from '../../src/lib/bus/transport.ts';
import { versionIsCompatible } from '../../src/lib/bus/wire.ts';

describe('bus helpers', () => {
  it('versionIsCompatible follows oslo.messaging', () => {
    const cases: Array<[string, string, boolean]> = [
      ['1.3', '1.0', true], ['1.3', '1.3', true], ['1.3', '1.4', false], ['1.3', '2.0', false], ['2.0', '1.9', false],
      ['1.3.2', '1.3.1', true], ['1.3.2', '1.3.3', false], ['1.4', '1.3.9', true], ['1.3', '1.3.1', false], ['1.3', 'x', false],
    ];
    for (const [imp, req, ok] of cases) assert.equal(versionIsCompatible(imp, req), ok, `${imp} serving ${req}`);
  });

  it('topicMatches implements AMQP * and #', () => {
    assert.ok(topicMatches('notifications.*', 'notifications.info'));
    assert.ok(!topicMatches('notifications.*', 'notifications.info.x'));
    assert.ok(topicMatches('notifications.#', 'notifications'));
    assert.ok(topicMatches('a.#.z', 'a.b.c.z'));
    assert.ok(topicMatches('compute.node1.example.com', 'compute.node1.example.com'));
    assert.ok(!topicMatches('compute', 'compute.host1'));
  });

  it('event type filters: glob, dot-bounded prefix, RegExp', () => {
    const glob = eventTypeMatcher('compute.instance.*');
    assert.ok(glob('compute.instance.create.end'));
    assert.ok(!glob('compute.instance'));
    assert.ok(!glob('computeXinstance.create'), 'dots are literal');
    const prefix = eventTypeMatcher('compute.instance');
    assert.ok(prefix('compute.instance') && prefix('compute.instance.delete.start'));
    assert.ok(!prefix('compute.instances.x'));
    assert.ok(eventTypeMatcher(/\.end$/)('image.upload.end'));
    assert.ok(eventTypeMatcher(undefined)('anything'));
  });

  it('osloTimestamp is UTC with microseconds', () => {
    assert.equal(osloTimestamp(new Date('2024-02-29T23:59:58.007Z')), '2024-02-29 23:59:58.007000');
  });

  it('maps bus URLs to amqplib URLs and hides passwords', () => {
    assert.equal(amqpUrl('rabbit://u:p@h:5672/v'), 'amqp://u:p@h:5672/v');
    assert.equal(amqpUrl('rabbits://h/'), 'amqps://h/');
    assert.equal(amqpUrl('amqp://h'), 'amqp://h');
    assert.equal(amqpUrl('inproc://'), undefined);
    assert.equal(redactUrl('amqp://user:s3cret@h:5672/'), 'amqp://user:***@h:5672/');
  });
});
