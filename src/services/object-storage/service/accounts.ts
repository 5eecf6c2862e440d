// Accounts: created on first use (Swift's account_autocreate), their metadata, quotas (set only
// by reseller admins, account_quotas middleware) and ACL, and the headers a HEAD/GET shows.
import { BadRequest, Forbidden } from '../../../lib/errors.ts';
import type { AccountRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import { cleanAccountAcl } from './acl.ts';
import { POLICY_NAME, type SwiftDeps } from './deps.ts';
import { checkMetadata, checkStoredMetadata, mergeMetadata, type HeaderMap } from './metadata.ts';
import { normalTs } from './timestamp.ts';

/** Headers only the account owner sees. */
const OWNER_ONLY = new Set(['X-Account-Meta-Temp-Url-Key', 'X-Account-Meta-Temp-Url-Key-2', 'X-Account-Access-Control']);
const QUOTA_HEADERS = ['x-account-meta-quota-bytes', 'x-remove-account-meta-quota-bytes', 'x-account-quota-bytes',
  'x-remove-account-quota-bytes', 'x-account-quota-count', 'x-remove-account-quota-count'];

export async function ensureAccount(deps: SwiftDeps, name: string): Promise<AccountRow> {
  const found = await store.getAccount(deps.db, name);
  if (found) return found;
  await store.insertAccount(deps.db, name, normalTs(deps.ts.next()));
  return (await store.getAccount(deps.db, name))!;
}

export async function accountHeaders(deps: SwiftDeps, name: string, row: AccountRow | undefined, owner: boolean): Promise<Record<string, string>> {
  const stats = await store.accountStats(deps.db, name);
  const created = row?.created_at ?? normalTs(deps.ts.next());
  const out: Record<string, string> = {
    'X-Account-Container-Count': String(stats.containers),
    'X-Account-Object-Count': String(stats.objects),
    'X-Account-Bytes-Used': String(stats.bytes),
    'X-Timestamp': created,
    'X-Put-Timestamp': row?.put_timestamp ?? created,
    'Accept-Ranges': 'bytes',
  };
  if (stats.containers > 0) {
    const p = `X-Account-Storage-Policy-${POLICY_NAME}`;
    out[`${p}-Container-Count`] = String(stats.containers);
    out[`${p}-Object-Count`] = String(stats.objects);
    out[`${p}-Bytes-Used`] = String(stats.bytes);
  }
  for (const [k, v] of Object.entries(row?.headers ?? {})) if (owner || !OWNER_ONLY.has(k)) out[k] = v;
  return out;
}

/** Validates an account POST and returns the account's new stored headers. */
export function accountUpdate(deps: SwiftDeps, stored: HeaderMap, headers: HeaderMap, auth: { owner: boolean; reseller: boolean }): HeaderMap {
  const quotaTouched = QUOTA_HEADERS.some((h) => headers[h] !== undefined);
  if (quotaTouched) {
    if (!auth.reseller) throw new Forbidden('');
    for (const h of ['x-account-meta-quota-bytes', 'x-account-quota-bytes', 'x-account-quota-count']) {
      const v = headers[h];
      if (v && !/^\d+$/.test(v)) throw new BadRequest('');
    }
  }
  checkMetadata(headers, 'account', deps.constraints);
  const extra = ['x-account-quota-bytes', 'x-account-quota-count'];
  if (auth.owner) extra.push('x-account-access-control');
  const clean = { ...headers };
  if (auth.owner && headers['x-account-access-control']) clean['x-account-access-control'] = cleanAccountAcl(headers['x-account-access-control']);
  const merged = mergeMetadata(stored, clean, 'account', extra);
  checkStoredMetadata(merged, 'account', deps.constraints);
  return merged;
}
