// Listing bodies as Swift's listing_formats middleware writes them: JSON as Python's json.dumps
// (", " and ": " separators, non-ASCII escaped), XML as ElementTree, plain text one name a line.
import { BadRequest, NotAcceptable, PreconditionFailed } from '../../../lib/errors.ts';
import { bestMatch, MalformedAccept } from './accept.ts';
import type { HeaderMap } from './metadata.ts';
import { isoOfTs } from './timestamp.ts';

const FORMATS: Record<string, string> = { plain: 'text/plain', json: 'application/json', xml: 'application/xml' };
const CANDIDATES = ['text/plain', 'application/json', 'application/xml', 'text/xml'];

/**
 * The listing content type from ?format= or the Accept header (Swift's listing_formats): a
 * malformed Accept is a 400, one that accepts none of the listing types a 406.
 */
export function listingContentType(query: URLSearchParams, headers: HeaderMap): string {
  let best: string | undefined;
  try {
    best = bestMatch(requestedType(query, headers), CANDIDATES);
  } catch (err) {
    if (err instanceof MalformedAccept) throw new BadRequest('Invalid Accept header');
    throw err;
  }
  if (!best) throw new NotAcceptable('');
  return best;
}

/** ?format= as the media type it stands for, else the Accept header. */
function requestedType(query: URLSearchParams, headers: HeaderMap): string | undefined {
  const format = query.get('format');
  return format ? FORMATS[format.toLowerCase()] ?? 'text/plain' : headers['accept'];
}

/** Whether a listing the client asked for may be JSON (after listingContentType accepted the request). */
export const acceptsJson = (query: URLSearchParams, headers: HeaderMap) => bestMatch(requestedType(query, headers), ['application/json']) !== undefined;

const TRUE = new Set(['true', '1', 'yes', 'on', 't', 'y']);
export const truthy = (v: string | null | undefined) => v !== null && v !== undefined && TRUE.has(v.toLowerCase());

export interface ListingQuery {
  limit: number;
  marker?: string;
  endMarker?: string;
  prefix?: string;
  delimiter?: string;
  path?: string;
  reverse: boolean;
}

export function listingQuery(query: URLSearchParams, notUtf8: ReadonlySet<string>, maxLimit: number, allowPath: boolean): ListingQuery {
  let limit = maxLimit;
  const given = query.get('limit');
  if (given && /^\d+$/.test(given)) {
    limit = Number(given);
    if (limit > maxLimit) throw new PreconditionFailed(`Maximum limit is ${maxLimit}`);
  }
  // any string delimits, as in Swift 2.30 (older Swifts took one character only)
  const delimiter = query.get('delimiter') || undefined;
  // Bytes that are not UTF-8 are refused as in Swift 2.30. NUL it takes as a character, but
  // PostgreSQL cannot compare text holding NUL: refused as older Swifts did (no name holds one).
  for (const k of ['marker', 'end_marker', 'prefix', 'delimiter', 'path', 'format', 'reverse']) {
    if (notUtf8.has(k)) throw new BadRequest(`"${k}" parameter not valid UTF-8`);
    if (query.get(k)?.includes('\0')) throw new PreconditionFailed(`"${k}" parameter not valid UTF-8`);
  }
  return {
    limit,
    marker: query.get('marker') || undefined,
    endMarker: query.get('end_marker') || undefined,
    prefix: query.get('prefix') ?? undefined,
    delimiter,
    path: allowPath && query.has('path') ? query.get('path')! : undefined,
    reverse: truthy(query.get('reverse')),
  };
}

const NON_ASCII = /[\u0080-\uffff]/;
const esc = (s: string) => (NON_ASCII.test(s) ? s.replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) : s);
/** A JSON string literal as Python writes it (non-ASCII escaped). */
export const pyString = (s: string) => esc(JSON.stringify(s));
/** One flat record as Python's json.dumps writes it. */
export const pyRecord = (r: Record<string, string | number | boolean>) =>
  '{' + Object.entries(r).map(([k, v]) => `${JSON.stringify(k)}: ${esc(JSON.stringify(v))}`).join(', ') + '}';
export const pyList = (records: Array<Record<string, string | number | boolean>>) => '[' + records.map(pyRecord).join(', ') + ']';

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xmlAttr = (s: string) => xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#09;');
export const xmlDecl = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A listing record (or {subdir}) rendered as Swift renders it in `contentType`. */
export interface Rendered { body: string; empty: boolean }

export function renderAccountListing(contentType: string, account: string, records: Array<Record<string, any>>): Rendered {
  if (contentType === 'application/json') return { body: pyList(records), empty: false };
  if (contentType.endsWith('/xml')) {
    let out = `${xmlDecl}<account name="${xmlAttr(account)}">\n`;
    for (const r of records) {
      if ('subdir' in r) out += `<subdir name="${xmlAttr(r.subdir)}" />\n`;
      else {
        out += '<container>';
        for (const f of ['name', 'count', 'bytes', 'last_modified', 'storage_policy']) if (f in r) out += `<${f}>${xmlText(String(r[f]))}</${f}>`;
        out += '</container>\n';
      }
    }
    return { body: out + '</account>', empty: false };
  }
  const body = records.map((r) => (r.subdir ?? r.name) + '\n').join('');
  return { body, empty: body === '' };
}

export function renderContainerListing(contentType: string, container: string, records: Array<Record<string, any>>): Rendered {
  if (contentType === 'application/json') return { body: pyList(records), empty: false };
  if (contentType.endsWith('/xml')) {
    let out = `${xmlDecl}<container name="${xmlAttr(container)}">`;
    for (const r of records) {
      if ('subdir' in r) out += `<subdir name="${xmlAttr(r.subdir)}"><name>${xmlText(r.subdir)}</name></subdir>`;
      else {
        out += '<object>';
        for (const f of ['name', 'hash', 'bytes', 'content_type', 'last_modified']) out += `<${f}>${xmlText(String(r[f]))}</${f}>`;
        out += '</object>';
      }
    }
    return { body: out + '</container>', empty: false };
  }
  const body = records.map((r) => (r.subdir ?? r.name) + '\n').join('');
  return { body, empty: body === '' };
}

/** Swift's listing record of an object; SLO manifests report their total size (swift_bytes). */
export function objectRecord(o: { name: string; ts: string; size: number; etag: string; content_type: string }, iso: (ts: string) => string = isoOfTs): Record<string, string | number> {
  let contentType = o.content_type;
  let bytes = o.size;
  if (contentType.includes('swift_bytes=')) {
    const m = /;\s*swift_bytes=(\d+)/.exec(contentType);
    if (m) { bytes = Number(m[1]); contentType = contentType.replace(/;\s*swift_bytes=\d+/, ''); }
  }
  return { bytes, hash: o.etag, name: o.name, content_type: contentType, last_modified: iso(o.ts) };
}
