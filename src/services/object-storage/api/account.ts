// /v1/{account}: HEAD and GET (metadata, stats, container listing) and POST (metadata).
import { MethodNotAllowed } from '../../../lib/errors.ts';
import * as store from '../db/store.ts';
import { parseAccountAcl } from '../service/acl.ts';
import { accountHeaders, accountUpdate, ensureAccount } from '../service/accounts.ts';
import { authorize, denied } from '../service/auth.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { listingContentType, listingQuery, renderAccountListing } from '../service/listing-format.ts';
import { isoTs, normalTs, parseTs } from '../service/timestamp.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';

export async function accountRequest(deps: SwiftDeps, req: SwiftRequest): Promise<SwiftResponse> {
  const account = req.account!;
  const row = await store.getAccount(deps.db, account);
  const accountAcl = parseAccountAcl(row?.headers['X-Account-Access-Control']);
  if (!['HEAD', 'GET', 'POST'].includes(req.method)) {
    authorize(deps.policy, { method: req.method, account, ctx: req.ctx, accountAcl });
    const err = new MethodNotAllowed('');
    err.headers = { Allow: 'HEAD, GET, POST' };
    throw err;
  }
  const auth = authorize(deps.policy, { method: req.method, account, ctx: req.ctx, accountAcl, referer: req.headers['referer'] });

  if (req.method === 'POST') {
    if (!auth.owner) throw denied(req.ctx);
    const current = row ?? await ensureAccount(deps, account);
    const headers = accountUpdate(deps, current.headers, req.headers, auth);
    await store.setAccountHeaders(deps.db, account, headers, normalTs(deps.ts.next()));
    return { status: 204 };
  }

  const contentType = req.method === 'GET' ? listingContentType(req.query, req.headers) : listingContentType(new URLSearchParams(), req.headers);
  const headers = await accountHeaders(deps, account, row, auth.owner);
  headers['Content-Type'] = `${contentType}; charset=utf-8`;
  if (!req.query.has('format')) headers['Vary'] = 'Accept';
  if (req.method === 'HEAD') return { status: 204, headers };

  const q = listingQuery(req.query, req.notUtf8, deps.constraints.account_listing_limit, false);
  const entries = row ? await store.listContainers(deps.db, account, q) : [];
  const records = entries.map((e) => ('subdir' in e ? { subdir: e.subdir } : {
    name: e.row.name, count: e.row.object_count, bytes: e.row.bytes_used,
    last_modified: isoTs(parseTs(e.row.put_timestamp)), storage_policy: e.row.policy,
  }));
  const out = renderAccountListing(contentType, account, records);
  return { status: out.empty ? 204 : 200, headers, body: out.body };
}
