// GET / : the one version document (placement/handlers/root.py); no token needed.
import { PUBLIC, type Route } from '../../../lib/http/routes.ts';
import { cacheHeaders } from './common.ts';
import { reply } from '../../../lib/http/routes.ts';

export const MIN_VERSION = '1.0';
export const MAX_VERSION = '1.39';

export const rootRoutes: Route[] = [{
  method: 'GET', path: '/', policy: PUBLIC,
  handler: (req) => reply(200, {
    versions: [{ id: `v${MIN_VERSION}`, max_version: MAX_VERSION, min_version: MIN_VERSION, status: 'CURRENT', links: [{ rel: 'self', href: '' }] }],
  }, cacheHeaders(req)),
}];
