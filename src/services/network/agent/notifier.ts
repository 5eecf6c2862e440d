// The API side's notifications to agents over the bus. Fire and forget, after the commit: a
// host without a running agent (a cast nobody serves) is logged, not an error of the request;
// the agent catches up with a full sync when it starts.
import type { Bus } from '../../../lib/bus/index.ts';
import { anonymousContext } from '../../../lib/auth/context.ts';
import { requestId } from '../../../lib/ids.ts';
import type { Logger } from '../../../lib/log.ts';
import { AGENT_TOPIC, RPC_VERSION, type AgentNotifier } from './protocol.ts';

export function busNotifier(bus: Bus, log: Logger): AgentNotifier {
  const ctx = () => anonymousContext(requestId());
  const quiet = (what: string) => (err: unknown) => log.debug({ err, what }, 'network agent notification not delivered');
  const cast = (host: string, method: string, args: object) => {
    bus.cast(ctx(), { topic: AGENT_TOPIC, server: host, version: RPC_VERSION }, method, args).catch(quiet(`${method} to ${host}`));
  };
  const fanout = (method: string, args: object) => {
    bus.fanout(ctx(), { topic: AGENT_TOPIC, version: RPC_VERSION }, method, args).catch(quiet(method));
  };
  return {
    portChanged: (host, portId) => cast(host, 'port_update', { port_id: portId }),
    portRemoved: (host, portId, networkId) => cast(host, 'port_delete', { port_id: portId, network_id: networkId }),
    dhcpChanged: (host, networkId) => cast(host, 'dhcp_update', { network_id: networkId }),
    networkChanged: (networkId) => fanout('network_update', { network_id: networkId }),
    networkRemoved: (networkId) => fanout('network_delete', { network_id: networkId }),
    securityGroupRulesChanged: (ids) => fanout('security_group_rules_updated', { security_group_ids: ids }),
    securityGroupMembersChanged: (ids) => fanout('security_group_members_updated', { security_group_ids: ids }),
    routersChanged: (host, ids) => cast(host, 'routers_updated', { router_ids: ids }),
    routerRemoved: (host, id) => cast(host, 'router_delete', { router_id: id }),
  };
}
