// /v3/services, /v3/endpoints (and /v3/regions, from regions.ts): the catalog's management API.
import type { IdentityDeps } from '../deps.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import {
  createEndpoint, createService, deleteEndpoint, deleteService, getEndpoint, getService, listEndpoints, listServices,
  resolveEndpointRegion, updateEndpoint, updateService, type Endpoint, type Service,
} from '../service/catalog.ts';
import { checkEndpointUrl } from '../service/endpoint-url.ts';
import { collection, entity, links, s, splitExtra, wrap } from './common.ts';
import { normalizeKeys, regionRoutes, requireMatchingId } from './regions.ts';

export { buildCatalog, ensureCatalogEntry, invalidateCatalog } from '../service/catalog.ts';

const SERVICE_KNOWN = ['id', 'type', 'enabled'];
const ENDPOINT_KNOWN = ['id', 'interface', 'region_id', 'region', 'service_id', 'url', 'enabled', 'legacy_endpoint_id'];

export function renderService(req: ApiRequest, svc: Service) {
  return { ...svc.extra, id: svc.id, type: svc.type, enabled: svc.enabled, links: links(req, `services/${svc.id}`) };
}

export function renderEndpoint(req: ApiRequest, e: Endpoint) {
  return {
    ...e.extra, id: e.id, interface: e.interface, region_id: e.regionId, service_id: e.serviceId, url: e.url,
    enabled: e.enabled, region: e.regionId, links: links(req, `endpoints/${e.id}`),
  };
}

// keystone/catalog/schema.py
const serviceProps = { enabled: s.enabled, name: s.name, type: { type: 'string', minLength: 1, maxLength: 255 } };
const endpointProps = {
  enabled: s.enabled,
  interface: { type: 'string', enum: ['admin', 'internal', 'public'] },
  region_id: { type: 'string' },
  region: { type: 'string' },
  service_id: { type: 'string' },
  url: { type: 'string', minLength: 0, maxLength: 225, pattern: '^[a-zA-Z0-9+.-]+:.+' },
};

export function catalogRoutes(deps: IdentityDeps): Route[] {
  const { db } = deps;
  return [
    ...regionRoutes(deps),
    // services
    {
      method: 'POST', path: '/v3/services', policy: 'identity:create_service',
      body: wrap('service', { type: 'object', properties: serviceProps, required: ['type'] }),
      handler: async (req) => {
        const b = normalizeKeys(entity(req, 'service')) as Record<string, any>;
        const svc = await createService(db, { type: b.type, enabled: b.enabled, extra: splitExtra(b, SERVICE_KNOWN) });
        return reply(201, { service: renderService(req, svc) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/services', policy: 'identity:list_services',
      handler: async (req) => {
        const services = await listServices(db, { type: req.query.type, name: req.query.name });
        return collection(req, 'services', services.map((svc) => renderService(req, svc)));
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/services/:service_id', policy: 'identity:get_service',
      handler: async (req) => ({ service: renderService(req, await getService(db, req.params.service_id!)) }),
    },
    {
      method: 'PATCH', path: '/v3/services/:service_id', policy: 'identity:update_service',
      body: wrap('service', { type: 'object', properties: serviceProps, minProperties: 1 }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'service');
        requireMatchingId(b, req.params.service_id);
        const svc = await updateService(db, req.params.service_id!, { type: b.type, enabled: b.enabled, extra: splitExtra(b, SERVICE_KNOWN) });
        return { service: renderService(req, svc) };
      },
    },
    {
      method: 'DELETE', path: '/v3/services/:service_id', policy: 'identity:delete_service',
      handler: async (req) => { await deleteService(db, req.params.service_id!); },
    },
    // endpoints
    {
      method: 'POST', path: '/v3/endpoints', policy: 'identity:create_endpoint',
      body: wrap('endpoint', { type: 'object', properties: endpointProps, required: ['interface', 'service_id', 'url'] }),
      handler: async (req) => {
        const b = normalizeKeys(entity(req, 'endpoint')) as Record<string, any>;
        checkEndpointUrl(b.url);
        const regionId = await resolveEndpointRegion(db, b);
        const e = await createEndpoint(db, {
          serviceId: b.service_id, interface: b.interface, url: b.url, regionId, enabled: b.enabled, extra: splitExtra(b, ENDPOINT_KNOWN),
        });
        return reply(201, { endpoint: renderEndpoint(req, e) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/endpoints', policy: 'identity:list_endpoints',
      handler: async (req) => {
        const q = req.query;
        const endpoints = await listEndpoints(db, { serviceId: q.service_id, interface: q.interface, regionId: q.region_id });
        return collection(req, 'endpoints', endpoints.map((e) => renderEndpoint(req, e)));
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/endpoints/:endpoint_id', policy: 'identity:get_endpoint',
      handler: async (req) => ({ endpoint: renderEndpoint(req, await getEndpoint(db, req.params.endpoint_id!)) }),
    },
    {
      method: 'PATCH', path: '/v3/endpoints/:endpoint_id', policy: 'identity:update_endpoint',
      body: wrap('endpoint', { type: 'object', properties: endpointProps, minProperties: 1 }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'endpoint');
        requireMatchingId(b, req.params.endpoint_id);
        const regionId = await resolveEndpointRegion(db, b);
        const e = await updateEndpoint(db, req.params.endpoint_id!, {
          serviceId: b.service_id, interface: b.interface, url: b.url, regionId, enabled: b.enabled, extra: splitExtra(b, ENDPOINT_KNOWN),
        });
        return { endpoint: renderEndpoint(req, e) };
      },
    },
    {
      method: 'DELETE', path: '/v3/endpoints/:endpoint_id', policy: 'identity:delete_endpoint',
      handler: async (req) => { await deleteEndpoint(db, req.params.endpoint_id!); },
    },
  ];
}
