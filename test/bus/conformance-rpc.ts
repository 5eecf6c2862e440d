// Conformance: calls — results, copies, errors, versions, timeouts, context, concurrency.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudError, Conflict, NotFound, ServiceUnavailable, Timeout } from '../../src/lib/errors.ts';
import { NoSuchMethod, UnsupportedVersion } from '../../src/lib/bus/index.ts';
import type { BusOptions } from '../../src/lib/bus/index.ts';
import { deferred, harness, rejection, sleep } from './harness.ts';

class QuotaGone extends NotFound {
  override readonly code = 'QuotaGone';
}

export function rpcTests(url: string, scope: () => Partial<BusOptions>): void {
  describe('rpc calls', () => {
    it('returns the result of the method, given the arguments', async (t) => {
      const h = harness(t, url, scope());
      const server = await h.bus();
      await server.serve({ topic: h.uid }, { version: '1.0', methods: { add: (_ctx, a: { x: number; y: number }) => a.x + a.y } });
      const client = await h.bus();
      assert.equal(await client.call<number>(h.ctx(), { topic: h.uid }, 'add', { x: 2, y: 40 }), 42);
      // A bus also calls its own servers.
      assert.equal(await server.call<number>(h.ctx(), { topic: h.uid }, 'add', { x: 1, y: 1 }), 2);
    });

    it('serialises: results and arguments are copies, a Date arrives as its ISO string', async (t) => {
      const h = harness(t, url, scope());
      const kept = { list: [1, 2], when: new Date('2020-01-02T03:04:05.678Z') };
      let seenArgs: any;
      const server = await h.bus();
      await server.serve({ topic: h.uid }, {
        version: '1.0',
        methods: {
          get: () => kept,
          nothing: () => undefined,
          mutate: (_ctx, a: { list: number[] }) => { seenArgs = a; a.list.push(99); return a.list.length; },
        },
      });
      const client = await h.bus();
      const got = await client.call<{ list: number[]; when: string }>(h.ctx(), { topic: h.uid }, 'get', {});
      assert.deepEqual(got, { list: [1, 2], when: '2020-01-02T03:04:05.678Z' });
      got.list.push(3);
      assert.deepEqual(kept.list, [1, 2], 'the server\'s object is not shared with the caller');
      assert.ok(kept.when instanceof Date);
      const args = { list: [7] };
      assert.equal(await client.call(h.ctx(), { topic: h.uid }, 'mutate', args), 2);
      assert.deepEqual(args.list, [7], 'the caller\'s arguments are not shared with the server');
      assert.notEqual(seenArgs, args);
      assert.equal(await client.call(h.ctx(), { topic: h.uid }, 'nothing', {}), undefined);
    });

    it('fails a call whose result or arguments cannot be serialised, instead of hanging', async (t) => {
      const h = harness(t, url, scope());
      const bus = await h.bus();
      await bus.serve({ topic: h.uid }, { version: '1.0', methods: { big: () => ({ n: 10n }), echo: (_c, a) => a } });
      const err = await rejection(bus.call(h.ctx(), { topic: h.uid }, 'big', {}, { timeoutMs: 5_000 }));
      assert.ok(err instanceof CloudError && !(err instanceof Timeout), `got ${err}`);
      assert.match(err.message, /serialise/);
      const err2 = await rejection(bus.call(h.ctx(), { topic: h.uid }, 'echo', { n: 1n }));
      assert.ok(err2 instanceof CloudError);
      assert.match(err2.message, /serialise/);
    });

    it('rebuilds errors with their class, message and kwargs', async (t) => {
      const h = harness(t, url, scope());
      const server = await h.bus();
      await server.serve({ topic: h.uid }, {
        version: '1.0',
        methods: {
          notFound: () => { throw new NotFound('Instance abc could not be found.', { resource: 'instance', id: 'abc' }); },
          conflict: async () => { throw new Conflict('busy', { retryAfter: 3 }); },
          plain: () => { throw new Error('kaboom'); },
          custom: () => { throw new QuotaGone('quota gone', { project: 'p1' }); },
        },
      });
      const client = await h.bus('client', { remoteErrors: { QuotaGone } });
      const target = { topic: h.uid };
      const nf = await rejection(client.call(h.ctx(), target, 'notFound', {}));
      assert.ok(nf instanceof NotFound, `got ${nf}`);
      assert.equal(nf.message, 'Instance abc could not be found.');
      assert.deepEqual(nf.kwargs, { resource: 'instance', id: 'abc' });
      assert.equal(nf.status, 404);
      const cf = await rejection(client.call(h.ctx(), target, 'conflict', {}));
      assert.ok(cf instanceof Conflict);
      assert.deepEqual(cf.kwargs, { retryAfter: 3 });
      const plain = await rejection(client.call(h.ctx(), target, 'plain', {}));
      assert.ok(plain instanceof CloudError);
      assert.equal((plain as CloudError).code, 'CloudError');
      assert.equal(plain.message, 'kaboom');
      const custom = await rejection(client.call(h.ctx(), target, 'custom', {}));
      assert.ok(custom instanceof QuotaGone, 'a registered remote error comes back as its class');
      assert.deepEqual((custom as QuotaGone).kwargs, { project: 'p1' });
    });

    it('refuses unknown and private methods with NoSuchMethod', async (t) => {
      const h = harness(t, url, scope());
      const bus = await h.bus();
      await bus.serve({ topic: h.uid }, { version: '1.0', methods: { _secret: () => 'no', ok: () => 'ok' } });
      for (const method of ['missing', '_secret', 'constructor', 'toString', '__proto__']) {
        const err = await rejection(bus.call(h.ctx(), { topic: h.uid }, method, {}));
        assert.ok(err instanceof NoSuchMethod, `${method}: got ${err}`);
      }
      assert.equal(await bus.call(h.ctx(), { topic: h.uid }, 'ok', {}), 'ok');
    });

    it('negotiates versions as oslo: same major, minor at least the requested one', async (t) => {
      const h = harness(t, url, scope());
      const bus = await h.bus();
      await bus.serve({ topic: h.uid }, [
        { version: '2.1', methods: { which: () => 'v2' } },
        { version: '1.5', methods: { which: () => 'v1', onlyV1: () => 'only' } },
      ]);
      const call = (version: string | undefined, method = 'which') => bus.call(h.ctx(), { topic: h.uid, version }, method, {});
      assert.equal(await call('2.0'), 'v2');
      assert.equal(await call('2.1'), 'v2');
      assert.equal(await call('1.0'), 'v1');
      assert.equal(await call('1.5'), 'v1');
      assert.equal(await call(undefined), 'v1', 'no version means 1.0');
      assert.equal(await call('1.2', 'onlyV1'), 'only');
      for (const v of ['2.2', '1.6', '3.0', '0.9']) {
        const err = await rejection(call(v));
        assert.ok(err instanceof UnsupportedVersion, `${v}: got ${err}`);
        assert.equal((err as UnsupportedVersion).kwargs.version, v);
      }
      assert.ok(await rejection(call('2.0', 'onlyV1')) instanceof NoSuchMethod, 'a compatible endpoint without the method');
      assert.ok(await rejection(call('one')) instanceof CloudError, 'a malformed version is refused');
    });

    it('passes the request context to the method', async (t) => {
      const h = harness(t, url, scope());
      const ctx = h.ctx({ authToken: 'tok', userId: 'u1', projectId: 'p1', roles: ['member', 'reader'], roleIds: ['r1', 'r2'], isAdminProject: true, auditIds: ['a1'] });
      const bus = await h.bus();
      await bus.serve({ topic: h.uid }, { version: '1.0', methods: { whoami: (c) => c } });
      assert.deepEqual(await (await h.bus()).call(ctx, { topic: h.uid }, 'whoami', {}), ctx);
    });

    it('times out a call nobody answers in time (Timeout), per call', async (t) => {
      const h = harness(t, url, scope());
      const release = deferred();
      t.after(() => release.resolve());
      const bus = await h.bus();
      await bus.serve({ topic: h.uid }, { version: '1.0', methods: { hang: () => release.promise, quick: () => 'ok' } });
      const started = Date.now();
      const err = await rejection(bus.call(h.ctx(), { topic: h.uid }, 'hang', {}, { timeoutMs: 300 }));
      const took = Date.now() - started;
      assert.ok(err instanceof Timeout, `got ${err}`);
      assert.equal((err as Timeout).kwargs.method, 'hang');
      assert.ok(took >= 290 && took < 5_000, `timed out after ${took} ms`);
      assert.equal(await bus.call(h.ctx(), { topic: h.uid }, 'quick', {}, { timeoutMs: 5_000 }), 'ok');
    });

    it('fails fast (ServiceUnavailable) for a topic nobody has served', async (t) => {
      const h = harness(t, url, scope());
      const bus = await h.bus();
      const started = Date.now();
      const err = await rejection(bus.call(h.ctx(), { topic: `${h.uid}-nobody` }, 'x', {}, { timeoutMs: 30_000 }));
      assert.ok(err instanceof ServiceUnavailable, `got ${err}`);
      assert.ok(Date.now() - started < 5_000);
      assert.ok(await rejection(bus.cast(h.ctx(), { topic: `${h.uid}-nobody` }, 'x', {})) instanceof ServiceUnavailable);
      assert.ok(await rejection(bus.call(h.ctx(), { topic: h.uid, server: 'ghost' }, 'x', {})) instanceof ServiceUnavailable);
    });

    it('times out a call whose servers stopped; the expired call is not run later', async (t) => {
      const h = harness(t, url, scope());
      let pings = 0;
      const endpoint = { version: '1.0', methods: { ping: () => ++pings, count: () => pings } };
      const server = await h.bus();
      const first = await server.serve({ topic: h.uid }, endpoint);
      await first.stop();
      const client = await h.bus();
      const err = await rejection(client.call(h.ctx(), { topic: h.uid }, 'ping', {}, { timeoutMs: 300 }));
      assert.ok(err instanceof Timeout, `got ${err}`);
      await sleep(100);
      await server.serve({ topic: h.uid }, endpoint);
      assert.equal(await client.call(h.ctx(), { topic: h.uid }, 'count', {}), 0);
    });

    it('answers 100 concurrent calls, each with its own result', async (t) => {
      const h = harness(t, url, scope());
      for (const name of ['a', 'b']) {
        const bus = await h.bus(name);
        await bus.serve({ topic: h.uid, server: name }, {
          version: '1.0',
          methods: { double: async (_c, a: { i: number }) => { await sleep(Math.random() * 20); return { i: a.i, twice: a.i * 2, by: name }; } },
        });
      }
      const client = await h.bus();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) =>
        client.call<{ i: number; twice: number; by: string }>(h.ctx(), { topic: h.uid }, 'double', { i })));
      results.forEach((r, i) => assert.deepEqual({ i: r.i, twice: r.twice }, { i, twice: i * 2 }));
      assert.deepEqual(new Set(results.map((r) => r.by)), new Set(['a', 'b']), 'both servers took calls');
    });

    it('fails the calls still waiting when the bus closes', async (t) => {
      const h = harness(t, url, scope());
      const release = deferred();
      t.after(() => release.resolve());
      const server = await h.bus();
      await server.serve({ topic: h.uid }, { version: '1.0', methods: { hang: () => release.promise, started: () => true } });
      const client = await h.bus();
      await client.call(h.ctx(), { topic: h.uid }, 'started', {});
      const pending = rejection(client.call(h.ctx(), { topic: h.uid }, 'hang', {}));
      await sleep(50);
      await client.close();
      assert.ok(await pending instanceof ServiceUnavailable);
      assert.ok(await rejection(client.call(h.ctx(), { topic: h.uid }, 'started', {})) instanceof ServiceUnavailable);
    });

    it('refuses topics and servers that are not valid routing keys', async (t) => {
      const h = harness(t, url, scope());
      const bus = await h.bus();
      assert.ok(await rejection(bus.call(h.ctx(), { topic: 'a.b' }, 'x', {})) instanceof CloudError);
      assert.ok(await rejection(bus.serve({ topic: 'a#' }, { version: '1.0', methods: {} })) instanceof CloudError);
      assert.ok(await rejection(bus.serve({ topic: h.uid, server: 'h*' }, { version: '1.0', methods: {} })) instanceof CloudError);
      assert.ok(await rejection(bus.serve({ topic: h.uid }, { version: 'one', methods: {} })) instanceof CloudError);
    });
  });
}
