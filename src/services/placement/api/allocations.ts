// /allocations/{consumer_uuid}, POST /allocations (1.13+) and /resource_providers/{uuid}/allocations
// (placement/handlers/allocation.py). The request body's shape changes at 1.8, 1.12, 1.28, 1.34
// and 1.38; all of them become the same ConsumerWrite for service/allocations.ts.
import type { ApiRequest, Route } from '../../../lib/http/routes.ts';
import { badRequest } from '../errors.ts';
import type { PlacementDeps, PlacementSettings } from '../deps.ts';
import { consumerAllocations, deleteAllocations, providerAllocations, writeAllocations, type AllocationMap, type ConsumerWrite } from '../service/allocations.ts';
import { requireProvider } from '../service/providers.ts';
import { atLeast, jsonBody, latest, ok, since } from './common.ts';
import { isUuidLike, normalizeUuid, type Schema } from './json-schema.ts';
import * as schemas from './schemas.ts';

function putSchema(req: ApiRequest): Schema {
  if (atLeast(req, '1.38')) return schemas.allocation138;
  if (atLeast(req, '1.34')) return schemas.allocation134;
  if (atLeast(req, '1.28')) return schemas.allocation128;
  if (atLeast(req, '1.12')) return schemas.allocation112;
  if (atLeast(req, '1.8')) return schemas.allocation18;
  return schemas.allocation10;
}

function postSchema(req: ApiRequest): Schema {
  if (atLeast(req, '1.38')) return schemas.postAllocations138;
  if (atLeast(req, '1.34')) return schemas.postAllocations134;
  if (atLeast(req, '1.28')) return schemas.postAllocations128;
  return schemas.postAllocations113;
}

function toMap(allocations: Record<string, { resources: Record<string, number> }>): AllocationMap {
  return new Map(Object.entries(allocations).map(([rp, a]) => [normalizeUuid(rp), new Map(Object.entries(a.resources))]));
}

/** One consumer's part of a body, at any microversion. */
export function consumerWrite(req: ApiRequest, consumer: string, data: any, settings: PlacementSettings): ConsumerWrite {
  let allocations: AllocationMap;
  if (Array.isArray(data.allocations)) { // before 1.12: a list of {resource_provider: {uuid}, resources}
    allocations = new Map();
    for (const a of data.allocations) allocations.set(normalizeUuid(a.resource_provider.uuid), new Map(Object.entries(a.resources as Record<string, number>)));
  } else {
    allocations = toMap(data.allocations);
  }
  const incomplete = data.project_id === undefined;
  return {
    consumer,
    projectId: incomplete ? settings.incompleteProjectId : data.project_id,
    userId: incomplete ? settings.incompleteUserId : data.user_id,
    generation: atLeast(req, '1.28') ? data.consumer_generation : undefined,
    consumerType: atLeast(req, '1.38') ? data.consumer_type : undefined,
    allocations,
  };
}

export function allocationRoutes({ database, db, settings }: PlacementDeps): Route[] {
  return [
    {
      method: 'GET', path: '/allocations/:consumer_uuid', policy: 'placement:allocations:list',
      handler: async (req) => {
        const view = await consumerAllocations(db, req.params.consumer_uuid!);
        if (!view) return ok(req, { allocations: {} });
        const allocations: Record<string, { generation: number; resources: Record<string, number> }> = {};
        for (const a of view.allocations) {
          const entry = (allocations[a.provider] ??= { generation: a.providerGeneration, resources: {} });
          entry.resources[a.rc] = a.used;
        }
        const body: Record<string, unknown> = { allocations };
        if (atLeast(req, '1.12')) { body.project_id = view.projectId; body.user_id = view.userId; }
        if (atLeast(req, '1.28')) body.consumer_generation = view.generation;
        if (atLeast(req, '1.38')) body.consumer_type = view.consumerType ?? 'unknown';
        return ok(req, body, latest(view.allocations.map((a) => a.createdAt)));
      },
    },
    {
      method: 'PUT', path: '/allocations/:consumer_uuid', policy: 'placement:allocations:update',
      handler: async (req) => {
        const raw = req.params.consumer_uuid!;
        if (!isUuidLike(raw)) throw badRequest(`Malformed consumer_uuid: ${raw}`);
        const consumer = normalizeUuid(raw);
        const data = jsonBody(req, putSchema(req));
        await writeAllocations(database, [consumerWrite(req, consumer, data, settings)], 'put');
      },
    },
    {
      method: 'POST', path: '/allocations', policy: 'placement:allocations:manage',
      handler: async (req) => {
        since(req, '1.13');
        const data = jsonBody<Record<string, any>>(req, postSchema(req));
        const writes = Object.entries(data).map(([consumer, d]) => consumerWrite(req, normalizeUuid(consumer), d, settings));
        await writeAllocations(database, writes, 'post');
      },
    },
    {
      method: 'DELETE', path: '/allocations/:consumer_uuid', policy: 'placement:allocations:delete',
      handler: async (req) => { await deleteAllocations(database, req.params.consumer_uuid!); },
    },
    {
      method: 'GET', path: '/resource_providers/:uuid/allocations', policy: 'placement:resource_providers:allocations:list',
      handler: async (req) => {
        const rp = await requireProvider(db, req.params.uuid!);
        const rows = await providerAllocations(db, rp.uuid);
        const allocations: Record<string, { resources: Record<string, number>; consumer_generation?: number }> = {};
        for (const r of rows) {
          const entry = (allocations[r.consumer] ??= { resources: {} });
          entry.resources[r.rc] = r.used;
          if (atLeast(req, '1.28')) entry.consumer_generation = r.generation;
        }
        return ok(req, { allocations, resource_provider_generation: rp.generation }, latest(rows.map((r) => r.createdAt)));
      },
    },
  ];
}
