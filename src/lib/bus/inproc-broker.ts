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
  /** Bindings without wildcards, by exchange and routing key: a publish finds its queues in one
   * lookup, not by matching every queue (a thousand fake hosts are thousands of queues). */
  readonly #exact = new Map<string, Set<Queue>>();
  /** Bindings with `*` or `#`, matched one by one (there are few: notification listeners). */
  readonly #wildcard: Array<{ binding: Binding; queue: Queue }> = [];

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
      if (!q.bindings.some((x) => x.exchange === b.exchange && x.routingKey === b.routingKey)) this.#bind(q, b);
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
      this.#drop(q);
    } else {
      // Messages wait for a server to come back, as on RabbitMQ, but not forever.
      q.expiryTimer = setTimeout(() => {
        if (this.#queues.get(q.name) === q && q.consumers.length === 0) this.#drop(q);
      }, q.expiryMs);
      q.expiryTimer.unref();
    }
  }

  /** Route a message; returns how many queues took it. */
  publish(exchange: string, routingKey: string, msg: StoredMessage): number {
    const targets = new Set<Queue>();
    if (exchange === '') {
      const q = this.#queues.get(routingKey);
      if (q) targets.add(q);
    } else if (this.#exchanges.has(exchange)) {
      for (const q of this.#exact.get(exactKey(exchange, routingKey)) ?? []) targets.add(q);
      for (const { binding, queue } of this.#wildcard) {
        if (binding.exchange === exchange && topicMatches(binding.routingKey, routingKey)) targets.add(queue);
      }
    }
    for (const q of targets) {
      q.messages.push(msg);
      this.#pump(q);
    }
    return targets.size;
  }

  #bind(q: Queue, b: Binding): void {
    q.bindings.push(b);
    if (isWildcard(b.routingKey)) { this.#wildcard.push({ binding: b, queue: q }); return; }
    const key = exactKey(b.exchange, b.routingKey);
    let set = this.#exact.get(key);
    if (!set) this.#exact.set(key, set = new Set());
    set.add(q);
  }

  /** Deletes the queue and its bindings. */
  #drop(q: Queue): void {
    this.#queues.delete(q.name);
    for (const b of q.bindings) {
      if (isWildcard(b.routingKey)) continue;
      const key = exactKey(b.exchange, b.routingKey);
      const set = this.#exact.get(key);
      set?.delete(q);
      if (set?.size === 0) this.#exact.delete(key);
    }
    for (let i = this.#wildcard.length - 1; i >= 0; i--) if (this.#wildcard[i]!.queue === q) this.#wildcard.splice(i, 1);
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

const isWildcard = (routingKey: string) => routingKey.includes('*') || routingKey.includes('#');
const exactKey = (exchange: string, routingKey: string) => `${exchange}\u0000${routingKey}`;

export function createInprocBroker(): InprocBroker {
  return new InprocBroker();
}
