// The network service (Neutron v2.0): networks, subnets, ports with IPAM, security groups,
// routers and floating IPs, subnet pools, RBAC, quotas, agents. The API writes the desired
// state and tells each host's agent over the bus; the all-in-one runs that agent in-process.
import { defineService } from '../../lib/service.ts';
import { PLUGIN_TOPIC } from './agent/protocol.ts';
import { busNotifier } from './agent/notifier.ts';
import { pluginEndpoint } from './agent/plugin-rpc.ts';
import { createBackend, startNetworkAgent, type NetworkAgent } from './agent/index.ts';
import { adminRoutes } from './api/admin.ts';
import { floatingIpRoutes } from './api/floatingips.ts';
import { networkRoutes } from './api/networks.ts';
import { portRoutes } from './api/ports.ts';
import { routerRoutes } from './api/routers.ts';
import { securityGroupRoutes } from './api/security-groups.ts';
import { subnetPoolRoutes } from './api/subnetpools.ts';
import { subnetRoutes } from './api/subnets.ts';
import { versionRoutes } from './api/versions.ts';
import { networkConfig } from './config.ts';
import { migrations } from './db/migrations.ts';
import { networkPolicies } from './policies.ts';
import { ensurePublicNetwork } from './service/bootstrap.ts';
import { netPolicy } from './service/caller.ts';
import { readSettings, type Net } from './service/net.ts';

export default defineService({
  id: 'network',
  prefix: '/networking',
  catalog: { type: 'network', name: 'neutron', path: '' },
  config: networkConfig,
  migrations,
  async init({ config, log, db: database, bus, makePolicy }) {
    const settings = readSettings(config);
    // An unknown backend name must stop the start even when this process runs no agent.
    const backendName = config.str('network.backend');
    createBackend(backendName);
    const policy = netPolicy(makePolicy(networkPolicies));
    const net: Net = { db: database.db, settings, log, policy, agents: busNotifier(bus, log) };
    const plugin = await bus.serve({ topic: PLUGIN_TOPIC }, pluginEndpoint(net));
    let agent: NetworkAgent | undefined;
    if (config.bool('network.agent')) {
      agent = await startNetworkAgent({
        bus, log, host: settings.host, backend: backendName, availabilityZone: settings.availabilityZone,
        reportIntervalSeconds: config.int('network.agent_report_interval'),
      });
    }
    if (config.bool('network.public_network')) await ensurePublicNetwork(net, config.str('network.public_network_id'), config.str('network.public_cidr'));
    return {
      routes: [
        ...versionRoutes(), ...networkRoutes(net), ...subnetRoutes(net), ...portRoutes(net), ...securityGroupRoutes(net),
        ...routerRoutes(net), ...floatingIpRoutes(net), ...subnetPoolRoutes(net), ...adminRoutes(net),
      ],
      policy,
      faultStyle: 'neutron',
      async stop() {
        await agent?.stop();
        await plugin.stop();
      },
    };
  },
});
