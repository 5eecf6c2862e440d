// /resource_providers/{uuid}/usages and /usages (1.9+; grouped by consumer type from 1.38).
import type { Route } from '../../../lib/http/routes.ts';
import type { PlacementDeps } from '../deps.ts';
import { requireProvider } from '../service/providers.ts';
import { providerUsages, totalUsages, usagesByConsumerType } from '../service/usages.ts';
import { atLeast, checkQuery, last, ok, since } from './common.ts';
import * as schemas from './schemas.ts';

export function usageRoutes({ db }: PlacementDeps): Route[] {
  return [
    {
      method: 'GET', path: '/resource_providers/:uuid/usages', policy: 'placement:resource_providers:usages',
      handler: async (req) => {
        const rp = await requireProvider(db, req.params.uuid!);
        return ok(req, { resource_provider_generation: rp.generation, usages: await providerUsages(db, rp.uuid) });
      },
    },
    {
      method: 'GET', path: '/usages', policy: 'placement:usages',
      // The rule may compare the caller's project with the one asked about (project readers).
      target: (req) => ({ project_id: last(req, 'project_id') }),
      handler: async (req) => {
        since(req, '1.9');
        const byType = atLeast(req, '1.38');
        checkQuery(req, byType ? schemas.usagesQuery138 : schemas.usagesQuery19);
        const f = { projectId: last(req, 'project_id')!, userId: last(req, 'user_id') };
        if (byType) return ok(req, { usages: await usagesByConsumerType(db, { ...f, consumerType: last(req, 'consumer_type') }) });
        return ok(req, { usages: await totalUsages(db, f) });
      },
    },
  ];
}
