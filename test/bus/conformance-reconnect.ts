// Conformance: losing the broker connection. Calls in flight fail (ServiceUnavailable or
// Timeout), nothing runs twice, and once the bus has reconnected calls, casts, fanout and
// notifications work again without anyone re-serving or re-subscribing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceUnavailable, Timeout } from '../../src/lib/errors.ts';
import type { Bus, BusOptions, Notification } from '../../src/lib/bus/index.ts';
import { deferred, harness, rejection, waitFor } from './harness.ts';
import type { Harness } from './harness.ts';

type Breaker = ((connectionName: string) => Promise<void>) | { skip: string };

/** Until it works: calls made while the bus reconnects may fail, the point is that one succeeds. */
async function eventually<T>(what: string, fn: () => Promise<T>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} never worked again: ${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function serverAndClient(h: Harness) {
  const release = deferred();
  let hangs = 0;
  const fanouts: string[] = [];
  const server = await h.bus('server');
  await server.serve({ topic: h.uid, server: 'host1' }, {
    version: '1.0',
    methods: {
      echo: (_c, a: { v: unknown }) => a.v,
      hang: async () => { hangs++; await release.promise; return 'late'; },
      refresh: (_c, a: { gen: string }) => { fanouts.push(a.gen); },
    },
  });
  const client = await h.bus('client');
  return { server, client, release, fanouts, hangs: () => hangs };
}

/** A call its server is busy with. Wrapped: an async function returning a promise would wait for it. */
async function inFlight(h: Harness, client: Bus, hangs: () => number, timeoutMs: number): Promise<{ pending: Promise<Error> }> {
  const before = hangs();
  const pending = rejection(client.call(h.ctx(), { topic: h.uid }, 'hang', {}, { timeoutMs }));
  await waitFor('the call to reach its server', () => hangs() === before + 1);
  return { pending };
}

export function reconnectTests(url: string, scope: () => Partial<BusOptions>, how: string, breaker: Breaker): void {
  const skip = typeof breaker === 'function' ? false : breaker.skip;
  const breakConnection = typeof breaker === 'function' ? breaker : async () => undefined;

  describe(`reconnect (${how})`, { skip }, () => {
    it('the caller loses its connection: the call in flight fails at once, later calls work', async (t) => {
      const h = harness(t, url, scope());
      const { client, release, hangs } = await serverAndClient(h);
      t.after(() => release.resolve());
      const { pending } = await inFlight(h, client, hangs, 30_000);
      const started = Date.now();
      await breakConnection(h.connectionName('client'));
      const err = await pending;
      assert.ok(err instanceof ServiceUnavailable, `got ${err}`);
      assert.ok(Date.now() - started < 15_000, 'failed long before its timeout');
      release.resolve();
      // Made right away, this call waits for the reconnect (publishWaitMs) and goes through.
      assert.equal(await client.call(h.ctx(), { topic: h.uid }, 'echo', { v: 'again' }), 'again');
      assert.equal(hangs(), 1, 'nothing ran twice');
    });

    it('the server loses its connection: the call in flight times out, is not run twice; serving resumes', async (t) => {
      const h = harness(t, url, scope());
      const { server, client, release, fanouts, hangs } = await serverAndClient(h);
      t.after(() => release.resolve());
      const seen: Notification[] = [];
      await server.onNotification({ eventType: h.uid }, (n) => { seen.push(n); });
      const { pending } = await inFlight(h, client, hangs, 2_000);
      await breakConnection(h.connectionName('server'));
      const err = await pending;
      assert.ok(err instanceof Timeout || err instanceof ServiceUnavailable, `got ${err}`);
      release.resolve();
      // The shared queues outlive the server's connection: this waits there for it to return.
      assert.equal(await client.call(h.ctx(), { topic: h.uid, server: 'host1' }, 'echo', { v: 1 }, { timeoutMs: 20_000 }), 1);
      assert.equal(hangs(), 1, 'the redelivered call was not run again');
      // Its private queues (fanout, notifications) were re-declared too.
      await eventually('fanout', async () => {
        await client.fanout(h.ctx(), h.uid, 'refresh', { gen: 'g' });
        await waitFor('fanout', () => fanouts.length > 0, 1_000);
      });
      await eventually('notifications', async () => {
        await client.notifier('t').info(h.ctx(), `${h.uid}.after`, {});
        await waitFor('notification', () => seen.length > 0, 1_000);
      });
    });

    it('a bus serving itself reconnects and works again', async (t) => {
      const h = harness(t, url, scope());
      const bus = await h.bus('solo');
      await bus.serve({ topic: h.uid }, { version: '1.0', methods: { echo: (_c, a: { v: number }) => a.v } });
      assert.equal(await bus.call(h.ctx(), { topic: h.uid }, 'echo', { v: 1 }), 1);
      await breakConnection(h.connectionName('solo'));
      assert.equal(await eventually('call', () => bus.call(h.ctx(), { topic: h.uid }, 'echo', { v: 2 }, { timeoutMs: 5_000 })), 2);
      const results = await Promise.all(Array.from({ length: 20 }, (_, v) => bus.call(h.ctx(), { topic: h.uid }, 'echo', { v })));
      assert.deepEqual(results, Array.from({ length: 20 }, (_, v) => v));
    });
  });
}
