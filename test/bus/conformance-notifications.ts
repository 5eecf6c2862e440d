// Conformance: notifications — oslo's message fields, filters, pools.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusOptions, Notification, NotificationFilter } from '../../src/lib/bus/index.ts';
import { harness, sleep, waitFor } from './harness.ts';

export function notificationTests(url: string, scope: () => Partial<BusOptions>): void {
  describe('notifications', () => {
    it('reach every subscriber whose filter matches, with oslo\'s fields', async (t) => {
      const h = harness(t, url, scope());
      // Event types start with the test's uid: other runs sharing the broker are filtered out.
      const p = h.uid;
      const listener = await h.bus();
      const got: Record<string, Notification[]> = {};
      const filters: Record<string, NotificationFilter> = {
        glob: { eventType: `${p}.compute.instance.*` },
        prefix: { eventType: `${p}.compute.instance` },
        errors: { eventType: p, priority: 'ERROR' },
        image: { eventType: `${p}.image` },
        regexp: { eventType: new RegExp(`^${p}\\..*\\.start$`) },
        publisher: { eventType: p, publisherId: 'compute.host2' },
      };
      for (const [name, filter] of Object.entries(filters)) {
        got[name] = [];
        await listener.onNotification(filter, (n) => { got[name].push(n); });
      }
      const sender = await h.bus();
      const ctx = h.ctx({ authToken: 'secret', projectId: 'p1', userId: 'u1' });
      const notifier = sender.notifier('compute.host1');
      await notifier.info(ctx, `${p}.compute.instance.create.start`, { instance_id: 'i1', flavor: { vcpus: 2 } });
      await notifier.error(ctx, `${p}.compute.instance.create.error`, { instance_id: 'i1', fault: 'no host' });
      await notifier.info(ctx, `${p}.image.upload`, { image_id: 'img' });
      await notifier.warn(ctx, `${p}.compute.instances.audit`, {});
      await sender.notifier('compute.host2').info(ctx, `${p}.compute.instance.delete.end`, {});
      const expected = { glob: 3, prefix: 3, errors: 1, image: 1, regexp: 1, publisher: 1 };
      await waitFor('notifications', () => Object.entries(expected).every(([k, n]) => got[k].length >= n));
      await sleep(150);
      const types = (name: string) => got[name].map((n) => n.event_type.slice(p.length + 1)).sort();
      assert.deepEqual(types('glob'), ['compute.instance.create.error', 'compute.instance.create.start', 'compute.instance.delete.end']);
      assert.deepEqual(types('prefix'), types('glob'), 'a prefix stops at a dot: compute.instances is not compute.instance');
      assert.deepEqual(types('errors'), ['compute.instance.create.error']);
      assert.deepEqual(types('image'), ['image.upload']);
      assert.deepEqual(types('regexp'), ['compute.instance.create.start']);
      assert.deepEqual(types('publisher'), ['compute.instance.delete.end']);

      const start = got.regexp[0];
      assert.equal(start.publisher_id, 'compute.host1');
      assert.equal(start.priority, 'INFO');
      assert.deepEqual(start.payload, { instance_id: 'i1', flavor: { vcpus: 2 } });
      assert.match(start.message_id, /^[0-9a-f-]{32,36}$/);
      assert.match(start.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
      assert.ok(Math.abs(Date.parse(`${start.timestamp.replace(' ', 'T').slice(0, 23)}Z`) - Date.now()) < 60_000, 'timestamp is UTC now');
      assert.equal(start.context?.projectId, 'p1');
      assert.equal(start.context?.userId, 'u1');
      assert.equal((start.context as Record<string, unknown>).authToken, undefined, 'the token is not broadcast');
      assert.equal(got.errors[0].priority, 'ERROR');
      assert.equal(new Set(got.glob.map((n) => n.message_id)).size, 3, 'message ids are unique');
    });

    it('every subscriber gets its own copy; a stopped one gets nothing', async (t) => {
      const h = harness(t, url, scope());
      const a: Notification[] = [];
      const b: Notification[] = [];
      const bus = await h.bus();
      const subA = await bus.onNotification({ eventType: h.uid }, (n) => { a.push(n); n.payload.touched = true; });
      await bus.onNotification({ eventType: h.uid }, (n) => { b.push(n); });
      await bus.notifier('x').info(h.ctx(), `${h.uid}.one`, { v: 1 });
      await waitFor('both subscribers', () => a.length === 1 && b.length === 1);
      assert.equal(b[0].payload.touched, undefined, 'subscribers do not share objects');
      await subA.stop();
      await bus.notifier('x').info(h.ctx(), `${h.uid}.two`, { v: 2 });
      await waitFor('b', () => b.length === 2);
      await sleep(100);
      assert.equal(a.length, 1);
    });

    it('subscribers in one pool share the notifications; a failing handler is only logged', async (t) => {
      const h = harness(t, url, scope());
      const byMember: Record<string, string[]> = { m1: [], m2: [] };
      for (const member of ['m1', 'm2']) {
        const bus = await h.bus(member);
        await bus.onNotification({ eventType: h.uid, pool: `${h.uid}-pool` }, (n) => {
          byMember[member].push(n.message_id);
          if (n.payload.i === 0) throw new Error('handler failure');
        });
      }
      const sender = (await h.bus()).notifier('metering');
      for (let i = 0; i < 10; i++) await sender.sample(h.ctx(), `${h.uid}.metric`, { i });
      await waitFor('10 notifications', () => byMember.m1.length + byMember.m2.length === 10);
      await sleep(100);
      assert.equal(new Set([...byMember.m1, ...byMember.m2]).size, 10, 'each notification once');
      assert.ok(byMember.m1.length > 0 && byMember.m2.length > 0, `m1 ${byMember.m1.length}, m2 ${byMember.m2.length}`);
    });

    it('publishing with no subscriber is fine', async (t) => {
      const h = harness(t, url, scope());
      const bus = await h.bus();
      await bus.notifier('nobody-listens').critical(h.ctx(), `${h.uid}.lonely`, {});
    });
  });
}
