// Notifications as oslo.messaging sends them: a topic exchange, routing key
// `notifications.<priority>`, a message with message_id/event_type/publisher_id/priority/
// payload/timestamp. Priority filters are bindings (the broker filters); event type and
// publisher filters run here.

import type { Logger } from 'pino';
import type { RequestContext } from '../auth/context.ts';
import { CloudError } from '../errors.ts';
import type { Transport } from './transport.ts';
import type { Notification, NotificationFilter, Notifier, Priority, Stoppable } from './types.ts';
import { encode } from './wire.ts';

export interface NotificationDeps {
  transport: Transport;
  log: Logger;
  exchange: string;
  maxConcurrency: number;
  newId(): string;
}

const PRIORITIES: Priority[] = ['AUDIT', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SAMPLE'];

/** Python's str(datetime.utcnow()): 'YYYY-MM-DD HH:MM:SS.ffffff'. */
export function osloTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(d.getUTCMilliseconds() * 1000).padStart(6, '0')}`;
}

export function createNotifier(deps: NotificationDeps, publisherId: string): Notifier {
  const send = (priority: Priority) => async (ctx: RequestContext, eventType: string, payload: unknown): Promise<void> => {
    if (!eventType) throw new CloudError('a notification needs an event type');
    // The token stays behind: anyone on the exchange can read a notification.
    const { authToken: _token, ...context } = ctx;
    const n: Notification = {
      message_id: deps.newId(), publisher_id: publisherId, event_type: eventType, priority,
      payload, timestamp: osloTimestamp(new Date()), context,
    };
    await deps.transport.publish(deps.exchange, `notifications.${priority.toLowerCase()}`, encode(n, `notification ${eventType}`));
  };
  return {
    audit: send('AUDIT'), debug: send('DEBUG'), info: send('INFO'), warn: send('WARN'),
    error: send('ERROR'), critical: send('CRITICAL'), sample: send('SAMPLE'),
  };
}

/** The event-type test of a filter; see NotificationFilter.eventType. */
export function eventTypeMatcher(spec: string | RegExp | undefined): (eventType: string) => boolean {
  if (spec === undefined) return () => true;
  if (spec instanceof RegExp) return (t) => spec.test(t);
  if (spec.includes('*')) {
    const re = new RegExp(`^${spec.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return (t) => re.test(t);
  }
  return (t) => t === spec || t.startsWith(`${spec}.`);
}

function isNotification(v: unknown): v is Notification {
  const n = v as Notification;
  return typeof n === 'object' && n !== null && typeof n.event_type === 'string' && typeof n.priority === 'string'
    && typeof n.message_id === 'string';
}

export async function subscribe(
  deps: NotificationDeps, filter: NotificationFilter, handler: (n: Notification) => void | Promise<void>,
): Promise<Stoppable> {
  const priorities = filter.priority === undefined ? undefined : Array.isArray(filter.priority) ? filter.priority : [filter.priority];
  for (const p of priorities ?? []) {
    if (!PRIORITIES.includes(p)) throw new CloudError(`unknown notification priority ${JSON.stringify(p)}`);
  }
  if (filter.pool !== undefined && !/^[\w-]+$/.test(filter.pool)) throw new CloudError(`invalid notification pool ${JSON.stringify(filter.pool)}`);
  const keys = priorities ? priorities.map((p) => `notifications.${p.toLowerCase()}`) : ['notifications.*'];
  const matchesType = eventTypeMatcher(filter.eventType);
  const log = deps.log.child({ pool: filter.pool });
  const sub = await deps.transport.consume(
    {
      name: filter.pool !== undefined ? `notifications_pool_${filter.pool}` : `notifications_listener_${deps.newId()}`,
      exclusive: filter.pool === undefined,
      bindings: keys.map((routingKey) => ({ exchange: deps.exchange, routingKey })),
    },
    { prefetch: deps.maxConcurrency },
    async (d) => {
      let n: unknown;
      try {
        n = JSON.parse(d.body);
      } catch {
        n = undefined;
      }
      if (!isNotification(n)) {
        log.warn({ body: d.body.slice(0, 200) }, 'dropping a malformed notification');
        return;
      }
      if (!matchesType(n.event_type)) return;
      if (filter.publisherId !== undefined && n.publisher_id !== filter.publisherId) return;
      try {
        await handler(n);
      } catch (err) {
        log.error({ err, eventType: n.event_type, messageId: n.message_id }, 'notification handler failed');
      }
    },
  );
  return { stop: () => sub.cancel() };
}
