// /v1/{account}/{container}: PUT (create or update), HEAD/GET (metadata, object listing), POST
// (metadata) and DELETE (409 while it holds objects).
import { Conflict, MethodNotAllowed, NotFound } from '../../../lib/errors.ts';
import * as store from '../db/store.ts';
import { ensureAccount } from '../service/accounts.ts';
import { containerAuth } from '../service/auth.ts';
import { checkContainerName, containerHeaders, containerUpdate, requestedPolicy } from '../service/containers.ts';
import { POLICY_NAME, type SwiftDeps } from '../service/deps.ts';
import { listingContentType, listingQuery, objectRecord, pyString, renderContainerListing, type ListingQuery } from '../service/listing-format.ts';
import { TextBuilder } from '../../../lib/text-builder.ts';
import { isoFormatter, normalTs } from '../service/timestamp.ts';
import { objectVersionsListing } from './object-versioning.ts';
import { staticWeb } from './staticweb.ts';
import { symlinkListingKeys } from '../service/symlinks.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';

/**
 * The JSON listing of objects, written directly (the hot path of large listings): each record
 * is copied into the body as it is read, and dies young.
 */
async function objectsJson(deps: SwiftDeps, account: string, container: string, q: ListingQuery): Promise<Buffer> {
  const out = new TextBuilder();
  const iso = isoFormatter();
  // neighbours mostly share a content type: quote it once
  let lastType = '';
  let lastTypeJson = '""';
  let sep = '[';
  await store.eachObject(deps.db, account, container, q, (e) => {
    if ('subdir' in e) {
      out.add(`${sep}{"subdir": ${pyString(e.subdir)}}`);
    } else {
      const r = objectRecord(e.row, iso);
      if (r.content_type !== lastType) { lastType = String(r.content_type); lastTypeJson = pyString(lastType); }
      out.add(`${sep}{"bytes": ${r.bytes}, "hash": "${r.hash}", "name": ${pyString(e.row.name)}, "content_type": ${lastTypeJson}, "last_modified": "${r.last_modified}"${symlinkListingKeys(e.row.sysmeta, account)}}`);
    }
    sep = ', ';
  });
  out.add(sep === '[' ? '[]' : ']');
  return out.toBuffer();
}

export async function containerRequest(deps: SwiftDeps, req: SwiftRequest): Promise<SwiftResponse> {
  const account = req.account!;
  const name = req.container!;
  const { account: accountRow, container: row } = await store.getAccountAndContainer(deps.db, account, name);
  switch (req.method) {
    case 'HEAD':
    case 'GET': {
      const auth = containerAuth(deps, req, accountRow, row?.headers['X-Container-Read']);
      if (req.method === 'GET' && row) {
        const web = await staticWeb(deps, req, row);
        if (web) return web;
      }
      if (!row) throw new NotFound('');
      const contentType = listingContentType(req.method === 'GET' ? req.query : new URLSearchParams(), req.headers);
      const headers = containerHeaders(row, auth.owner);
      headers['Content-Type'] = `${contentType}; charset=utf-8`;
      if (!req.query.has('format')) headers['Vary'] = 'Accept';
      if (req.method === 'HEAD') return { status: 204, headers };
      const q = listingQuery(req.query, req.notUtf8, deps.constraints.container_listing_limit, true);
      if (req.query.has('versions')) return objectVersionsListing(deps, req, row, q, headers);
      if (contentType === 'application/json') return { status: 200, headers, body: await objectsJson(deps, account, name, q) };
      if (contentType === 'text/plain') {
        const out = new TextBuilder();
        await store.eachObject(deps.db, account, name, q, (e) => out.add(('subdir' in e ? e.subdir : e.row.name) + '\n'));
        return { status: out.length > 0 ? 200 : 204, headers, body: out.toBuffer() };
      }
      const entries = await store.listObjects(deps.db, account, name, q);
      const records = entries.map((e) => ('subdir' in e ? { subdir: e.subdir } : objectRecord(e.row)));
      const out = renderContainerListing(contentType, name, records);
      return { status: out.empty ? 204 : 200, headers, body: out.body };
    }
    case 'PUT': {
      const auth = containerAuth(deps, req, accountRow);
      checkContainerName(deps, name);
      const policy = requestedPolicy(req.headers);
      if (row) {
        if (policy && policy !== row.policy) throw new Conflict('');
        const headers = containerUpdate(deps, row.headers, req.headers, auth.owner);
        await store.setContainerHeaders(deps.db, account, name, headers, normalTs(deps.ts.next()));
        return { status: 202 };
      }
      const headers = containerUpdate(deps, {}, req.headers, auth.owner);
      await ensureAccount(deps, account);
      const ts = normalTs(deps.ts.next());
      const created = await store.insertContainer(deps.db, { account, name, created_at: ts, put_timestamp: ts, policy: policy ?? POLICY_NAME, headers });
      return { status: created ? 201 : 202 };
    }
    case 'POST': {
      const auth = containerAuth(deps, req, accountRow);
      if (!row) throw new NotFound('');
      const headers = containerUpdate(deps, row.headers, req.headers, auth.owner);
      await store.setContainerHeaders(deps.db, account, name, headers, normalTs(deps.ts.next()));
      return { status: 204 };
    }
    case 'DELETE': {
      containerAuth(deps, req, accountRow);
      if (!row) throw new NotFound('');
      if (!(await store.deleteEmptyContainer(deps.db, account, name))) {
        if (await store.getContainer(deps.db, account, name)) throw new Conflict(''); // swob's default body
        throw new NotFound('');
      }
      return { status: 204 };
    }
    default: {
      const err = new MethodNotAllowed('');
      err.headers = { Allow: 'HEAD, GET, PUT, POST, DELETE' };
      throw err;
    }
  }
}
