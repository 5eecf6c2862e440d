// The placement service (Placement API 1.0–1.39): resource providers and their inventories,
// traits and aggregates; resource classes; allocations and usages; allocation candidates; the reshaper.
import { defineService } from '../../lib/service.ts';
import { migrations } from './db/migrations.ts';
import { placementPolicies } from './policies.ts';
import { placementConfig } from './config.ts';
import { ProviderModel } from './service/model.ts';
import type { PlacementDeps } from './deps.ts';
import { MAX_VERSION, MIN_VERSION, rootRoutes } from './api/root.ts';
import { providerRoutes } from './api/providers.ts';
import { inventoryRoutes } from './api/inventories.ts';
import { aggregateRoutes } from './api/aggregates.ts';
import { traitRoutes } from './api/traits.ts';
import { resourceClassRoutes } from './api/resource-classes.ts';
import { allocationRoutes } from './api/allocations.ts';
import { usageRoutes } from './api/usages.ts';
import { candidateRoutes } from './api/candidates.ts';
import { reshaperRoutes } from './api/reshaper.ts';

export default defineService({
  id: 'placement',
  prefix: '/placement',
  catalog: { type: 'placement', name: 'placement', path: '' },
  config: placementConfig,
  migrations,
  async init({ config, db: database, makePolicy }) {
    const deps: PlacementDeps = {
      database,
      db: database.db,
      model: new ProviderModel(database.db),
      settings: {
        randomizeCandidates: config.bool('placement.randomize_allocation_candidates'),
        maxCandidates: config.int('placement.max_allocation_candidates'),
        incompleteProjectId: config.str('placement.incomplete_consumer_project_id'),
        incompleteUserId: config.str('placement.incomplete_consumer_user_id'),
      },
    };
    return {
      routes: [
        ...rootRoutes, ...providerRoutes(deps), ...inventoryRoutes(deps), ...aggregateRoutes(deps), ...traitRoutes(deps),
        ...resourceClassRoutes(deps), ...allocationRoutes(deps), ...usageRoutes(deps), ...candidateRoutes(deps), ...reshaperRoutes(deps),
      ],
      policy: makePolicy(placementPolicies),
      faultStyle: 'placement',
      microversion: { service: 'placement', min: MIN_VERSION, max: MAX_VERSION },
    };
  },
});
