// Helpers shared by identity's route tables: Keystone's links, collections, filters and the
// JSON-schema fragments its request validation uses.
import { BadRequest } from '../../../lib/errors.ts';
import type { ApiRequest } from '../../../lib/http/routes.ts';
import { fromDbJson } from '../../../lib/db/values.ts';

/** `{self: <base>/v3/<path>}` */
export const links = (req: ApiRequest, path: string) => ({ self: `${req.baseUrl}/v3/${path}` });

/** A Keystone list body: `{<key>: [...], links: {self, previous: null, next: null}}`. */
export function collection(req: ApiRequest, key: string, items: unknown[]): Record<string, unknown> {
  const url = req.raw.url.split('?')[0]!;
  const qs = req.raw.url.includes('?') ? '?' + req.raw.url.split('?')[1] : '';
  return { [key]: items, links: { self: `${req.baseUrl}${url.slice(url.indexOf('/v3'))}${qs}`, previous: null, next: null } };
}

/** A boolean query filter as Keystone reads them ('true', 'True', '1', 'false', '0'…). */
export function boolFilter(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  const s = String(value).toLowerCase();
  if (['0', 'false', 'no', 'off', 'n', 'f'].includes(s)) return false;
  return true;
}

/** Keystone keeps unknown properties of an entity in `extra` and shows them at top level. */
export function splitExtra(body: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!known.includes(k)) extra[k] = v;
  return extra;
}
export const readExtra = (text: unknown): Record<string, unknown> => fromDbJson<Record<string, unknown>>(text) ?? {};

/** Body must be an object holding `key` as an object (`{"domain": {...}}`). */
export function entity<T = Record<string, unknown>>(req: ApiRequest, key: string): T {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[key];
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest(`Invalid input for field '${key}': required object is missing.`);
  return value as T;
}

// JSON-schema fragments (Keystone's keystone/common/validation/parameter_types.py).
export const s = {
  name: { type: 'string', minLength: 1, maxLength: 255, pattern: '[\\S]+' },
  name64: { type: 'string', minLength: 1, maxLength: 64, pattern: '[\\S]+' },
  id: { type: 'string', minLength: 1, maxLength: 64 },
  idOrNull: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
  description: { type: ['string', 'null'] },
  enabled: { type: 'boolean' },
  tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^,/]*$' }, maxItems: 80, uniqueItems: true },
  url: { type: 'string', minLength: 0, maxLength: 225 },
} as const;

/** `{type: object, properties: {<key>: schema}, required: [key]}` */
export const wrap = (key: string, schema: object) => ({ type: 'object', properties: { [key]: schema }, required: [key] });
