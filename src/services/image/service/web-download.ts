// web-download: fetch image data from a URL the operator allows. Nothing is allowed unless
// configured (image.web_download_allowed), and loopback, link-local (the metadata service),
// private and other special addresses are refused unless explicitly permitted — checked on
// the address actually connected to, after DNS, and again on every redirect.
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { BadRequest } from '../../../lib/errors.ts';

export interface WebDownloadPolicy {
  /** URL prefixes (or '*') web-download may fetch. */
  allowed: string[];
  allowPrivate: boolean;
}

const blocked = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96]] as const) blocked.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) return blocked.check(address, 'ipv6');
  return true;
}

/** The API-time check (Glance's validate_import_uri): 400 when the URL may not be fetched. */
export function validateImportUri(uri: unknown, policy: WebDownloadPolicy): URL {
  const refuse = () => new BadRequest(`URI for web-download does not pass filtering: ${String(uri)}`);
  if (typeof uri !== 'string' || uri.length === 0) throw refuse();
  let url: URL;
  try { url = new URL(uri); } catch { throw refuse(); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse();
  if (url.username || url.password) throw refuse();
  if (!policy.allowed.some((p) => p === '*' || uri.startsWith(p))) throw refuse();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivate && (isIP(host) ? isPrivateAddress(host) : host === 'localhost' || host.endsWith('.localhost'))) throw refuse();
  return url;
}

/** Resolves like dns.lookup but refuses special addresses (so a name cannot point inside). */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as Array<{ address: string; family: number }>;
      const ok = allowPrivate ? list : list.filter((a) => !isPrivateAddress(a.address));
      if (ok.length === 0) return callback(Object.assign(new Error(`${hostname} resolves only to addresses web-download may not reach`), { code: 'EACCES' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as any)(null, ok);
      callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

/** Streams the body of `url`, following up to 5 redirects (each re-validated). */
export async function fetchImage(url: URL, policy: WebDownloadPolicy, signal: AbortSignal, redirects = 5): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const res = await new Promise<IncomingMessage>((ok, fail) => {
    const req = request(url, { method: 'GET', lookup: guardedLookup(policy.allowPrivate), signal, timeout: 60_000, headers: { 'user-agent': 'stratus-image/web-download' } }, ok);
    req.on('timeout', () => req.destroy(new Error(`Timed out connecting to ${url.host}`)));
    req.on('error', fail);
    req.end();
  });
  if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
    res.resume();
    if (redirects === 0) throw new Error(`Too many redirects fetching ${url.href}`);
    const next = validateImportUri(new URL(res.headers.location, url).href, policy);
    return fetchImage(next, policy, signal, redirects - 1);
  }
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`Fetching ${url.href} answered HTTP ${res.statusCode}`);
  }
  return res;
}
