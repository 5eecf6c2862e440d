// /v3/OS-OAUTH1/consumers: OAuth 1.0a consumer management (the token flow itself is not served).
import type { IdentityDeps } from '../deps.ts';
import { BadRequest } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { createConsumer, deleteConsumer, getConsumer, listConsumers, updateConsumer, type Consumer } from '../service/consumers.ts';
import { collection, links, splitExtra } from './common.ts';
import { normalizeKeys, requireMatchingId } from './regions.ts';

const KNOWN = ['id', 'description', 'secret'];

/** The secret is part of the answer only when the consumer is created. */
export function renderConsumer(req: ApiRequest, c: Consumer, withSecret = false) {
  return { ...c.extra, id: c.id, description: c.description, ...(withSecret ? { secret: c.secret } : {}), links: links(req, `OS-OAUTH1/consumers/${c.id}`) };
}

/** Keystone reads this body leniently (get_json(silent=True) or {}), then validates it. */
function consumerBody(req: ApiRequest): Record<string, any> {
  const body = req.body as Record<string, unknown> | undefined;
  const c = body && typeof body === 'object' ? body.consumer ?? {} : {};
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new BadRequest("Invalid input for field 'consumer': not an object.");
  const d = (c as Record<string, unknown>).description;
  if (d !== undefined && d !== null && typeof d !== 'string') throw new BadRequest(`Invalid input for field 'description': ${JSON.stringify(d)} is not of type 'string', 'null'.`);
  return c as Record<string, any>;
}

export function consumerRoutes({ db }: IdentityDeps): Route[] {
  return [
    {
      method: 'POST', path: '/v3/OS-OAUTH1/consumers', policy: 'identity:create_consumer',
      handler: async (req) => {
        const b = normalizeKeys(consumerBody(req));
        const c = await createConsumer(db, { description: b.description as string | null | undefined, extra: splitExtra(b, KNOWN) });
        return reply(201, { consumer: renderConsumer(req, c, true) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/OS-OAUTH1/consumers', policy: 'identity:list_consumers',
      handler: async (req) => collection(req, 'consumers', (await listConsumers(db)).map((c) => renderConsumer(req, c))),
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/OS-OAUTH1/consumers/:consumer_id', policy: 'identity:get_consumer',
      handler: async (req) => ({ consumer: renderConsumer(req, await getConsumer(db, req.params.consumer_id!)) }),
    },
    {
      method: 'PATCH', path: '/v3/OS-OAUTH1/consumers/:consumer_id', policy: 'identity:update_consumer',
      handler: async (req) => {
        const b = consumerBody(req);
        if (!Object.keys(b).length) throw new BadRequest("Invalid input for field 'consumer': {} does not have enough properties.");
        if ('secret' in b) throw new BadRequest("Invalid input for field 'consumer': the secret cannot be changed.");
        const n = normalizeKeys(b);
        requireMatchingId(n, req.params.consumer_id);
        const c = await updateConsumer(db, req.params.consumer_id!, { description: n.description as string | null | undefined, extra: splitExtra(n, KNOWN) });
        return { consumer: renderConsumer(req, c) };
      },
    },
    {
      method: 'DELETE', path: '/v3/OS-OAUTH1/consumers/:consumer_id', policy: 'identity:delete_consumer',
      handler: async (req) => { await deleteConsumer(db, req.params.consumer_id!); },
    },
  ];
}
