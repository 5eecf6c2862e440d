// Serving a topic: the queues a server consumes and the dispatcher that picks the endpoint
// method by version, runs it and replies (oslo.messaging's RPCDispatcher rules).

import type { Logger } from 'pino';
import { CloudError, errorToWire, isClientError } from '../errors.ts';
import { NoSuchMethod, UnsupportedVersion } from './errors.ts';
import type { Endpoint, ServeTarget, Stoppable } from './types.ts';
import { drain } from './transport.ts';
import type { Delivery, QueueSpec, Subscription, Transport } from './transport.ts';
import { Slots } from './slots.ts';
import { checkTarget, decodeRequest, encode, parseVersion, versionIsCompatible } from './wire.ts';
import type { RpcRequest } from './wire.ts';

export interface RpcServerDeps {
  transport: Transport;
  log: Logger;
  exchange: string;
  fanoutExchange: string;
  maxConcurrency: number;
  drainTimeoutMs: number;
  newId(): string;
}

/** The queues of a server: shared `topic`, shared `topic.server`, and its own fanout queue. */
export function serverQueues(deps: RpcServerDeps, target: ServeTarget): QueueSpec[] {
  const { topic, server } = target;
  const queues: QueueSpec[] = [{ name: topic, exclusive: false, bindings: [{ exchange: deps.exchange, routingKey: topic }] }];
  if (server !== undefined) {
    queues.push({ name: `${topic}.${server}`, exclusive: false, bindings: [{ exchange: deps.exchange, routingKey: `${topic}.${server}` }] });
  }
  queues.push({ name: `${topic}_fanout_${deps.newId()}`, exclusive: true, bindings: [{ exchange: deps.fanoutExchange, routingKey: topic }] });
  return queues;
}

/** Find the method as oslo does: the first endpoint with a compatible version that has it. */
export function dispatch(endpoints: Endpoint[], method: string, version: string): Endpoint['methods'][string] {
  let compatible = false;
  for (const ep of endpoints) {
    if (!versionIsCompatible(ep.version, version)) continue;
    // Own properties only (no 'constructor', 'toString'), and no private ones, as oslo.
    if (!method.startsWith('_') && Object.hasOwn(ep.methods, method) && typeof ep.methods[method] === 'function') {
      return ep.methods[method];
    }
    compatible = true;
  }
  if (compatible) throw new NoSuchMethod(`Endpoint does not support RPC method ${method}`, { method });
  throw new UnsupportedVersion(`Endpoint does not support RPC version ${version}. Attempted method: ${method}`, { version, method });
}

export async function serve(deps: RpcServerDeps, target: ServeTarget, endpointOrList: Endpoint | Endpoint[]): Promise<Stoppable> {
  checkTarget(target.topic, target.server);
  const endpoints = Array.isArray(endpointOrList) ? endpointOrList : [endpointOrList];
  for (const ep of endpoints) {
    if (!parseVersion(ep.version)) throw new CloudError(`invalid endpoint version ${JSON.stringify(ep.version)} for topic ${target.topic}`);
  }
  const log = deps.log.child({ topic: target.topic, server: target.server });
  const slots = new Slots(deps.maxConcurrency);
  const running = new Set<Promise<unknown>>();
  // A message is acknowledged when its method starts, not when it ends (at most once, as
  // oslo): a server lost mid-way does not have its work run again elsewhere, a long method
  // does not hold the broker's ack timer, and messages still waiting for a slot when the
  // server stops or is lost go back to the queue for another server.
  const handler = async (d: Delivery): Promise<boolean> => {
    if (!(await slots.acquire())) return false;
    const run = handleDelivery(deps, log, endpoints, d).finally(() => slots.release());
    running.add(run);
    void run.finally(() => running.delete(run));
    return true;
  };
  const subs: Subscription[] = [];
  try {
    for (const q of serverQueues(deps, target)) {
      subs.push(await deps.transport.consume(q, { prefetch: deps.maxConcurrency }, handler));
    }
  } catch (err) {
    slots.close();
    await Promise.all(subs.map((s) => s.cancel()));
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        // In this order: no new deliveries, then what waits for a slot goes back to the
        // queue (not to us again), then the methods running finish.
        await Promise.all(subs.map((s) => s.stopConsuming()));
        slots.close();
        await Promise.all(subs.map((s) => s.cancel()));
        if (!(await drain(running, deps.drainTimeoutMs))) log.warn({ running: running.size }, 'bus methods still running at stop');
      })();
      return stopping;
    },
  };
}

async function handleDelivery(deps: RpcServerDeps, log: Logger, endpoints: Endpoint[], d: Delivery): Promise<void> {
  let req: RpcRequest | undefined;
  try {
    req = decodeRequest(d.body);
  } catch {
    req = undefined;
  }
  if (!req) {
    log.warn({ body: d.body.slice(0, 200) }, 'dropping a malformed bus message');
    return;
  }
  const rlog = log.child({ requestId: req.context.requestId, method: req.method, msgId: req.id });
  const receivedAt = Date.now();
  let reply: { result?: unknown; failure?: ReturnType<typeof errorToWire> };
  try {
    const fn = dispatch(endpoints, req.method, req.version);
    rlog.debug('bus request');
    reply = { result: await fn(req.context, req.args ?? {}) };
  } catch (err) {
    if (isClientError(err)) rlog.info({ err: errorToWire(err) }, 'bus method failed');
    else rlog.error({ err }, 'bus method failed');
    reply = { failure: errorToWire(err) };
  }
  if (req.replyTo === undefined) return;
  let body: string;
  try {
    body = encode({ id: req.id, ...reply }, `the reply to ${req.method}`);
  } catch (err) {
    rlog.error({ err }, 'bus method returned a value that cannot be sent');
    body = encode({ id: req.id, failure: errorToWire(err) }, 'an error reply');
  }
  const expiresAt = req.timeoutMs !== undefined ? receivedAt + req.timeoutMs : undefined;
  // Default exchange: routes to the caller's reply queue by name. Not mandatory: a caller that
  // has gone away (timed out, restarted) has nobody left to tell.
  await deps.transport.publish('', req.replyTo, body, { expiresAt }).catch((err: unknown) => {
    rlog.warn({ err }, 'could not send a bus reply');
  });
}
