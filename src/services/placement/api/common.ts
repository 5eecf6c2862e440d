// Helpers shared by placement's route tables: microversion gates, JSON bodies and query strings
// checked against the microversion's schema, and the 1.15+ caching headers.
import { MethodNotAllowed, NotFound, UnsupportedMediaType } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Reply } from '../../../lib/http/routes.ts';
import type { Microversion } from '../../../lib/http/microversion.ts';
import { badRequest } from '../errors.ts';
import { validate, type Schema } from './json-schema.ts';

export const mv = (req: ApiRequest): Microversion => req.microversion!;
export const atLeast = (req: ApiRequest, v: string): boolean => mv(req).gte(v);

/** Routes that appeared in a microversion answer 404 (or 405 where upstream says so) below it. */
export function since(req: ApiRequest, v: string, status: 404 | 405 = 404): void {
  if (atLeast(req, v)) return;
  throw status === 404 ? new NotFound('The resource could not be found.') : new MethodNotAllowed('The method specified is not allowed for this resource.');
}

/** The JSON body, required to be application/json and to match `schema` (placement's extract_json). */
export function jsonBody<T = any>(req: ApiRequest, schema: Schema): T {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new UnsupportedMediaType(`The media type ${type || 'None'} is not supported, use application/json`);
  }
  if (req.body === undefined) throw badRequest('Malformed JSON: Expecting value: line 1 column 1 (char 0)');
  const err = validate(req.body, schema);
  if (err) throw badRequest(`JSON does not validate: ${err}`);
  return req.body as T;
}

/** Query parameter values as a list (repeated keys give several). */
export function all(req: ApiRequest, key: string): string[] {
  const v = req.query[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}
export const has = (req: ApiRequest, key: string): boolean => req.query[key] !== undefined;
/** The last value of a repeated key, as webob's MultiDict.__getitem__... gives the last one. */
export const last = (req: ApiRequest, key: string): string | undefined => all(req, key).at(-1);

/** Validates the query string as placement does: `dict(req.GET)` (last value per key) against the schema. */
export function checkQuery(req: ApiRequest, schema: Schema): void {
  const flat: Record<string, string> = {};
  for (const key of Object.keys(req.query)) flat[key] = last(req, key)!;
  const err = validate(flat, schema);
  if (err) throw badRequest(`Invalid query string parameters: ${err}`);
}

/** 200 JSON with Cache-Control/Last-Modified from 1.15. */
export function ok(req: ApiRequest, body: unknown, lastModified?: string | Date, status = 200): Reply {
  return reply(status, body, cacheHeaders(req, lastModified));
}

export function cacheHeaders(req: ApiRequest, lastModified?: string | Date): Record<string, string> {
  if (!atLeast(req, '1.15')) return {};
  const when = lastModified ? new Date(lastModified) : new Date();
  return { 'cache-control': 'no-cache', 'last-modified': when.toUTCString() };
}

/** The latest of some timestamps (placement's pick_last_modified). */
export function latest(times: Iterable<string | undefined>): string | undefined {
  let best: string | undefined;
  for (const t of times) if (t && (!best || t > best)) best = t;
  return best;
}

/**
 * Placement's body links are relative to its mount point (it avoids knowing its public URL);
 * Location headers are absolute (webob makes them so), which clients such as osc-placement follow.
 */
export const prefixPath = (req: ApiRequest): string => new URL(req.baseUrl).pathname.replace(/\/$/, '');
