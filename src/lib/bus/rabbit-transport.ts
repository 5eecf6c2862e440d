// The RabbitMQ transport (AMQP 0-9-1, amqplib's promise API): one connection, a confirm
// channel for publishing, a channel per consumer. When the connection is lost it reconnects
// with backoff, re-declares the exchanges, re-establishes every consumer and only then lets
// publishing resume (so a reply queue exists again before a call can be sent).

import { randomUUID } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';
import { ServiceUnavailable, Timeout } from '../errors.ts';
import { RabbitSubscription } from './rabbit-subscription.ts';
import { redactUrl } from './wire.ts';
import type { ConsumeOptions, DeliveryHandler, PublishOptions, QueueSpec, Subscription, Transport } from './transport.ts';

export interface RabbitTransportOptions {
  /** amqp:// or amqps:// */
  url: string;
  exchanges: string[];
  log: Logger;
  connectionName: string;
  queueExpiryMs: number;
  drainTimeoutMs: number;
  publishWaitMs: number;
  connect?: typeof amqpConnect;
}

export async function rabbitTransport(opts: RabbitTransportOptions): Promise<Transport> {
  const t = new RabbitTransport(opts);
  try {
    await t.attempt();
  } catch (err) {
    throw new ServiceUnavailable(`cannot connect to the message bus at ${redactUrl(opts.url)}: ${(err as Error).message}`);
  }
  return t;
}

class RabbitTransport implements Transport {
  readonly kind = 'rabbit';
  readonly #opts: RabbitTransportOptions;
  readonly #log: Logger;
  readonly #subs = new Set<RabbitSubscription>();
  readonly #lostListeners: Array<(err: Error) => void> = [];
  readonly #readyWaiters = new Set<() => void>();
  /** messageIds the broker returned as unroutable; read when their confirm arrives. */
  readonly #returned = new Set<string>();
  #model?: ChannelModel;
  /** Connected and every consumer re-established: publishing may go on. */
  #ready = false;
  #pub?: Promise<ConfirmChannel>;
  #closed = false;
  #reconnectTimer?: NodeJS.Timeout;
  #failedAttempts = 0;

  constructor(opts: RabbitTransportOptions) {
    this.#opts = opts;
    this.#log = opts.log;
  }

