// Which request headers an object keeps (object server: user metadata plus its allowed_headers),
// and the checks Swift's check_object_creation and check_delete_headers make on them.
import { BadRequest, NotImplemented, PayloadTooLarge } from '../../../lib/errors.ts';
import { plain, SwiftStatus } from './errors.ts';
import type { Constraints } from '../config.ts';
import { checkMetadata, headerText, titleCase, type HeaderMap } from './metadata.ts';
import { guessContentType } from './mimetypes.ts';

/** Headers a PUT or POST may set on an object besides X-Object-Meta-* (object server allowed_headers). */
export const ALLOWED_HEADERS = ['content-disposition', 'content-encoding', 'x-object-manifest', 'cache-control',
  'content-language', 'expires', 'x-robots-tag'];

/** The metadata a PUT/POST stores: X-Object-Meta-* (empty values kept) and the allowed headers. */
export function objectMetadataFrom(headers: HeaderMap, base: HeaderMap = {}): HeaderMap {
  const out: HeaderMap = { ...base };
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith('x-object-meta-') || ALLOWED_HEADERS.includes(k)) out[titleCase(k)] = v;
  }
  for (const k of Object.keys(headers)) {
    if (k.startsWith('x-remove-object-meta-')) delete out[titleCase('x-object-meta-' + k.slice('x-remove-object-meta-'.length))];
  }
  return out;
}

/** X-Delete-At / X-Delete-After → the expiry time (seconds), null for none; Swift's 400s. */
export function deleteAtFrom(headers: HeaderMap, now: number): number | null {
  let at: number | undefined;
  if (headers['x-delete-after'] !== undefined) {
    const v = headers['x-delete-after'];
    if (!/^-?\d+$/.test(v.trim())) throw plain(new BadRequest('Non-integer X-Delete-After'));
    at = Math.floor(now + Number(v));
    if (at <= now) throw plain(new BadRequest('X-Delete-After in past'));
  } else if (headers['x-delete-at'] !== undefined && headers['x-delete-at'] !== '') {
    const v = headers['x-delete-at'];
    if (!/^-?\d+(\.\d+)?$/.test(v.trim())) throw plain(new BadRequest('Non-integer X-Delete-At'));
    at = Math.floor(Number(v));
    if (at <= now) throw plain(new BadRequest('X-Delete-At in past'));
  }
  return at ?? null;
}

/** check_object_creation: length, transfer encoding, name and metadata limits. */
export function checkObjectCreation(headers: HeaderMap, name: string, c: Constraints): void {
  const te = headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') throw new NotImplemented('');
  const cl = headers['content-length'];
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) throw plain(new BadRequest('Invalid Content-Length header value'));
    if (Number(cl) > c.max_file_size) throw plain(new PayloadTooLarge('Your request is too large.'));
  } else if (te === undefined) {
    throw plain(new SwiftStatus(411, 'Missing Content-Length header.'));
  }
  const len = Buffer.byteLength(name);
  if (len > c.max_object_name_length) throw plain(new BadRequest(`Object name length of ${len} longer than ${c.max_object_name_length}`));
  checkMetadata(headers, 'object', c);
}

/** The Content-Type to store: the client's, or guessed from the name (or X-Detect-Content-Type). */
export function contentTypeFor(headers: HeaderMap, name: string): string {
  const given = headers['content-type'];
  const detect = (headers['x-detect-content-type'] ?? '').toLowerCase() === 'true';
  if (!given || detect) return guessContentType(name);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(given, 'latin1'));
  } catch {
    throw plain(new BadRequest('Invalid Content-Type'));
  }
  return given;
}

/** X-Object-Manifest must be <container>/<prefix>, both non-empty, as Swift's dlo checks it. */
export function checkManifestHeader(headers: HeaderMap): void {
  const v = headers['x-object-manifest'];
  if (v === undefined) return;
  const text = headerText(v);
  const slash = text.indexOf('/');
  const prefix = text.slice(slash + 1);
  if (slash <= 0 || !prefix || prefix.startsWith('/') || /[?&]/.test(text)) throw new BadRequest('X-Object-Manifest must be in the format container/prefix');
}
