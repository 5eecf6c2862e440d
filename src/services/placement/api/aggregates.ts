// /resource_providers/{uuid}/aggregates (1.1+; generation in and out from 1.19).
import type { ApiRequest, Route } from '../../../lib/http/routes.ts';
import type { PlacementDeps } from '../deps.ts';
import { providerAggregates, setProviderAggregates } from '../service/aggregates.ts';
import { requireProvider } from '../service/providers.ts';
import { atLeast, jsonBody, ok, since } from './common.ts';
import * as schemas from './schemas.ts';

const render = (req: ApiRequest, aggregates: string[], generation: number) =>
  ok(req, atLeast(req, '1.19') ? { aggregates, resource_provider_generation: generation } : { aggregates });

export function aggregateRoutes({ database, db }: PlacementDeps): Route[] {
  const path = '/resource_providers/:uuid/aggregates';
  return [
    {
      method: 'GET', path, policy: 'placement:resource_providers:aggregates:list',
      handler: async (req) => {
        since(req, '1.1');
        const rp = await requireProvider(db, req.params.uuid!);
        return render(req, await providerAggregates(db, rp.uuid), rp.generation);
      },
    },
    {
      method: 'PUT', path, policy: 'placement:resource_providers:aggregates:update',
      handler: async (req) => {
        since(req, '1.1');
        await requireProvider(db, req.params.uuid!);
        const withGeneration = atLeast(req, '1.19');
        const body = jsonBody(req, withGeneration ? schemas.putAggregates119 : schemas.putAggregates11);
        const aggregates: string[] = withGeneration ? body.aggregates : body;
        const generation = await setProviderAggregates(database, req.params.uuid!, aggregates, withGeneration ? body.resource_provider_generation : undefined);
        return render(req, aggregates, generation);
      },
    },
  ];
}
