// GET / (the version list) and GET /v2.1 (this version), as nova/api/openstack/compute/versions.py.
import { PUBLIC, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { MAX_VERSION, MIN_VERSION } from './common.ts';

const DESCRIBED_BY = [{ rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }];

const VERSIONS = {
  'v2.0': {
    id: 'v2.0', status: 'DEPRECATED', version: '', min_version: '', updated: '2025-07-04T12:00:00Z',
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }],
  },
  'v2.1': {
    id: 'v2.1', status: 'CURRENT', version: MAX_VERSION, min_version: MIN_VERSION, updated: '2013-07-23T11:33:21Z',
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  },
};

const versionHref = (req: ApiRequest, id: string) => `${req.baseUrl}/${id === 'v2.1' ? 'v2.1' : 'v2'}/`;

export const versionRoutes: Route[] = [
  {
    method: 'GET', path: '/', policy: PUBLIC,
    handler: (req) => ({
      versions: Object.values(VERSIONS).map((v) => ({
        id: v.id, status: v.status, version: v.version, min_version: v.min_version, updated: v.updated,
        links: [{ rel: 'self', href: versionHref(req, v.id) }],
      })),
    }),
  },
  {
    method: 'GET', path: '/v2.1', policy: PUBLIC,
    handler: (req) => {
      const v = VERSIONS['v2.1'];
      return { version: { ...v, links: [{ rel: 'self', href: `${req.baseUrl}/v2.1/` }, ...DESCRIBED_BY] } };
    },
  },
  {
    // The legacy v2 endpoint's version document (Nova serves v2 and v2.1 from one code base).
    method: 'GET', path: '/v2', policy: PUBLIC,
    handler: (req) => {
      const v = VERSIONS['v2.0'];
      return { version: { ...v, links: [{ rel: 'self', href: `${req.baseUrl}/v2/` }, ...DESCRIBED_BY] } };
    },
  },
];
