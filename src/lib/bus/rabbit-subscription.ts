// One consumer on RabbitMQ: its own channel (so its prefetch and any channel error stay its
// own), the queue and bindings it declares, and re-establishing all of that on a new
// connection or after the broker cancels it.

import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { drain } from './transport.ts';
import type { ConsumeOptions, DeliveryHandler, QueueSpec, Subscription } from './transport.ts';

export interface SubscriptionHost {
  log: Logger;
  queueExpiryMs: number;
  drainTimeoutMs: number;
  /** The live connection, if any. */
  currentModel(): ChannelModel | undefined;
  forget(sub: RabbitSubscription): void;
}

export class RabbitSubscription implements Subscription {
  readonly #host: SubscriptionHost;
  readonly #spec: QueueSpec;
  readonly #opts: ConsumeOptions;
  readonly #handler: DeliveryHandler;
  readonly #inFlight = new Set<Promise<unknown>>();
  #model?: ChannelModel;
  #establishing?: Promise<void>;
  #channel?: Channel;
  #consumerTag?: string;
  #cancelled = false;
  #retryTimer?: NodeJS.Timeout;
  #retryDelayMs = 500;
  #stopping?: Promise<void>;
  #closing?: Promise<void>;

  constructor(host: SubscriptionHost, spec: QueueSpec, opts: ConsumeOptions, handler: DeliveryHandler) {
    this.#host = host;
    this.#spec = spec;
    this.#opts = opts;
    this.#handler = handler;
  }

  /** Consume on this connection (idempotent per connection). */
  ensure(model: ChannelModel): Promise<void> {
    if (this.#model === model && this.#establishing) return this.#establishing;
    this.#model = model;
    const attempt = this.#establish(model).then(
      () => { this.#retryDelayMs = 500; },
      (err: unknown) => {
        if (this.#establishing === attempt) this.#establishing = undefined;
        throw err;
      },
    );
    this.#establishing = attempt;
    return attempt;
  }

  async #establish(model: ChannelModel): Promise<void> {
    const { name, exclusive, bindings } = this.#spec;
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => this.#host.log.warn({ err, queue: name }, 'bus consumer channel error'));
    ch.on('close', () => {
      if (this.#channel !== ch) return;
      this.#channel = undefined;
      this.#establishing = undefined;
      this.retryLater();
    });
    try {
      if (this.#opts.prefetch > 0) await ch.prefetch(this.#opts.prefetch);
      await ch.assertQueue(name, exclusive
        ? { exclusive: true, autoDelete: true, durable: false }
        : { exclusive: false, autoDelete: false, durable: false, arguments: { 'x-expires': this.#host.queueExpiryMs } });
      for (const b of bindings) await ch.bindQueue(name, b.exchange, b.routingKey);
      const { consumerTag } = await ch.consume(name, (msg) => this.#onMessage(ch, msg), { exclusive });
      if (this.#cancelled) throw new Error('subscription cancelled while being established');
      this.#channel = ch;
      this.#consumerTag = consumerTag;
    } catch (err) {
      await ch.close().catch(() => undefined);
      throw err;
    }
  }

  #onMessage(ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled us (e.g. the queue was deleted): start over on a fresh channel.
      this.#host.log.warn({ queue: this.#spec.name }, 'bus consumer cancelled by the broker');
      ch.close().catch(() => undefined);
      return;
    }
    const p = this.#handler({ body: msg.content.toString('utf8'), redelivered: msg.fields.redelivered });
    this.#inFlight.add(p);
    void p.catch(() => undefined).then((ack) => {
      this.#inFlight.delete(p);
      // A closed channel cannot acknowledge; the broker has requeued the message already.
      try {
        if (ack === false) ch.nack(msg, false, true);
        else ch.ack(msg);
      } catch { /* channel gone */ }
    });
  }

  /** Re-establish later if the connection is still the one we lost the channel on. */
  retryLater(): void {
    if (this.#cancelled || this.#retryTimer) return;
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, 10_000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      const model = this.#host.currentModel();
      // No connection: the reconnect will call ensure() with the new one.
      if (this.#cancelled || !model || this.#channel) return;
      this.ensure(model).catch((err: unknown) => {
        this.#host.log.warn({ err, queue: this.#spec.name }, 'bus consumer could not be re-established');
        this.retryLater();
      });
    }, delay);
    this.#retryTimer.unref();
  }

  stopConsuming(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#cancelled = true;
      this.#host.forget(this);
      clearTimeout(this.#retryTimer);
      await this.#establishing?.catch(() => undefined);
      if (this.#channel && this.#consumerTag) await this.#channel.cancel(this.#consumerTag).catch(() => undefined);
    })();
    return this.#stopping;
  }

  cancel(): Promise<void> {
    this.#closing ??= (async () => {
      await this.stopConsuming();
      // Let handlers in flight finish and acknowledge before the channel goes: closing it
      // would hand their messages to another consumer.
      if (!(await drain(this.#inFlight, this.#host.drainTimeoutMs))) {
        this.#host.log.warn({ queue: this.#spec.name, inFlight: this.#inFlight.size }, 'bus handlers still running at stop');
      }
      const ch = this.#channel;
      this.#channel = undefined;
      if (ch) await ch.close().catch(() => undefined);
    })();
    return this.#closing;
  }
}
