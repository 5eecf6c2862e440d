// Swift's ACL formats (swift/common/middleware/acl.py): container ACLs (X-Container-Read/Write,
// "v1": comma lists of project:user entries, role names, .r: referrers and .rlistings) and the
// account ACL (X-Account-Access-Control, "v2": JSON {"admin": [], "read-write": [], "read-only": []}).
import { BadRequest } from '../../../lib/errors.ts';
import { pyRepr } from './quote.ts';

/** Normalizes a container ACL header value; throws BadRequest on a malformed one (clean_acl). */
export function cleanAcl(header: string, value: string): string {
  const name = header.toLowerCase();
  const values: string[] = [];
  for (let raw of value.split(',')) {
    raw = raw.trim();
    if (!raw) continue;
    const colon = raw.indexOf(':');
    if (colon < 0) { values.push(raw); continue; }
    const first = raw.slice(0, colon).trim();
    let second = raw.slice(colon + 1).trim();
    if (!first || !first.startsWith('.')) { values.push(raw); continue; }
    if (!['.r', '.ref', '.referer', '.referrer'].includes(first)) {
      throw new BadRequest(`Unknown designator '${first}' in ACL: '${raw}'`);
    }
    if (name.includes('write')) throw new BadRequest(`Referrers not allowed in write ACL: '${raw}'`);
    let negate = false;
    if (second.startsWith('-')) { negate = true; second = second.slice(1).trim(); }
    if (second && second !== '*' && second.startsWith('*')) second = second.slice(1).trim();
    if (!second || second === '.') throw new BadRequest(`No host/domain value after referrer designation in ACL: '${raw}'`);
    values.push(`.r:${negate ? '-' : ''}${second}`);
  }
  return values.join(',');
}

export interface ParsedAcl { referrers: string[]; groups: string[] }

export function parseAcl(acl: string | undefined): ParsedAcl {
  const referrers: string[] = [];
  const groups: string[] = [];
  for (const value of acl ? acl.split(',') : []) {
    if (value.startsWith('.r:')) referrers.push(value.slice(3));
    else groups.push(safeDecode(value));
  }
  return { referrers, groups };
}

const safeDecode = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };

/** Whether the Referer header is let in by the .r: designations (referrer_allowed). */
export function referrerAllowed(referer: string | undefined, referrers: string[]): boolean {
  if (referrers.length === 0) return false;
  let rhost = 'unknown';
  try { rhost = new URL(referer ?? '').hostname || 'unknown'; } catch { /* not a URL */ }
  let allow = false;
  for (let m of referrers) {
    if (m.startsWith('-')) {
      m = m.slice(1);
      if (m === rhost || (m.startsWith('.') && rhost.endsWith(m))) allow = false;
    } else if (m === '*' || m === rhost || (m.startsWith('.') && rhost.endsWith(m))) {
      allow = true;
    }
  }
  return allow;
}

export interface AccountAcl { admin: string[]; 'read-write': string[]; 'read-only': string[] }
const ACCOUNT_ACL_KEYS = ['admin', 'read-write', 'read-only'] as const;

/** Validates an X-Account-Access-Control value as tempauth does; returns it re-serialized. */
export function cleanAccountAcl(value: string): string {
  let parsed: unknown;
  try { parsed = JSON.parse(value); } catch { parsed = undefined; }
  // tempauth's answer: its own text/plain body around the first problem found
  const invalid = (problem: string) => {
    const err = new BadRequest(`X-Account-Access-Control invalid: ${problem}\n\nInput: ${value}\n`);
    err.headers = { 'Content-Type': 'text/plain; charset=UTF-8' };
    return err;
  };
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid(`Syntax error in input (${pyRepr(value)})`);
  const acl = parsed as Record<string, unknown>;
  for (const key of Object.keys(acl)) {
    if (!(ACCOUNT_ACL_KEYS as readonly string[]).includes(key)) throw invalid(`Key ${asciiJson(key)} not recognized`);
  }
  const out: Record<string, string[]> = {};
  for (const key of ACCOUNT_ACL_KEYS) {
    const list = acl[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw invalid(`Value for key ${asciiJson(key)} must be a list`);
    if (list.some((v) => typeof v !== 'string')) throw invalid(`Elements of ${asciiJson(key)} list must be strings`);
    out[key] = list as string[];
  }
  return asciiJson(Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1))));
}

export function parseAccountAcl(value: string | undefined): AccountAcl | undefined {
  if (!value) return undefined;
  try {
    const acl = JSON.parse(value) as Partial<AccountAcl>;
    const out = { admin: acl.admin ?? [], 'read-write': acl['read-write'] ?? [], 'read-only': acl['read-only'] ?? [] };
    return out.admin.length + out['read-write'].length + out['read-only'].length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

/** JSON with non-ASCII escaped, as Python's json.dumps(ensure_ascii=True) writes it. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
