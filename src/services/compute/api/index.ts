// Every route of the compute API, in one table.
import { reply, Reply, type Route } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import { cloudUrlOf } from './common.ts';
import { aggregateRoutes } from './aggregates.ts';
import { flavorRoutes } from './flavors.ts';
import { floatingIpRoutes } from './floating-ips.ts';
import { hostRoutes } from './hosts.ts';
import { imageRoutes } from './images.ts';
import { keypairRoutes } from './keypairs.ts';
import { miscRoutes } from './misc.ts';
import { quotaRoutes } from './quotas.ts';
import { networkProxyRoutes, securityGroupRoutes } from './security-groups.ts';
import { serverActionRoutes } from './server-actions.ts';
import { serverGroupRoutes } from './server-groups.ts';
import { serverSubresourceRoutes } from './server-subresources.ts';
import { serverRoutes } from './servers.ts';
import { usageMigrationRoutes } from './usage-migrations.ts';
import { versionRoutes } from './versions.ts';
import { instanceActionRoutes, zoneRoutes } from './zones-actions.ts';

export function computeRoutes(deps: ComputeDeps, opts: { invalidateHosts: () => void }): Route[] {
  const routes: Route[] = [
    ...versionRoutes, ...flavorRoutes(deps), ...keypairRoutes(deps), ...serverRoutes(deps), ...serverActionRoutes(deps),
    ...serverSubresourceRoutes(deps), ...securityGroupRoutes(deps), ...serverGroupRoutes(deps), ...quotaRoutes(deps), ...zoneRoutes(deps),
    ...instanceActionRoutes(deps), ...hostRoutes(deps), ...aggregateRoutes(deps, opts.invalidateHosts), ...usageMigrationRoutes(deps), ...miscRoutes(deps), ...imageRoutes(deps), ...networkProxyRoutes(deps), ...floatingIpRoutes(deps),
  ];
  // Every request tells the agents where this cloud is (the all-in-one may listen on port 0);
  // every answer carries Nova's x-compute-request-id beside x-openstack-request-id.
  return routes.map((r) => ({
    ...r,
    handler: async (req) => {
      deps.endpoints.learn(cloudUrlOf(req));
      const out: unknown = await r.handler(req);
      const header = { 'x-compute-request-id': req.ctx.requestId };
      if (out instanceof Reply) return reply(out.status, out.body, { ...out.headers, ...header });
      return out === undefined ? reply(204, undefined, header) : reply(200, out, header);
    },
  }));
}