  async attempt(): Promise<void> {
    const connect = this.#opts.connect ?? amqpConnect;
    const model = await connect(this.#opts.url, { clientProperties: { connection_name: this.#opts.connectionName }, timeout: 10_000 });
    if (this.#closed) {
      await model.close().catch(() => undefined);
      throw new ServiceUnavailable('message bus is closed');
    }
    model.on('error', (err: Error) => this.#log.warn({ err }, 'message bus connection error'));
    model.on('close', (err?: Error) => this.#lost(model, err));
    model.on('blocked', (reason: string) => this.#log.warn({ reason }, 'message bus broker blocked publishing'));
    this.#model = model;
    try {
      const ch = await model.createChannel();
      for (const name of this.#opts.exchanges) await ch.assertExchange(name, 'topic', { durable: false, autoDelete: false });
      await ch.close();
      await Promise.all([...this.#subs].map((s) => s.ensure(model).catch((err: unknown) => {
        this.#log.warn({ err }, 'bus consumer could not be re-established');
        s.retryLater();
      })));
    } catch (err) {
      if (this.#model === model) {
        this.#model = undefined;
        await model.close().catch(() => undefined);
      }
      throw err;
    }
    if (this.#model !== model) throw new Error('connection lost while it was being set up');
    this.#ready = true;
    for (const wake of this.#readyWaiters) wake();
  }

  #lost(model: ChannelModel, err?: Error): void {
    if (this.#model !== model) return;
    this.#model = undefined;
    this.#ready = false;
    this.#pub = undefined;
    if (this.#closed) return;
    this.#log.warn({ err }, 'lost the message bus connection; reconnecting');
    const reason = err ?? new Error('connection closed');
    for (const listener of this.#lostListeners) listener(reason);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    // Exponential backoff with jitter, capped: every host reconnecting at once after a broker
    // restart should not arrive in lockstep.
    const base = Math.min(100 * 2 ** this.#failedAttempts, 5_000);
    const delay = base / 2 + Math.random() * base / 2;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.attempt().then(
        () => {
          this.#log.info({ afterAttempts: this.#failedAttempts + 1 }, 'message bus reconnected');
          this.#failedAttempts = 0;
        },
        (err: unknown) => {
          this.#failedAttempts++;
          this.#log.warn({ err, attempt: this.#failedAttempts }, 'message bus reconnect failed');
          this.#scheduleReconnect();
        },
      );
    }, delay);
  }

  /** Resolve once ready, or fail with ServiceUnavailable at the deadline. */
  async #waitReady(deadline: number): Promise<void> {
    while (!this.#ready) {
      if (this.#closed) throw new ServiceUnavailable('message bus is closed');
      const ms = deadline - Date.now();
      if (ms <= 0) throw new ServiceUnavailable(`message bus unavailable: not connected to ${redactUrl(this.#opts.url)}`);
      await new Promise<void>((resolve) => {
        const done = () => { clearTimeout(timer); this.#readyWaiters.delete(done); resolve(); };
        const timer = setTimeout(done, ms);
        this.#readyWaiters.add(done);
      });
    }
  }

  async consume(spec: QueueSpec, copts: ConsumeOptions, handler: DeliveryHandler): Promise<Subscription> {
    if (this.#closed) throw new ServiceUnavailable('message bus is closed');
    const sub = new RabbitSubscription({
      log: this.#log,
      queueExpiryMs: this.#opts.queueExpiryMs,
      drainTimeoutMs: this.#opts.drainTimeoutMs,
      currentModel: () => this.#model,
      forget: (s) => this.#subs.delete(s),
    }, spec, copts, handler);
    this.#subs.add(sub);
    try {
      await this.#waitReady(Date.now() + this.#opts.publishWaitMs);
      const model = this.#model;
      if (!model) throw new ServiceUnavailable('message bus connection lost');
      await sub.ensure(model);
    } catch (err) {
      await sub.cancel();
      if (err instanceof ServiceUnavailable) throw err;
      throw new ServiceUnavailable(`cannot consume from ${spec.name}: ${(err as Error).message}`, { queue: spec.name });
    }
    return sub;
  }

  async publish(exchange: string, routingKey: string, body: string, popts: PublishOptions = {}): Promise<void> {
    const ch = await this.#publishChannel(Math.min(Date.now() + this.#opts.publishWaitMs, popts.expiresAt ?? Infinity));
    let expiration: string | undefined;
    if (popts.expiresAt !== undefined) {
      const ms = popts.expiresAt - Date.now();
      if (ms <= 0) throw new Timeout('message expired before it could be sent', { exchange, routingKey });
      expiration = String(Math.ceil(ms));
    }
    const messageId = randomUUID();
    await new Promise<void>((resolve, reject) => {
      const confirmed = (err: unknown) => {
        const returned = this.#returned.delete(messageId);
        if (err) reject(new ServiceUnavailable(`message bus did not take the message: ${(err as Error).message ?? err}`, { exchange, routingKey }));
        else if (returned) reject(new ServiceUnavailable(`nobody serves ${routingKey}`, { exchange, routingKey, reason: 'unroutable' }));
        else resolve();
      };
      try {
        ch.publish(exchange, routingKey, Buffer.from(body, 'utf8'), {
          mandatory: popts.mandatory ?? false, expiration, messageId,
          contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 1,
        }, confirmed);
      } catch (err) {
        confirmed(err);
      }
    });
  }

  async #publishChannel(deadline: number): Promise<ConfirmChannel> {
    for (;;) {
      await this.#waitReady(deadline);
      const model = this.#model;
      if (!model) continue;
      if (!this.#pub) {
        const opening: Promise<ConfirmChannel> = model.createConfirmChannel().then((ch) => {
          ch.on('error', (err: Error) => this.#log.warn({ err }, 'bus publish channel error'));
          ch.on('return', (msg: { properties: { messageId?: string } }) => {
            if (msg.properties.messageId) this.#returned.add(msg.properties.messageId);
          });
          ch.on('close', () => { if (this.#pub === opening) this.#pub = undefined; });
          return ch;
        });
        this.#pub = opening;
        opening.catch(() => { if (this.#pub === opening) this.#pub = undefined; });
      }
      try {
        return await this.#pub;
      } catch (err) {
        if (this.#model === model) throw new ServiceUnavailable(`cannot open a publish channel: ${(err as Error).message}`);
      }
    }
  }

  onConnectionLost(listener: (err: Error) => void): void {
    this.#lostListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    for (const wake of this.#readyWaiters) wake();
    await Promise.all([...this.#subs].map((s) => s.cancel()));
    const model = this.#model;
    this.#model = undefined;
    this.#ready = false;
    if (model) await model.close().catch(() => undefined);
  }
}
