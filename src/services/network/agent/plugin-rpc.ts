// The API side of the agent boundary: the `network-plugin` topic agents call (protocol.ts).
import type { Endpoint } from '../../../lib/bus/index.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { RPC_VERSION, type AgentReport } from './protocol.ts';
import { dhcpInfo, groupMembers, portInfo, portsInGroups, routerInfo, syncState } from '../service/agent-views.ts';
import { reportState } from '../service/agents.ts';
import { setFipStatuses } from '../service/floating-ips.ts';
import { bump } from '../service/std.ts';
import type { Net } from '../service/net.ts';

interface HostArgs { host: string }

/** Port status as its agent reports it; a change is a change of the port (revision moves). */
async function setStatus(net: Net, host: string, portId: string, status: string, anyHost = false): Promise<void> {
  await inTransaction(net.db, async (trx) => {
    const p = await trx.selectFrom('ports').select(['status', 'host']).where('id', '=', portId).executeTakeFirst();
    if (!p || p.status === status || (!anyHost && p.host !== host)) return;
    await bump(trx, 'ports', portId, undefined, { status });
  });
}

export function pluginEndpoint(net: Net): Endpoint {
  const db = net.db;
  return {
    version: RPC_VERSION,
    methods: {
      report_state: async (_ctx, a: { agent: AgentReport }) => { await reportState(net, a.agent); return { ok: true }; },
      get_port: (_ctx, a: HostArgs & { port_id: string }) => portInfo(db, a.port_id, a.host),
      update_device_up: (_ctx, a: HostArgs & { port_id: string; router?: boolean }) => setStatus(net, a.host, a.port_id, 'ACTIVE', a.router),
      update_device_down: (_ctx, a: HostArgs & { port_id: string; error?: string }) => {
        if (a.error) net.log.warn({ port: a.port_id, host: a.host, error: a.error }, 'agent could not wire port');
        return setStatus(net, a.host, a.port_id, a.error ? 'ERROR' : 'DOWN');
      },
      sync_state: (_ctx, a: HostArgs) => syncState(db, a.host),
      get_routers: async (_ctx, a: HostArgs & { router_ids: string[] }) => {
        const out = [];
        for (const id of a.router_ids) {
          const r = await db.selectFrom('routers').select('host').where('id', '=', id).executeTakeFirst();
          if (r?.host === a.host) out.push(await routerInfo(db, id));
        }
        return out.filter(Boolean);
      },
      get_dhcp: async (_ctx, a: HostArgs & { network_id: string }) => {
        const n = await db.selectFrom('networks').select('dhcp_host').where('id', '=', a.network_id).executeTakeFirst();
        return n?.dhcp_host === a.host ? dhcpInfo(db, a.network_id) : null;
      },
      get_ports_by_groups: (_ctx, a: HostArgs & { security_group_ids: string[] }) => portsInGroups(db, a.host, a.security_group_ids),
      get_group_members: (_ctx, a: HostArgs & { security_group_ids: string[] }) => groupMembers(db, a.security_group_ids),
      get_ports_on_network: async (_ctx, a: HostArgs & { network_id: string }) => (await db.selectFrom('ports').select('id')
        .where('host', '=', a.host).where('network_id', '=', a.network_id).execute()).map((r: { id: string }) => r.id),
      update_floatingip_statuses: (_ctx, a: HostArgs & { statuses: Record<string, string> }) => setFipStatuses(db, a.statuses),
    },
  };
}
