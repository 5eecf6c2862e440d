// The calling side: call (wait for the reply on this bus's reply queue, matched by message
// id), cast (one server, no reply) and fanout (every server of a topic).

import type { Logger } from 'pino';
import type { RequestContext } from '../auth/context.ts';
import { CloudError, ServiceUnavailable, Timeout } from '../errors.ts';
import { rebuildError } from './errors.ts';
import type { CloudErrorClass } from './errors.ts';
import type { Subscription, Transport } from './transport.ts';
import type { CallOptions, Target } from './types.ts';
import { checkTarget, decodeReply, encode, parseVersion } from './wire.ts';
import type { RpcRequest } from './wire.ts';

export interface RpcClientDeps {
  transport: Transport;
  log: Logger;
  exchange: string;
  fanoutExchange: string;
  defaultTimeoutMs: number;
  remoteErrors: Record<string, CloudErrorClass>;
  newId(): string;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** The broker has taken the request. */
  sent: boolean;
}

function routingKey(target: Target): string {
  checkTarget(target.topic, target.server);
  return target.server === undefined ? target.topic : `${target.topic}.${target.server}`;
}

function targetVersion(version: string | undefined): string {
  const v = version ?? '1.0';
  if (!parseVersion(v)) throw new CloudError(`invalid target version ${JSON.stringify(v)}`);
  return v;
}

export class RpcClient {
  readonly #deps: RpcClientDeps;
  readonly #pending = new Map<string, Pending>();
  readonly #replyQueue: string;
  #replySub?: Promise<Subscription>;
  #closed = false;

  constructor(deps: RpcClientDeps) {
    this.#deps = deps;
    this.#replyQueue = `reply_${deps.newId()}`;
    // A lost connection takes the exclusive reply queue with it: the replies to calls in
    // flight are lost, so say so now rather than at their timeouts.
    // Calls not sent yet keep waiting (under their timers) for the connection to come back.
    deps.transport.onConnectionLost(() => this.#failAll(
      () => new ServiceUnavailable('lost the message bus connection while waiting for a reply'), true));
  }

  /** The reply queue is declared on the first call, as oslo does. */
  #ensureReplyQueue(): Promise<Subscription> {
    if (!this.#replySub) {
      const sub = this.#deps.transport.consume(
        { name: this.#replyQueue, exclusive: true, bindings: [] },
        { prefetch: 0 },
        async (d) => this.#onReply(d.body),
      );
      // Failed (bus unavailable): try again on the next call.
      sub.catch(() => { if (this.#replySub === sub) this.#replySub = undefined; });
      this.#replySub = sub;
    }
    return this.#replySub;
  }

  #onReply(body: string): void {
    let reply;
    try {
      reply = decodeReply(body);
    } catch {
      reply = undefined;
    }
    if (!reply) {
      this.#deps.log.warn({ body: body.slice(0, 200) }, 'dropping a malformed bus reply');
      return;
    }
    const p = this.#pending.get(reply.id);
    if (!p) {
      this.#deps.log.debug({ msgId: reply.id }, 'dropping a reply nobody waits for (timed out?)');
      return;
    }
    this.#pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.failure) p.reject(rebuildError(reply.failure, this.#deps.remoteErrors));
    else p.resolve(reply.result);
  }

  async call<T>(ctx: RequestContext, target: Target, method: string, args: object = {}, opts: CallOptions = {}): Promise<T> {
    if (this.#closed) throw new ServiceUnavailable('message bus is closed');
    const key = routingKey(target);
    const timeoutMs = opts.timeoutMs ?? this.#deps.defaultTimeoutMs;
    const id = this.#deps.newId();
    const req: RpcRequest = { id, method, args, version: targetVersion(target.version), context: ctx, replyTo: this.#replyQueue, timeoutMs };
    const body = encode(req, `the arguments of ${method}`);
    const expiresAt = Date.now() + timeoutMs;
    const result = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Timeout(`Timed out waiting for a reply to message ID ${id}`, { topic: target.topic, server: target.server, method, timeoutMs }));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, sent: false });
    });
    const fail = (err: unknown) => {
      const p = this.#pending.get(id);
      if (!p) return;
      this.#pending.delete(id);
      clearTimeout(p.timer);
      p.reject(err instanceof Error ? err : new CloudError(String(err)));
    };
    // Sending runs under the call's timer: waiting for a lost connection counts against it.
    this.#ensureReplyQueue()
      .then(() => this.#deps.transport.publish(this.#deps.exchange, key, body, { mandatory: true, expiresAt }))
      .then(() => { const p = this.#pending.get(id); if (p) p.sent = true; }, fail);
    return result;
  }

  async cast(ctx: RequestContext, target: Target, method: string, args: object = {}): Promise<void> {
    if (this.#closed) throw new ServiceUnavailable('message bus is closed');
    const key = routingKey(target);
    const req: RpcRequest = { id: this.#deps.newId(), method, args, version: targetVersion(target.version), context: ctx };
    await this.#deps.transport.publish(this.#deps.exchange, key, encode(req, `the arguments of ${method}`), { mandatory: true });
  }

  async fanout(ctx: RequestContext, target: { topic: string; version?: string }, method: string, args: object = {}): Promise<void> {
    if (this.#closed) throw new ServiceUnavailable('message bus is closed');
    checkTarget(target.topic);
    const req: RpcRequest = { id: this.#deps.newId(), method, args, version: targetVersion(target.version), context: ctx };
    await this.#deps.transport.publish(this.#deps.fanoutExchange, target.topic, encode(req, `the arguments of ${method}`));
  }

  #failAll(makeError: () => Error, sentOnly = false): void {
    for (const [id, p] of this.#pending) {
      if (sentOnly && !p.sent) continue;
      this.#pending.delete(id);
      clearTimeout(p.timer);
      p.reject(makeError());
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll(() => new ServiceUnavailable('message bus closed while waiting for a reply'));
    const sub = await this.#replySub?.catch(() => undefined);
    await sub?.cancel();
  }
}
