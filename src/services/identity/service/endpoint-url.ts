// Endpoint URL templates as Keystone reads them: `$(project_id)s` or `%(project_id)s` is
// substituted with Python's `%` operator against a whitelist of names. We emulate that operator
// closely enough that the same URLs are accepted, substituted and rejected as in Keystone
// (keystone/common/utils.py: format_url, check_endpoint_url).
import { BadRequest } from '../../../lib/errors.ts';

/** The only names an endpoint URL may refer to (Keystone's WHITELISTED_PROPERTIES). */
export const URL_SUBSTITUTIONS = [
  'tenant_id', 'project_id', 'user_id', 'public_bind_host', 'admin_bind_host',
  'compute_host', 'admin_port', 'public_port', 'public_endpoint',
] as const;

/** Why Python's `%` would have raised: KeyError (unknown name), TypeError or ValueError. */
export class UrlFormatError extends Error {
  readonly kind: 'key' | 'type' | 'value';
  readonly key?: string;
  constructor(kind: 'key' | 'type' | 'value', message: string, key?: string) {
    super(message);
    this.kind = kind; this.key = key;
  }
}

const CONVERSIONS = 'diouxXeEfFgGcrsa%';

/** Applies width/precision/'-' flag the way %s does for a string argument. */
function pad(value: string, flags: string, width: string | undefined, precision: string | undefined): string {
  let s = precision !== undefined ? value.slice(0, Number(precision)) : value;
  const w = width ? Number(width) : 0;
  if (s.length < w) s = flags.includes('-') ? s.padEnd(w) : s.padStart(w);
  return s;
}

/** Python's repr() of a str, for %r/%a. */
const pyRepr = (s: string) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`);

/**
 * `template % mapping` in Python, where `lookup(name)` returns undefined for a missing key.
 * Throws UrlFormatError where Python would raise.
 */
export function pyFormat(template: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const at = template.indexOf('%', i);
    if (at < 0) { out += template.slice(i); break; }
    out += template.slice(i, at);
    let j = at + 1;
    let key: string | undefined;
    if (template[j] === '(') {
      // Python counts nested parentheses inside the mapping key.
      let depth = 1;
      const start = ++j;
      while (j < template.length && depth > 0) {
        if (template[j] === '(') depth++;
        else if (template[j] === ')') depth--;
        j++;
      }
      if (depth > 0) throw new UrlFormatError('value', 'incomplete format key');
      key = template.slice(start, j - 1);
    }
    const spec = /^([#0\- +]*)(\*|\d+)?(?:\.(\*|\d+)?)?[hlL]?/.exec(template.slice(j))!;
    j += spec[0].length;
    const [, flags = '', width, precision] = spec;
    if (j >= template.length) throw new UrlFormatError('value', 'incomplete format');
    const conv = template[j]!;
    if (!CONVERSIONS.includes(conv)) throw new UrlFormatError('value', `unsupported format character '${conv}'`);
    i = j + 1;
    if (conv === '%' && key === undefined) { out += '%'; continue; }
    if (width === '*' || precision === '*') throw new UrlFormatError('type', '* wants int');
    // An unkeyed conversion with a mapping argument is not something a URL template means.
    if (key === undefined) throw new UrlFormatError('type', 'format requires a mapping');
    const value = lookup(key);
    if (value === undefined) throw new UrlFormatError('key', `KeyError: '${key}'`, key);
    if (conv === 's') out += pad(value, flags, width, precision);
    else if (conv === 'r' || conv === 'a') out += pad(pyRepr(value), flags, width, precision);
    else if (conv === '%') out += '%';
    else if (conv === 'c' && value.length === 1) out += pad(value, flags, width, undefined);
    else throw new UrlFormatError('type', `%${conv} format: a number is required, not str`);
  }
  return out;
}

/** Keystone's check_endpoint_url: 400 unless every `$(name)s` is whitelisted and well formed. */
export function checkEndpointUrl(url: string): void {
  try {
    pyFormat(url.replaceAll('$(', '%('), (name) => ((URL_SUBSTITUTIONS as readonly string[]).includes(name) ? '' : undefined));
  } catch (err) {
    if (err instanceof UrlFormatError) throw new BadRequest(`Cannot create an endpoint with an invalid URL: ${url}.`);
    throw err;
  }
}

/**
 * Keystone's format_url for the catalog: the substituted URL, or null when the endpoint is to
 * be left out — silently when it needs one of `silent` (a project id in an unscoped catalog),
 * or as a malformed endpoint (Keystone logs it and leaves it out too; `onMalformed` is told).
 */
export function formatEndpointUrl(url: string, values: Record<string, string | undefined>, silent: readonly string[],
  onMalformed?: (url: string, why: string) => void): string | null {
  try {
    return pyFormat(url.replaceAll('$(', '%('), (name) => ((URL_SUBSTITUTIONS as readonly string[]).includes(name) ? values[name] : undefined));
  } catch (err) {
    if (!(err instanceof UrlFormatError)) throw err;
    if (!(err.kind === 'key' && err.key !== undefined && silent.includes(err.key))) onMalformed?.(url, err.message);
    return null;
  }
}
