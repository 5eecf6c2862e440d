// TempURL and FormPost signatures: HMAC with the account's or container's Temp-URL keys
// (X-{Account,Container}-Meta-Temp-URL-Key[-2]), sha1/sha256/sha512, hex or "<algo>:<base64>".
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HeaderMap } from './metadata.ts';

export type Scope = 'account' | 'container';
export interface ScopedKey { key: string; scope: Scope }

const HEX_ALGOS: Record<number, string> = { 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/** extract_digest_and_algorithm: the algorithm and the hex signature; undefined when malformed. */
export function digestAndSignature(sig: string): { algo: string; hex: string } | undefined {
  const colon = sig.indexOf(':');
  if (colon > 0) {
    const algo = sig.slice(0, colon);
    const b64 = sig.slice(colon + 1).replace(/-/g, '+').replace(/_/g, '/');
    if (!/^[A-Za-z0-9+/]*=*$/.test(b64)) return undefined;
    return { algo, hex: Buffer.from(b64, 'base64').toString('hex') };
  }
  const algo = HEX_ALGOS[sig.length];
  if (!algo || !/^[0-9a-fA-F]+$/.test(sig)) return undefined;
  return { algo, hex: sig.toLowerCase() };
}

export function tempUrlKeys(account: HeaderMap | undefined, container: HeaderMap | undefined): ScopedKey[] {
  const keys: ScopedKey[] = [];
  for (const k of ['X-Account-Meta-Temp-Url-Key', 'X-Account-Meta-Temp-Url-Key-2']) if (account?.[k]) keys.push({ key: account[k]!, scope: 'account' });
  for (const k of ['X-Container-Meta-Temp-Url-Key', 'X-Container-Meta-Temp-Url-Key-2']) if (container?.[k]) keys.push({ key: container[k]!, scope: 'container' });
  return keys;
}

export const hmacHex = (algo: string, key: string, body: string) => createHmac(algo, Buffer.from(key, 'latin1')).update(body, 'utf8').digest('hex');

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
