// openBus(url): the message bus inside one service (api → conductor → scheduler → agent),
// with oslo.messaging's semantics over either transport:
//   inproc://                          in-process (all-in-one); still JSON-serialises every message
//   rabbit://user:pass@host:port/vhost RabbitMQ over AMQP 0-9-1 (also amqp://, amqps://, rabbits://)
//
// Topology (same names on both transports):
//   exchange `<exchange>` (topic)          queues `<topic>` and `<topic>.<server>`, shared by servers
//   exchange `<exchange>_fanout` (topic)   one exclusive queue per server, `<topic>_fanout_<id>`
//   default exchange ''                    reply queues `reply_<id>`, one per bus, exclusive
//   exchange `notifications` (topic)       routing key `notifications.<priority>`
//
// Delivery: at most once, as oslo: a request is acknowledged when its method starts, so a
// server lost mid-way does not have it run again elsewhere.
// A call or cast nobody has ever served fails at once with ServiceUnavailable (mandatory
// publish); one whose servers have all stopped waits in their queue: calls then time out.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { CloudError } from '../errors.ts';
import { inprocTransport } from './inproc-transport.ts';
import { createNotifier, subscribe } from './notifications.ts';
import { RpcClient } from './rpc-client.ts';
import { serve } from './rpc-server.ts';
import type { Transport } from './transport.ts';
import type { Bus, BusOptions, Stoppable } from './types.ts';

export type * from './types.ts';
export { UnsupportedVersion, NoSuchMethod, rebuildError } from './errors.ts';
export type { CloudErrorClass } from './errors.ts';
export { createInprocBroker } from './inproc-broker.ts';
export type { InprocBroker } from './inproc-broker.ts';
export { redactUrl } from './wire.ts';

const newId = () => randomUUID().replaceAll('-', '');

/** The amqplib URL for a bus URL, or undefined if it is not a RabbitMQ one. */
export function amqpUrl(url: string): string | undefined {
  const m = /^(rabbit|rabbits|amqp|amqps):\/\//.exec(url);
  if (!m) return undefined;
  const scheme = m[1] === 'rabbit' ? 'amqp' : m[1] === 'rabbits' ? 'amqps' : m[1];
  return `${scheme}://${url.slice(m[0].length)}`;
}

export async function openBus(url: string, opts: BusOptions = {}): Promise<Bus> {
  const log = (opts.log ?? pino({ level: 'silent' })).child({ component: 'bus' });
  const exchange = opts.exchange ?? 'stratus';
  const fanoutExchange = `${exchange}_fanout`;
  const notificationExchange = opts.notificationExchange ?? 'notifications';
  const exchanges = [exchange, fanoutExchange, notificationExchange];
  const queueExpiryMs = opts.queueExpiryMs ?? 30 * 60_000;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 30_000;
  const maxConcurrency = opts.maxConcurrency ?? 64;

  let transport: Transport;
  const amqp = amqpUrl(url);
  if (url === 'inproc://' || url.startsWith('inproc:')) {
    transport = inprocTransport({ broker: opts.inprocBroker, exchanges, queueExpiryMs, drainTimeoutMs });
  } else if (amqp) {
    // Loaded only for RabbitMQ: amqplib is memory the all-in-one does not need.
    const { rabbitTransport } = await import('./rabbit-transport.ts');
    transport = await rabbitTransport({
      url: amqp, exchanges, log, queueExpiryMs, drainTimeoutMs,
      publishWaitMs: opts.publishWaitMs ?? 10_000,
      connectionName: opts.connectionName ?? `stratus ${hostname()} pid ${process.pid}`,
      connect: opts.amqpConnect,
    });
  } else {
    throw new CloudError(`unsupported message bus URL scheme: ${url.split(':')[0]} (use inproc:// or rabbit://)`);
  }

  const rpc = new RpcClient({
    transport, log, exchange, fanoutExchange, newId,
    defaultTimeoutMs: opts.defaultTimeoutMs ?? 60_000,
    remoteErrors: opts.remoteErrors ?? {},
  });
  const serverDeps = { transport, log, exchange, fanoutExchange, maxConcurrency, drainTimeoutMs, newId };
  const notificationDeps = { transport, log, exchange: notificationExchange, maxConcurrency, newId };
  // Servers and listeners, so close() can stop them before the connection goes.
  const running = new Set<Stoppable>();
  const track = (s: Stoppable): Stoppable => {
    const tracked = { stop: () => { running.delete(tracked); return s.stop(); } };
    running.add(tracked);
    return tracked;
  };
  let closing: Promise<void> | undefined;

  return {
    transport: transport.kind,
    serve: async (target, endpoints) => track(await serve(serverDeps, target, endpoints)),
    call: (ctx, target, method, args, callOpts) => rpc.call(ctx, target, method, args, callOpts),
    cast: (ctx, target, method, args) => rpc.cast(ctx, target, method, args),
    fanout: (ctx, target, method, args) => rpc.fanout(ctx, typeof target === 'string' ? { topic: target } : target, method, args),
    notifier: (publisherId) => createNotifier(notificationDeps, publisherId),
    onNotification: async (filter, handler) => track(await subscribe(notificationDeps, filter, handler)),
    close() {
      closing ??= (async () => {
        await Promise.all([...running].map((s) => s.stop()));
        await rpc.close();
        await transport.close();
      })();
      return closing;
    },
  };
}
