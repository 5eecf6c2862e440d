// The public shape of the message bus (what services see). Semantics follow oslo.messaging:
// RPC call/cast/fanout to a topic (optionally one server of it), versioned endpoints, and
// notifications with oslo's message fields.

import type { Logger } from 'pino';
import type { connect as amqpConnect } from 'amqplib';
import type { RequestContext } from '../auth/context.ts';
import type { CloudErrorClass } from './errors.ts';
import type { InprocBroker } from './inproc-broker.ts';

/** Where a call or cast goes: one server of `topic` (round-robin), or `topic.server`. */
export interface Target {
  topic: string;
  /** A server of the topic, e.g. a host name. Without it the topic's servers take turns. */
  server?: string;
  /** The RPC API version the caller needs, 'X.Y'. Absent means '1.0' (as oslo). */
  version?: string;
}

export interface ServeTarget { topic: string; server?: string }

export type RpcMethod = (ctx: RequestContext, args: any) => unknown;

/** A versioned set of methods. A server may serve several (e.g. 5.x and 6.x during an upgrade). */
export interface Endpoint {
  /** 'X.Y': accepts calls for X.0 … X.Y. */
  version: string;
  methods: Record<string, RpcMethod>;
}

export interface Stoppable { stop(): Promise<void> }

export interface CallOptions { timeoutMs?: number }

export type Priority = 'AUDIT' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'SAMPLE';

/** A notification as oslo.messaging sends it (same field names), plus the sender's context. */
export interface Notification {
  message_id: string;
  event_type: string;
  publisher_id: string;
  priority: Priority;
  payload: any;
  /** UTC, 'YYYY-MM-DD HH:MM:SS.ffffff' (Python's str(datetime)). */
  timestamp: string;
  /** The sender's request context without its token: notifications are broadcast. */
  context?: Omit<RequestContext, 'authToken'>;
}

export type NotifyFn = (ctx: RequestContext, eventType: string, payload: unknown) => Promise<void>;

export interface Notifier {
  audit: NotifyFn; debug: NotifyFn; info: NotifyFn; warn: NotifyFn;
  error: NotifyFn; critical: NotifyFn; sample: NotifyFn;
}

export interface NotificationFilter {
  /**
   * A string with '*' is a glob ('*' matches any run of characters, dots included:
   * 'compute.instance.*' matches 'compute.instance.create.end'). Without '*' it is a prefix
   * on dot boundaries: 'compute.instance' matches itself and 'compute.instance.…'.
   */
  eventType?: string | RegExp;
  priority?: Priority | Priority[];
  publisherId?: string;
  /**
   * Subscribers with the same pool share the notifications (each goes to one of them), as
   * oslo's listener pools. Without a pool every subscriber gets every matching notification.
   * Members of one pool must use the same filter.
   */
  pool?: string;
}

export interface Bus {
  /** Which transport carries the messages. */
  readonly transport: 'inproc' | 'rabbit';
  serve(target: ServeTarget, endpoints: Endpoint | Endpoint[]): Promise<Stoppable>;
  call<T = unknown>(ctx: RequestContext, target: Target, method: string, args?: object, opts?: CallOptions): Promise<T>;
  /** Fire and forget to one server. Rejects (ServiceUnavailable) only if nobody serves the topic. */
  cast(ctx: RequestContext, target: Target, method: string, args?: object): Promise<void>;
  /** To every server of the topic; nobody listening is not an error. */
  fanout(ctx: RequestContext, target: string | { topic: string; version?: string }, method: string, args?: object): Promise<void>;
  notifier(publisherId: string): Notifier;
  onNotification(filter: NotificationFilter, handler: (n: Notification) => void | Promise<void>): Promise<Stoppable>;
  /** Stops serving (waiting for handlers in flight), fails pending calls, disconnects. */
  close(): Promise<void>;
}

export interface BusOptions {
  log?: Logger;
  /** Per-call default, 60 s as oslo's rpc_response_timeout. */
  defaultTimeoutMs?: number;
  /** RPC exchange (oslo's control_exchange); fanout uses `<exchange>_fanout`. Default 'stratus'. */
  exchange?: string;
  /** Topic exchange notifications go to, routing key `notifications.<priority>`. Default 'notifications'. */
  notificationExchange?: string;
  /** Shared queues nobody consumes are deleted after this long (rabbit x-expires). Default 30 min. */
  queueExpiryMs?: number;
  /** Messages a server handles at once per queue (prefetch). Default 64, as oslo's executor pool. */
  maxConcurrency?: number;
  /** How long a publish waits for a lost broker connection to come back. Default 10 s. */
  publishWaitMs?: number;
  /** How long close()/stop() wait for handlers in flight. Default 30 s. */
  drainTimeoutMs?: number;
  /** A service's own CloudError subclasses, by code, so callers get them back (else CloudError). */
  remoteErrors?: Record<string, CloudErrorClass>;
  /** inproc: the broker to share with other buses of this process (default: a private one). */
  inprocBroker?: InprocBroker;
  /** rabbit: connection name shown by the broker (rabbitmqctl list_connections client_properties). */
  connectionName?: string;
  /** rabbit: amqplib's connect, replaceable (tests wrap it to reach the socket). */
  amqpConnect?: typeof amqpConnect;
}
