// What the RPC and notification layers need from a transport: AMQP 0-9-1's model, reduced.
// Topic exchanges route to queues by routing key; the default exchange '' routes to the queue
// named by the key. The inproc broker implements the same model so both transports behave alike.

export interface Binding { exchange: string; routingKey: string }

export interface QueueSpec {
  name: string;
  /**
   * true: private to this bus, deleted when its consumer stops or the connection goes.
   * false: shared by every consumer (they take turns) and kept, messages included, while
   * nobody consumes, until it expires.
   */
  exclusive: boolean;
  bindings: Binding[];
}

export interface Delivery {
  body: string;
  /** The broker delivered it before to a consumer that never acknowledged it. */
  redelivered: boolean;
}

/** Resolves `false` to give the message back (requeue) instead of acknowledging it. */
export type DeliveryHandler = (d: Delivery) => Promise<boolean | void>;

export interface ConsumeOptions {
  /** Deliveries handled at once; 0 = no limit. */
  prefetch: number;
}

export interface Subscription {
  /** Stop new deliveries; handlers in flight go on. */
  stopConsuming(): Promise<void>;
  /** Stop new deliveries, then wait (bounded) for the handlers in flight, then let go. */
  cancel(): Promise<void>;
}

export interface PublishOptions {
  /** Fail with ServiceUnavailable when no queue takes the message. */
  mandatory?: boolean;
  /** Epoch ms after which the message is worthless: dropped unseen (AMQP expiration). */
  expiresAt?: number;
}

export interface Transport {
  readonly kind: 'inproc' | 'rabbit';
  /**
   * Declare the queue and its bindings and consume it. The handler's promise settling
   * acknowledges the delivery, unless it resolves `false`: then the message goes back to the
   * queue for another consumer. Re-established by the transport after a reconnect.
   */
  consume(queue: QueueSpec, opts: ConsumeOptions, handler: DeliveryHandler): Promise<Subscription>;
  /** Resolves once the broker has taken the message (routed, if mandatory). */
  publish(exchange: string, routingKey: string, body: string, opts?: PublishOptions): Promise<void>;
  /** Called when the broker connection is lost (never for inproc). */
  onConnectionLost(listener: (err: Error) => void): void;
  close(): Promise<void>;
}

/** AMQP topic matching: words split by '.', '*' matches one word, '#' zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('#')) return pattern === key;
  const match = (p: string[], k: string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    const [head, ...rest] = p;
    if (head === '#') return match(rest, k) || (k.length > 0 && match(p, k.slice(1)));
    if (k.length === 0) return false;
    return (head === '*' || head === k[0]) && match(rest, k.slice(1));
  };
  return match(pattern.split('.'), key.split('.'));
}

/** Wait for in-flight handlers, at most `ms`; says whether they all finished. */
export async function drain(inFlight: Set<Promise<unknown>>, ms: number): Promise<boolean> {
  if (inFlight.size === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([Promise.allSettled([...inFlight]).then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
