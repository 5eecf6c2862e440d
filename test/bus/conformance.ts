// The message bus conformance suite: what every transport must do, registered for one URL.
// inproc.test.ts and rabbit.test.ts run it; a new transport passes it before it is used.

import { describe } from 'node:test';
import type { BusOptions } from '../../src/lib/bus/index.ts';
import { notificationTests } from './conformance-notifications.ts';
import { reconnectTests } from './conformance-reconnect.ts';
import { rpcTests } from './conformance-rpc.ts';
import { routingTests } from './conformance-routing.ts';

export interface ConformanceOptions {
  /** Options shared by every bus of one test (inproc: one broker per test), called per test. */
  scope?: () => Partial<BusOptions>;
  /**
   * Ways to cut a bus's broker connection, by the connection name the bus was opened with
   * (rabbit: destroy the socket, have the broker close it). The reconnect tests run once per way.
   */
  breakers?: Record<string, ((connectionName: string) => Promise<void>) | { skip: string }>;
}

export function busConformance(url: string, opts: ConformanceOptions = {}): void {
  const scope = opts.scope ?? (() => ({}));
  describe(`message bus conformance (${url.replace(/\/\/[^@/]*@/, '//')})`, () => {
    rpcTests(url, scope);
    routingTests(url, scope);
    notificationTests(url, scope);
    for (const [how, breaker] of Object.entries(opts.breakers ?? {})) reconnectTests(url, scope, how, breaker);
  });
}
