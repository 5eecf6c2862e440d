// POST /reshaper (1.30+, placement/handlers/reshaper.py).
import type { Route } from '../../../lib/http/routes.ts';
import type { PlacementDeps } from '../deps.ts';
import { reshape, type ProviderReshape } from '../service/reshaper.ts';
import { consumerWrite } from './allocations.ts';
import { atLeast, jsonBody, since } from './common.ts';
import { withDefaults } from './inventories.ts';
import { normalizeUuid } from './json-schema.ts';
import * as schemas from './schemas.ts';

export function reshaperRoutes({ database, settings }: PlacementDeps): Route[] {
  return [{
    method: 'POST', path: '/reshaper', policy: 'placement:reshaper:reshape',
    handler: async (req) => {
      since(req, '1.30');
      const body = jsonBody(req, schemas.reshaper(req.microversion!));
      const providers = new Map<string, ProviderReshape>();
      for (const [uuid, p] of Object.entries(body.inventories as Record<string, any>)) {
        providers.set(normalizeUuid(uuid), {
          generation: p.resource_provider_generation,
          inventories: new Map(Object.entries(p.inventories as Record<string, Record<string, unknown>>).map(([rc, inv]) => [rc, withDefaults(inv)])),
        });
      }
      const writes = Object.entries(body.allocations as Record<string, any>).map(([c, d]) => consumerWrite(req, normalizeUuid(c), d, settings));
      await reshape(database, providers, writes, atLeast(req, '1.26'));
    },
  }];
}
