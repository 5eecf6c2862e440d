// An in-process broker with RabbitMQ's semantics for what the bus uses: topic exchanges,
// shared queues whose consumers take turns (respecting prefetch), exclusive queues, mandatory
// publishing, per-message expiry and queue expiry. Bodies are strings, so the RPC layer
// serialises every message exactly as it does for RabbitMQ and nothing shares references.

import { ServiceUnavailable } from '../errors.ts';
import { topicMatches } from './transport.ts';
import type { Binding, DeliveryHandler } from './transport.ts';

interface StoredMessage { body: string; expiresAt?: number; redelivered?: boolean }

interface Consumer {
  prefetch: number;
  inFlight: number;
  handler: DeliveryHandler;
}

interface Queue {
  name: string;
  /** The transport owning an exclusive queue; undefined for shared queues. */
  owner?: object;
  expiryMs: number;
  bindings: Binding[];
  messages: StoredMessage[];
  consumers: Consumer[];
  /** Round-robin cursor into consumers. */
  next: number;
  expiryTimer?: NodeJS.Timeout;
}

export interface DeclareSpec { name: string; owner?: object; bindings: Binding[]; expiryMs: number }

export class InprocBroker {
  readonly #exchanges = new Set<string>();
  readonly #queues = new Map<string, Queue>();

  declareExchange(name: string): void {
    this.#exchanges.add(name);
  }

  /** Declare (or find) a queue, add its bindings, attach a consumer. */
  consume(spec: DeclareSpec, consumer: Consumer): void {
    let q = this.#queues.get(spec.name);
    if (q && q.owner !== spec.owner) {
      throw new ServiceUnavailable(`queue ${spec.name} is in use by another connection`, { queue: spec.name });
    }
    if (!q) {
      q = { name: spec.name, owner: spec.owner, expiryMs: spec.expiryMs, bindings: [], messages: [], consumers: [], next: 0 };
      this.#queues.set(spec.name, q);
    }
    for (const b of spec.bindings) {
      if (!q.bindings.some((x) => x.exchange === b.exchange && x.routingKey === b.routingKey)) q.bindings.push(b);
    }
    clearTimeout(q.expiryTimer);
    q.expiryTimer = undefined;
    q.consumers.push(consumer);
    this.#pump(q);
  }

  /** Detach a consumer; an exclusive queue goes with it, a shared one expires later. */
  cancel(queueName: string, consumer: Consumer): void {
    const q = this.#queues.get(queueName);
    if (!q) return;
    q.consumers = q.consumers.filter((c) => c !== consumer);
    if (q.consumers.length > 0) return;
    if (q.owner) {
      this.#queues.delete(q.name);
    } else {
      // Messages wait for a server to come back, as on RabbitMQ, but not forever.
      q.expiryTimer = setTimeout(() => {
        if (this.#queues.get(q.name) === q && q.consumers.length === 0) this.#queues.delete(q.name);
      }, q.expiryMs);
      q.expiryTimer.unref();
    }
  }

  /** Route a message; returns how many queues took it. */
  publish(exchange: string, routingKey: string, msg: StoredMessage): number {
    const targets: Queue[] = [];
    if (exchange === '') {
      const q = this.#queues.get(routingKey);
      if (q) targets.push(q);
    } else if (this.#exchanges.has(exchange)) {
      for (const q of this.#queues.values()) {
        if (q.bindings.some((b) => b.exchange === exchange && topicMatches(b.routingKey, routingKey))) targets.push(q);
      }
    }
    for (const q of targets) {
      q.messages.push(msg);
      this.#pump(q);
    }
    return targets.length;
  }

  #pump(q: Queue): void {
    while (q.messages.length > 0) {
      const consumer = this.#pick(q);
      if (!consumer) return;
      const msg = q.messages.shift() as StoredMessage;
      if (msg.expiresAt !== undefined && msg.expiresAt <= Date.now()) continue;
      consumer.inFlight++;
      // Deliver on a later turn of the event loop: a publisher never runs a handler inline.
      setImmediate(() => {
        consumer.handler({ body: msg.body, redelivered: msg.redelivered ?? false })
          .catch(() => undefined)
          .then((ack) => {
            consumer.inFlight--;
            if (this.#queues.get(q.name) !== q) return;
            // Given back: first in line again, as RabbitMQ requeues it.
            if (ack === false) q.messages.unshift({ ...msg, redelivered: true });
            this.#pump(q);
          });
      });
    }
  }

  #pick(q: Queue): Consumer | undefined {
    for (let i = 0; i < q.consumers.length; i++) {
      const c = q.consumers[(q.next + i) % q.consumers.length];
      if (c.prefetch === 0 || c.inFlight < c.prefetch) {
        q.next = (q.next + i + 1) % q.consumers.length;
        return c;
      }
    }
    return undefined;
  }
}

export function createInprocBroker(): InprocBroker {
  return new InprocBroker();
}
