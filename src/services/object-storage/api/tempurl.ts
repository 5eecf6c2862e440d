// TempURL (tempurl middleware): ?temp_url_sig=…&temp_url_expires=…[&temp_url_prefix=…]
// authorizes one method on one object (or a prefix) without a token until the expiry time.
import { Unauthorized, BadRequest } from '../../../lib/errors.ts';
import * as store from '../db/store.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { digestAndSignature, hmacHex, sameHex, tempUrlKeys } from '../service/signatures.ts';
import { pyQuote } from '../service/quote.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';

export interface TempUrlGrant { expires: number; filename?: string; inline: boolean }

const invalid = (req: SwiftRequest) => new Unauthorized(req.method === 'HEAD' ? '' : '401 Unauthorized: Temp URL invalid\n');

export const hasTempUrl = (req: SwiftRequest) => req.query.has('temp_url_sig') || req.query.has('temp_url_expires');

function expiresOf(value: string | null, now: number): number {
  if (!value) return 0;
  let t: number;
  if (/^\d+$/.test(value)) t = Number(value);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value)) t = Date.parse(value) / 1000;
  else return 0;
  return t < now ? 0 : t;
}

const PASSED_ON = new Set(['temp_url_sig', 'temp_url_expires', 'temp_url_prefix', 'filename']);

/** Validates the signature; on success the request runs without a token (authOverride). */
export async function checkTempUrl(deps: SwiftDeps, req: SwiftRequest): Promise<TempUrlGrant> {
  if (req.method === 'OPTIONS') throw invalid(req);
  const q = req.query;
  const sigParam = q.get('temp_url_sig');
  const expires = expiresOf(q.get('temp_url_expires'), deps.now());
  if (!sigParam || !expires) throw invalid(req);
  const sig = digestAndSignature(sigParam);
  const allowed = deps.config.list('object_storage.allowed_digests') ?? [];
  if (!sig || !allowed.includes(sig.algo)) throw invalid(req);
  const methods = deps.config.list('object_storage.tempurl_methods') ?? [];
  const prefix = q.has('temp_url_prefix') ? q.get('temp_url_prefix')! : undefined;
  const containerRoot = ['GET', 'HEAD'].includes(req.method) && prefix === '';
  if (!methods.includes(req.method) || req.version !== 'v1' || !req.account || !req.container) throw invalid(req);
  const obj = req.object ?? '';
  if (!containerRoot && !obj.replace(/\/+$/, '')) throw invalid(req);
  if (q.has('temp_url_ip_range')) {
    // the client address is not trusted behind proxies here; an IP-restricted URL is refused
    throw invalid(req);
  }
  const account = await store.getAccount(deps.db, req.account);
  const container = await store.getContainer(deps.db, req.account, req.container);
  const keys = tempUrlKeys(account?.headers, container?.headers);
  if (keys.length === 0) throw invalid(req);
  let paths: string[];
  const base = `/v1/${req.account}/${req.container}/`;
  if (prefix === undefined) paths = [base + obj];
  else {
    if (!obj.startsWith(prefix)) throw invalid(req);
    paths = [`prefix:${base}${prefix}`];
  }
  // clients that sign the full endpoint path include the service prefix (/object-store/v1/…)
  paths = paths.flatMap((p) => [p, p.startsWith('prefix:') ? `prefix:${req.prefix}${p.slice(7)}` : req.prefix + p]);
  const methodsToTry = req.method === 'HEAD' ? ['HEAD', 'GET', 'POST', 'PUT'] : [req.method];
  const match = keys.find(({ key }) => methodsToTry.some((m) => paths.some((p) => sameHex(hmacHex(sig.algo, key, `${m}\n${q.get('temp_url_expires')}\n${p}`), sig.hex))));
  if (!match) throw invalid(req);
  req.tempUrlScope = match.scope;
  if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
    // Swift's DISALLOWED_INCOMING_HEADERS: none may point a signed write at data the URL does not reach
    for (const h of ['x-object-manifest', 'x-symlink-target', 'x-copy-from']) {
      if (req.headers[h] !== undefined) throw new BadRequest(`The header '${h.replace(/(^|-)(\w)/g, (_m, d, c) => d + c.toUpperCase())}' is not allowed in this tempurl`);
    }
  }
  delete req.headers['x-timestamp'];
  const grant = { expires, filename: q.get('filename') ?? undefined, inline: q.has('inline') };
  // Swift's tempurl hands on only its own parameters: a TempURL cannot ask for a manifest
  // (multipart-manifest), a link (symlink=get), a version or anything else the URL did not sign
  for (const name of [...q.keys()]) if (!PASSED_ON.has(name)) q.delete(name);
  return grant;
}

const disposition = (type: string, filename: string) => `${type}; filename="${pyQuote(filename, ' /')}"; filename*=UTF-8''${pyQuote(filename)}`;

/** The response changes a TempURL request gets: no private metadata, a Content-Disposition. */
export function tempUrlResponse(req: SwiftRequest, grant: TempUrlGrant, res: SwiftResponse): SwiftResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) {
    if (k.startsWith('X-Object-Meta-') && !k.startsWith('X-Object-Meta-Public-')) continue;
    headers[k] = v;
  }
  if (['GET', 'HEAD'].includes(req.method) && res.status >= 200 && res.status < 300) {
    const existing = headers['Content-Disposition'];
    let value: string;
    if (grant.inline) value = grant.filename ? disposition('inline', grant.filename) : 'inline';
    else if (grant.filename) value = disposition('attachment', grant.filename);
    else if (existing) value = existing;
    else value = disposition('attachment', (req.object ?? '').replace(/\/+$/, '').split('/').pop() ?? '');
    headers['Content-Disposition'] = value.replace(/\n/g, '%0A');
    headers['Expires'] = new Date(grant.expires * 1000).toUTCString();
  }
  return { ...res, headers };
}
