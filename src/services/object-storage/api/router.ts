// One route takes every request under the service prefix: Swift paths carry object names of any
// shape (slashes, trailing or doubled), so the path is parsed here from the raw URL rather than
// matched by the router. The order follows Swift's proxy pipeline: info/healthcheck/crossdomain,
// bulk, tempurl, formpost, then the account, container or object controller.
import type { IncomingMessage } from 'node:http';
import { BadRequest, CloudError, NotFound, PreconditionFailed } from '../../../lib/errors.ts';
import { PUBLIC, type ApiRequest, type Method, type Reply, type Route } from '../../../lib/http/routes.ts';
import type { HeaderMap } from '../service/metadata.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { accountRequest } from './account.ts';
import { bulkDelete, extractArchive } from './bulk.ts';
import { containerRequest } from './container.ts';
import { formPost, isFormPost } from './formpost.ts';
import { crossdomain, healthcheck, infoResponse } from './info.ts';
import { objectRequest } from './object.ts';
import { buildRequest, faultResponse, parsePath, toReply, transId, type SwiftRequest, type SwiftResponse } from './swift-http.ts';
import { checkTempUrl, hasTempUrl, tempUrlResponse } from './tempurl.ts';

// PATCH is no Swift method, but Swift answers it (405 with Allow) rather than not finding the path
const METHODS: Method[] = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'OPTIONS', 'PATCH'];

async function dispatch(deps: SwiftDeps, req: SwiftRequest): Promise<SwiftResponse> {
  switch (req.rawPath.replace(/\/+$/, '')) {
    case '/info': return infoResponse(deps);
    case '/healthcheck': return healthcheck();
    case '/crossdomain.xml': return crossdomain();
  }
  Object.assign(req, parsePath(req.rawPath));
  if (!req.version) throw new NotFound('');
  if (!req.account) throw new PreconditionFailed('Bad URL');
  if (!['v1', 'v1.0'].includes(req.version)) throw new BadRequest('');
  if (!req.container && req.object) throw new NotFound('');
  const len = Buffer.byteLength(req.account);
  if (len > deps.constraints.max_account_name_length) throw new BadRequest(`Account name length of ${len} longer than ${deps.constraints.max_account_name_length}`);

  if (req.method === 'PUT' && req.query.has('extract-archive')) return extractArchive(deps, req);
  // Swift's bulk delete answers under any path of the account: the paths come from the body
  if ((req.method === 'DELETE' || req.method === 'POST') && req.query.has('bulk-delete')) return bulkDelete(deps, req);
  if (hasTempUrl(req)) {
    const grant = await checkTempUrl(deps, req);
    req.authOverride = 'tempurl';
    return tempUrlResponse(req, grant, await route(deps, req).catch((err) => errorAsResponse(err)));
  }
  if (isFormPost(req)) return formPost(deps, req);
  return route(deps, req);
}

function route(deps: SwiftDeps, req: SwiftRequest): Promise<SwiftResponse> {
  if (req.object) return objectRequest(deps, req);
  if (req.container) return containerRequest(deps, req);
  return accountRequest(deps, req);
}

function errorAsResponse(err: unknown): SwiftResponse {
  if (err instanceof CloudError && err.status < 500) return faultResponse(err);
  throw err;
}

/**
 * A path that does not decode (bad %-encoding, not UTF-8): Swift's proxy refuses it before
 * anything else, as it refuses NUL (parsePath).
 */
export function badPathReply(raw: IncomingMessage): Reply {
  const req = { method: raw.method ?? 'GET', transId: transId(), headers: raw.headers as HeaderMap, body: raw };
  return toReply(req, faultResponse(new PreconditionFailed('Invalid UTF8 or contains NULL')));
}

export function swiftRoutes(deps: SwiftDeps, prefix: string): Route[] {
  const handler = async (api: ApiRequest): Promise<Reply> => {
    const req = buildRequest(api, prefix);
    let res: SwiftResponse;
    try {
      res = await dispatch(deps, req);
      // a write is acknowledged only once it would survive a power cut
      if (req.method !== 'GET' && req.method !== 'HEAD') await deps.syncCommits();
    } catch (err) {
      if (err instanceof CloudError && err.status < 500) {
        res = faultResponse(err);
      } else {
        req.log.error({ err, transId: req.transId }, 'object storage request failed');
        res = { status: 500 };
      }
    }
    return toReply(req, res);
  };
  return [
    { method: METHODS, path: '/', policy: PUBLIC, handler },
    { method: METHODS, path: '/*', policy: PUBLIC, handler },
  ];
}
