// The in-process transport: one bus's connection to an InprocBroker.

import { ServiceUnavailable, Timeout } from '../errors.ts';
import { createInprocBroker } from './inproc-broker.ts';
import type { InprocBroker } from './inproc-broker.ts';
import { drain } from './transport.ts';
import type { ConsumeOptions, Delivery, DeliveryHandler, PublishOptions, QueueSpec, Subscription, Transport } from './transport.ts';

export interface InprocTransportOptions {
  broker?: InprocBroker;
  exchanges: string[];
  queueExpiryMs: number;
  drainTimeoutMs: number;
}

export function inprocTransport(opts: InprocTransportOptions): Transport {
  const broker = opts.broker ?? createInprocBroker();
  for (const name of opts.exchanges) broker.declareExchange(name);
  // Identity of this "connection": exclusive queues belong to it.
  const owner = {};
  const subscriptions = new Set<Subscription>();
  let closed = false;

  return {
    kind: 'inproc',

    async consume(queue: QueueSpec, copts: ConsumeOptions, handler: DeliveryHandler): Promise<Subscription> {
      if (closed) throw new ServiceUnavailable('message bus is closed');
      const inFlight = new Set<Promise<unknown>>();
      const consumer = {
        prefetch: copts.prefetch,
        inFlight: 0,
        handler: (d: Delivery) => {
          const p = handler(d);
          inFlight.add(p);
          return p.finally(() => inFlight.delete(p));
        },
      };
      broker.consume({ name: queue.name, owner: queue.exclusive ? owner : undefined, bindings: queue.bindings, expiryMs: opts.queueExpiryMs }, consumer);
      let consuming = true;
      const sub: Subscription = {
        async stopConsuming() {
          if (!consuming) return;
          consuming = false;
          subscriptions.delete(sub);
          broker.cancel(queue.name, consumer);
        },
        async cancel() {
          await sub.stopConsuming();
          await drain(inFlight, opts.drainTimeoutMs);
        },
      };
      subscriptions.add(sub);
      return sub;
    },

    async publish(exchange: string, routingKey: string, body: string, popts: PublishOptions = {}): Promise<void> {
      if (closed) throw new ServiceUnavailable('message bus is closed');
      if (popts.expiresAt !== undefined && popts.expiresAt <= Date.now()) {
        throw new Timeout('message expired before it could be sent', { exchange, routingKey });
      }
      const routed = broker.publish(exchange, routingKey, { body, expiresAt: popts.expiresAt });
      if (routed === 0 && popts.mandatory) {
        throw new ServiceUnavailable(`nobody serves ${routingKey}`, { exchange, routingKey, reason: 'unroutable' });
      }
    },

    onConnectionLost() {
      // An in-process broker cannot be lost.
    },

    async close() {
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.cancel()));
    },
  };
}
