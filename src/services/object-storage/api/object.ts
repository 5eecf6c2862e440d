// /v1/{account}/{container}/{object}: dispatch by method, after authorization against the
// container's read or write ACL (or a TempURL/FormPost signature).
import { BadRequest, MethodNotAllowed, NotFound, PreconditionFailed } from '../../../lib/errors.ts';
import { Readable } from 'node:stream';
import type { AccountRow, ContainerRow, ObjectRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { isExpired, liveObject, type ObjectKey } from '../service/objects.ts';
import { followSymlink, isSymlink, symlinkPut } from '../service/symlinks.ts';
import { BlobNotFound } from '../storage/backend.ts';
import { containerAuth, type AuthResult } from '../service/auth.ts';
import { serveObject } from './object-read.ts';
import { copyRequest, deleteRequest, postRequest, putRequest } from './object-write.ts';
import { containerObjectPath, headerPath } from '../service/metadata.ts';
import { versionedDelete, versionedPut, versionedRead } from './object-versioning.ts';
import { sloDelete, sloPut } from './slo.ts';
import { isDirectoryMarker, staticWebApplies, staticWebObject } from './staticweb.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';
import { plain } from '../service/errors.ts';

/** GET/HEAD of a link: the object it ends at, with its path in Content-Location. */
async function serveThroughLink(deps: SwiftDeps, req: SwiftRequest, link: ObjectRow): Promise<SwiftResponse> {
  const { target, location } = await followSymlink(deps, req, link);
  if (!target) {
    const err = new NotFound('');
    err.headers = { 'Content-Location': location };
    throw err;
  }
  return serveObject(deps, req, target, { 'Content-Location': location });
}

/** PUT with X-Symlink-Target: a zero-byte object that names its target (service/symlinks.ts). */
async function putSymlink(deps: SwiftDeps, req: SwiftRequest, container: ContainerRow, key: ObjectKey, account?: AccountRow): Promise<SwiftResponse> {
  if (await hasBody(req)) throw plain(new BadRequest('Symlink requests require a zero byte body'));
  const link = await symlinkPut(deps, req, key);
  const headers = link.contentType ? { ...req.headers, 'content-type': link.contentType } : req.headers;
  return putRequest(deps, { ...req, headers, body: Readable.from([]) }, container, key, account, link.sysmeta);
}

/** Whether a request sends a body (a chunked one is read to find out). */
async function hasBody(req: SwiftRequest): Promise<boolean> {
  if (req.headers['content-length'] !== undefined) return req.headers['content-length'] !== '0';
  for await (const chunk of req.body as AsyncIterable<Buffer>) if (chunk.length > 0) return true;
  return false;
}

export function objectAuth(deps: SwiftDeps, req: SwiftRequest, account: AccountRow | undefined, row: ContainerRow | undefined, write: boolean): AuthResult {
  if (req.authOverride) return { owner: false, reseller: false };
  return containerAuth(deps, req, account, write ? row?.headers['X-Container-Write'] : row?.headers['X-Container-Read']);
}

/**
 * Only the SLO middleware sets X-Static-Large-Object: a client's is refused on every write but
 * the manifest's own PUT and DELETE (Swift's slo, after authentication, before anything else).
 */
function refuseSloHeader(req: SwiftRequest): void {
  if (req.headers['x-static-large-object'] === undefined) return;
  throw new BadRequest('X-Static-Large-Object is a reserved header. To create a static large object add query param multipart-manifest=put.');
}

export async function objectRequest(deps: SwiftDeps, req: SwiftRequest): Promise<SwiftResponse> {
  const key = { account: req.account!, container: req.container!, name: req.object! };
  const path = await store.getPath(deps.db, key.account, key.container, key.name);
  const { account, container } = path;
  switch (req.method) {
    case 'GET':
    case 'HEAD': {
      objectAuth(deps, req, account, container, false);
      if (!container) throw new NotFound('');
      if (req.query.has('version-id')) return versionedRead(deps, req, container, key);
      // a concurrent overwrite may unlink the blob between the row read and the open: re-read
      for (let attempt = 0; ; attempt++) {
        const o = attempt === 0 ? (path.object && !isExpired(path.object, deps.now()) ? path.object : undefined) : await liveObject(deps, key);
        if (!o || (isDirectoryMarker(container, o) && staticWebApplies(req))) {
          const web = await staticWebObject(deps, req, container, key.name);
          if (web) return web;
        }
        if (!o) throw new NotFound('');
        try {
          if (isSymlink(o) && req.query.get('symlink') !== 'get') return await serveThroughLink(deps, req, o);
          return await serveObject(deps, req, o);
        } catch (err) {
          if (!(err instanceof BlobNotFound) || attempt >= 3) throw err;
        }
      }
    }
    case 'PUT': {
      const auth = objectAuth(deps, req, account, container, true);
      if (req.query.get('multipart-manifest') !== 'put') refuseSloHeader(req);
      if (!container) throw new NotFound('');
      if (req.query.has('version-id')) return versionedPut(deps, req, container, key);
      if (req.query.get('multipart-manifest') === 'put') return sloPut(deps, req, container, key);
      if (req.headers['x-copy-from'] !== undefined) {
        const from = containerObjectPath(req.headers['x-copy-from'], 'X-Copy-From');
        const srcAccount = req.headers['x-copy-from-account'] ? headerPath(req.headers['x-copy-from-account']) : key.account;
        return copyRequest(deps, req, auth, { account: srcAccount, container: from.container, name: from.name }, key, account);
      }
      if (req.headers['x-symlink-target'] !== undefined) return putSymlink(deps, req, container, key, account);
      return putRequest(deps, req, container, key, account);
    }
    case 'POST': {
      objectAuth(deps, req, account, container, true);
      refuseSloHeader(req);
      if (!container) throw new NotFound('');
      if (req.query.has('version-id')) throw new BadRequest('POST to a specific version is not allowed');
      if (req.headers['x-symlink-target'] !== undefined) throw plain(new BadRequest('A PUT request is required to set a symlink target'));
      return postRequest(deps, req, key);
    }
    case 'DELETE': {
      objectAuth(deps, req, account, container, true);
      if (req.query.get('multipart-manifest') !== 'delete') refuseSloHeader(req);
      if (!container) throw new NotFound('');
      if (req.query.has('version-id')) return versionedDelete(deps, req, container, key);
      if (req.query.get('multipart-manifest') === 'delete') return sloDelete(deps, req, key);
      return deleteRequest(deps, key);
    }
    case 'COPY': {
      // COPY is a PUT of the destination with X-Copy-From: this object (copy middleware)
      if (req.headers['destination'] === undefined) throw new PreconditionFailed('Destination header required');
      const to = containerObjectPath(req.headers['destination'], 'Destination');
      const destAccount = req.headers['destination-account'] ? headerPath(req.headers['destination-account']) : key.account;
      const target = { account: destAccount, container: to.container, name: to.name };
      const putReq: SwiftRequest = { ...req, method: 'PUT', account: destAccount, container: target.container, object: target.name };
      const dest = await store.getAccountAndContainer(deps.db, destAccount, target.container);
      const auth = objectAuth(deps, putReq, dest.account, dest.container, true);
      refuseSloHeader(req);
      if (!dest.container) throw new NotFound('');
      return copyRequest(deps, putReq, auth, key, target, dest.account);
    }
    default: {
      const err = new MethodNotAllowed('');
      err.headers = { Allow: 'HEAD, GET, PUT, POST, DELETE, COPY' };
      throw err;
    }
  }
}
