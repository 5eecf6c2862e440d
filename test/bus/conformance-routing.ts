// Conformance: where messages go — one server, the topic's servers in turn, all of them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestContext } from '../../src/lib/auth/context.ts';
import type { Bus, BusOptions } from '../../src/lib/bus/index.ts';
import { harness, sleep, tally, waitFor } from './harness.ts';
import type { Harness } from './harness.ts';

interface Received { server: string; method: string; args: any; ctx: RequestContext }

/** Servers s1..sN of one topic, each on its own bus (as on its own host), recording what they get. */
async function servers(h: Harness, topic: string, n: number): Promise<{ received: Received[]; buses: Bus[]; stops: Array<() => Promise<void>> }> {
  const received: Received[] = [];
  const buses: Bus[] = [];
  const stops: Array<() => Promise<void>> = [];
  for (let i = 1; i <= n; i++) {
    const server = `s${i}`;
    const bus = await h.bus(`${topic}-${server}`);
    const record = (method: string) => (ctx: RequestContext, args: any) => {
      received.push({ server, method, args, ctx });
      return server;
    };
    const s = await bus.serve({ topic, server }, { version: '1.1', methods: { hit: record('hit'), refresh: record('refresh') } });
    buses.push(bus);
    stops.push(() => s.stop());
  }
  return { received, buses, stops };
}

export function routingTests(url: string, scope: () => Partial<BusOptions>): void {
  describe('rpc routing', () => {
    it('casts to a named server reach that server only', async (t) => {
      const h = harness(t, url, scope());
      const { received } = await servers(h, h.uid, 3);
      const client = await h.bus();
      for (let i = 0; i < 5; i++) await client.cast(h.ctx(), { topic: h.uid, server: 's2', version: '1.0' }, 'hit', { i });
      assert.equal(await client.call(h.ctx(), { topic: h.uid, server: 's3' }, 'hit', { i: 'call' }), 's3');
      await waitFor('5 casts', () => received.filter((r) => r.server === 's2').length === 5);
      await sleep(100);
      assert.deepEqual(tally(received.map((r) => r.server)), { s2: 5, s3: 1 });
      assert.deepEqual(received.filter((r) => r.server === 's2').map((r) => r.args.i), [0, 1, 2, 3, 4], 'in order');
    });

    it('calls and casts to the topic take turns across its servers', async (t) => {
      const h = harness(t, url, scope());
      const { received } = await servers(h, h.uid, 3);
      const client = await h.bus();
      const answeredBy = [];
      for (let i = 0; i < 9; i++) answeredBy.push(await client.call<string>(h.ctx(), { topic: h.uid }, 'hit', { i }));
      assert.deepEqual(new Set(answeredBy), new Set(['s1', 's2', 's3']), `calls went to ${answeredBy}`);
      received.length = 0;
      for (let i = 0; i < 9; i++) await client.cast(h.ctx(), { topic: h.uid }, 'hit', { i });
      await waitFor('9 casts', () => received.length === 9);
      assert.deepEqual(new Set(received.map((r) => r.server)), new Set(['s1', 's2', 's3']));
      assert.deepEqual(received.map((r) => r.args.i).sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'each cast once');
    });

    it('fanout reaches every server of the topic exactly once, and no other topic', async (t) => {
      const h = harness(t, url, scope());
      const { received } = await servers(h, h.uid, 3);
      const other = await servers(h, `${h.uid}-other`, 1);
      const client = await h.bus();
      const ctx = h.ctx({ userId: 'fan' });
      await client.fanout(ctx, h.uid, 'refresh', { gen: 1 });
      await waitFor('fanout to 3 servers', () => received.length === 3);
      await sleep(100);
      assert.deepEqual(received.map((r) => r.server).sort(), ['s1', 's2', 's3']);
      for (const r of received) {
        assert.deepEqual(r.args, { gen: 1 });
        assert.equal(r.ctx.userId, 'fan');
      }
      assert.equal(other.received.length, 0);
      // Versions apply to fanout too: a server that is too old ignores it.
      await client.fanout(ctx, { topic: h.uid, version: '1.9' }, 'refresh', { gen: 2 });
      await client.fanout(ctx, { topic: `${h.uid}-nobody` }, 'refresh', {});
      await sleep(150);
      assert.equal(received.length, 3);
    });

    it('a stopped server gets nothing more; the others go on', async (t) => {
      const h = harness(t, url, scope());
      const { received, stops } = await servers(h, h.uid, 2);
      await stops[0]();
      const client = await h.bus();
      for (let i = 0; i < 4; i++) assert.equal(await client.call(h.ctx(), { topic: h.uid }, 'hit', {}), 's2');
      await client.fanout(h.ctx(), h.uid, 'refresh', {});
      await waitFor('fanout', () => received.some((r) => r.method === 'refresh'));
      await sleep(100);
      assert.deepEqual(received.filter((r) => r.method === 'refresh').map((r) => r.server), ['s2']);
    });

    it('a server runs at most maxConcurrency methods; what waits goes to another server at stop', async (t) => {
      const h = harness(t, url, scope());
      let release!: () => void;
      const released = new Promise<void>((r) => { release = r; });
      t.after(() => release());
      let running = 0;
      let hangs = 0;
      const busy = await h.bus('busy', { maxConcurrency: 1 });
      const busyServer = await busy.serve({ topic: h.uid }, {
        version: '1.0',
        methods: {
          hang: async () => { hangs++; await released; return 'hang'; },
          echo: async () => { running++; return 'busy'; },
        },
      });
      const client = await h.bus();
      const hang = client.call(h.ctx(), { topic: h.uid }, 'hang', {});
      await waitFor('hang to run', () => hangs === 1);
      const echo = client.call<string>(h.ctx(), { topic: h.uid }, 'echo', {});
      await sleep(150);
      assert.equal(running, 0, 'the second call waits for the slot');
      const free = await h.bus('free');
      await free.serve({ topic: h.uid }, { version: '1.0', methods: { echo: () => 'free' } });
      const stopped = busyServer.stop();
      assert.equal(await echo, 'free', 'the waiting call went back to the queue and to the other server');
      release();
      assert.equal(await hang, 'hang', 'stop lets the running method finish and reply');
      await stopped;
      assert.equal(running, 0);
    });

    it('casts carry the context, and a method failing in a cast is only logged', async (t) => {
      const h = harness(t, url, scope());
      const seen: RequestContext[] = [];
      const bus = await h.bus();
      await bus.serve({ topic: h.uid }, {
        version: '1.0',
        methods: { boom: () => { throw new Error('cast failure'); }, note: (ctx) => { seen.push(ctx); } },
      });
      const ctx = h.ctx({ projectId: 'p9', roles: ['admin'], authToken: 'secret-token' });
      await bus.cast(ctx, { topic: h.uid }, 'boom', {});
      await bus.cast(ctx, { topic: h.uid }, 'note', {});
      await waitFor('cast', () => seen.length === 1);
      assert.deepEqual(seen[0], ctx);
    });
  });
}
