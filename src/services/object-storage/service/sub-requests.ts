// What a middleware reads, lists or deletes on the caller's behalf (a link's target, a large
// object's segments, a DLO's listing, the segments an SLO delete removes) is authorized as
// Swift's sub-requests are: with the caller's own credentials and container ACLs. A TempURL
// reaches only its own account, and with a container key only its own container.
import { Forbidden, Unauthorized } from '../../../lib/errors.ts';
import type { AccountRow, ContainerRow, ObjectRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import type { SwiftRequest } from '../api/swift-http.ts';
import { containerAuth } from './auth.ts';
import type { SwiftDeps } from './deps.ts';

export interface SubRequest { method: string; account: string; container: string; object?: string }

/** Throws the 401 or 403 the caller would get making `sub` itself; returns what the path names. */
export async function authorizeSub(deps: SwiftDeps, req: SwiftRequest, sub: SubRequest): Promise<{ account?: AccountRow; container?: ContainerRow; object?: ObjectRow }> {
  const path = await store.getPath(deps.db, sub.account, sub.container, sub.object ?? '');
  if (req.authOverride === 'tempurl') {
    if (sub.account !== req.account || (req.tempUrlScope === 'container' && sub.container !== req.container)) throw new Unauthorized('');
  } else if (!req.authOverride) {
    const acl = sub.method === 'GET' || sub.method === 'HEAD' ? 'X-Container-Read' : 'X-Container-Write';
    containerAuth(deps, { ...req, ...sub }, path.account, path.container?.headers[acl]);
  }
  return path;
}

/** A refusal as Swift's bulk and SLO results list it ("403 Forbidden"), or undefined for another error. */
export function refusalStatus(err: unknown): string | undefined {
  if (err instanceof Unauthorized) return '401 Unauthorized';
  if (err instanceof Forbidden) return '403 Forbidden';
  return undefined;
}
