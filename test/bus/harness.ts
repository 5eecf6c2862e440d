// Helpers for the bus conformance suite: buses that close themselves when the test ends,
// unique names (so runs sharing a broker never see each other's messages), and waiting.

import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { anonymousContext } from '../../src/lib/auth/context.ts';
import type { RequestContext } from '../../src/lib/auth/context.ts';
import { openBus } from '../../src/lib/bus/index.ts';
import type { Bus, BusOptions } from '../../src/lib/bus/index.ts';

export interface Harness {
  /** A name no other test or run uses (no dots: valid as a topic). */
  uid: string;
  /** A new bus (think: another process), closed when the test ends. */
  bus(name?: string, extra?: Partial<BusOptions>): Promise<Bus>;
  /** The connection name given to the bus opened as `name`. */
  connectionName(name: string): string;
  ctx(extra?: Partial<RequestContext>): RequestContext;
}

export function harness(t: TestContext, url: string, scope: Partial<BusOptions>): Harness {
  const uid = `conf-${randomUUID().slice(0, 8)}`;
  const level = process.env.STRATUS_TEST_BUS_LOG;
  const log = level ? pino({ level }) : undefined;
  let n = 0;
  const connectionName = (name: string) => `stratus-conformance ${uid} ${name}`;
  return {
    uid,
    async bus(name = `bus${++n}`, extra = {}) {
      const bus = await openBus(url, {
        log, defaultTimeoutMs: 10_000, queueExpiryMs: 60_000, drainTimeoutMs: 5_000, publishWaitMs: 10_000,
        connectionName: connectionName(name), ...scope, ...extra,
      });
      t.after(() => bus.close());
      return bus;
    },
    connectionName,
    ctx: (extra = {}) => ({ ...anonymousContext(`req-${randomUUID()}`), ...extra }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until `cond` holds; fail with `what` after `ms`. */
export async function waitFor(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export interface Deferred<T> { promise: Promise<T>; resolve(v: T): void }

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

/** Resolve to the rejection of `p`, failing if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, got a result');
}

/** Count how many of each key. */
export function tally(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}
