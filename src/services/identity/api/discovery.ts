// Version discovery: GET / (300, every version) and GET /v3, as keystone/api/discovery.py.
import { PUBLIC, reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';

const version = (req: ApiRequest) => ({
  id: 'v3.14',
  status: 'stable',
  updated: '2020-04-07T00:00:00Z',
  links: [{ rel: 'self', href: `${req.baseUrl}/v3/` }],
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
});

export const discoveryRoutes: Route[] = [
  { method: 'GET', path: '/', policy: PUBLIC, handler: (req) => reply(300, { versions: { values: [version(req)] } }, { Location: `${req.baseUrl}/v3/` }) },
  { method: 'GET', path: '/v3', policy: PUBLIC, handler: (req) => ({ version: version(req) }) },
];
