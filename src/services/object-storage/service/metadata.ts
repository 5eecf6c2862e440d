// Metadata headers: X-{Account,Container,Object}-Meta-* and X-Remove-*-Meta-*, checked against
// Swift's constraints (constraints.py check_metadata) and merged into the stored header map.
// Header names are matched case-insensitively with '_' read as '-' (what WSGI does to them)
// and stored title-cased, as Swift returns them.
import { BadRequest, PreconditionFailed } from '../../../lib/errors.ts';
import type { Constraints } from '../config.ts';
import { plain } from './errors.ts';

export type HeaderMap = Record<string, string>;
export type Target = 'account' | 'container' | 'object';

/** Python's str.title() on a header name: x-object-meta-foo → X-Object-Meta-Foo. */
export function titleCase(name: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of name) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (prevCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    prevCased = cased;
  }
  return out;
}

/** Incoming headers with lower-case names, '_' as '-', one string value each. */
export function normalizeHeaders(raw: Record<string, string | string[] | undefined>): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase().replaceAll('_', '-')] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

// Node hands header values over latin1-decoded (one char per byte): length is the byte count.
const bytes = (s: string) => s.length;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** check_metadata: the request's metadata headers for `target`; throws Swift's 400s. */
export function checkMetadata(headers: HeaderMap, target: Target, c: Constraints): void {
  const prefix = `x-${target}-meta-`;
  let count = 0;
  let size = 0;
  for (const [key, value] of Object.entries(headers)) {
    if (bytes(value) > c.max_header_size) throw plain(new BadRequest(`Header value too long: ${titleCase(key).slice(0, c.max_meta_name_length)}`));
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (!name) throw plain(new BadRequest('Metadata name cannot be empty'));
    if ((target !== 'object') && (!validUtf8(name) || !validUtf8(value))) throw plain(new BadRequest('Metadata must be valid UTF-8'));
    count += 1;
    size += bytes(name) + bytes(value);
    // Swift names the header as swob holds it, title-cased, after the lower-case prefix
    if (bytes(name) > c.max_meta_name_length) throw plain(new BadRequest(`Metadata name too long: ${prefix}${titleCase(name)}`));
    if (bytes(value) > c.max_meta_value_length) throw plain(new BadRequest(`Metadata value longer than ${c.max_meta_value_length}: ${prefix}${titleCase(name)}`));
    if (count > c.max_meta_count) throw plain(new BadRequest(`Too many metadata items; max ${c.max_meta_count}`));
    if (size > c.max_meta_overall_size) throw plain(new BadRequest(`Total metadata too large; max ${c.max_meta_overall_size}`));
  }
}

/** Whether a latin1-decoded header string holds valid UTF-8 without NUL. */
function validUtf8(s: string): boolean {
  if (s.includes('\0')) return false;
  try { utf8.decode(Buffer.from(s, 'latin1')); return true; } catch { return false; }
}

/**
 * Applies set/remove metadata headers to a stored map (account and container POST/PUT):
 * `X-<T>-Meta-K: v` sets, an empty value or `X-Remove-<T>-Meta-K` removes. `extra` names other
 * headers handled the same way (e.g. x-container-read, x-versions-location).
 */
export function mergeMetadata(stored: HeaderMap, headers: HeaderMap, target: Target, extra: string[] = []): HeaderMap {
  const out = { ...stored };
  const prefix = `x-${target}-meta-`;
  const removePrefix = `x-remove-${target}-meta-`;
  const set = (key: string, value: string) => {
    const title = titleCase(key);
    if (value === '') delete out[title];
    else out[title] = value;
  };
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(prefix)) set(key, value);
    else if (key.startsWith(removePrefix)) set(prefix + key.slice(removePrefix.length), '');
    else if (extra.includes(key)) set(key, value);
    else if (key.startsWith('x-remove-') && extra.includes('x-' + key.slice('x-remove-'.length))) set('x-' + key.slice('x-remove-'.length), '');
  }
  return out;
}

/** Total bytes of stored metadata of a target, for the overall-size limit. */
export function metadataSize(stored: HeaderMap, target: Target): { count: number; size: number } {
  const prefix = `X-${titleCase(target)}-Meta-`;
  let count = 0;
  let size = 0;
  for (const [k, v] of Object.entries(stored)) {
    if (!k.startsWith(prefix)) continue;
    count += 1;
    size += bytes(k.slice(prefix.length)) + bytes(v);
  }
  return { count, size };
}

/** The stored metadata after an update must still fit (Swift's account/container servers check this). */
export function checkStoredMetadata(stored: HeaderMap, target: Target, c: Constraints): void {
  const { count, size } = metadataSize(stored, target);
  if (count > c.max_meta_count) throw plain(new BadRequest(`Too many metadata items; max ${c.max_meta_count}`));
  if (size > c.max_meta_overall_size) throw plain(new BadRequest(`Total metadata too large; max ${c.max_meta_overall_size}`));
}

/** A header value as text: Node hands header bytes over latin1-decoded; Swift reads them as UTF-8. */
export const headerText = (v: string): string => Buffer.from(v, 'latin1').toString('utf8');

/** A %-encoded path in a header (X-Copy-From, Destination, X-Object-Manifest) as text. */
export function headerPath(v: string): string {
  const text = headerText(v);
  try { return decodeURIComponent(text); } catch { return text; }
}

/** Parses "<container>/<object>" of X-Copy-From, Destination or X-Symlink-Target (412 otherwise). */
export function containerObjectPath(value: string, header: string): { container: string; name: string } {
  const text = headerPath(value).replace(/^\/+/, '');
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) {
    throw new PreconditionFailed(`${header} header must be of the form <container name>/<object name>`);
  }
  return { container: text.slice(0, slash), name: text.slice(slash + 1) };
}
