// Where things run: a network's DHCP service and a router go to an alive agent of the right
// type (the one with the least load; a dead host's share moves on the next change), and a port
// bound to a host gets the VIF type that host's L2 agent reported.
import type { Net } from './net.ts';
import { l2AgentOn, liveAgents } from './agents.ts';
import { json, type Db, type Row } from './std.ts';

export const DHCP_AGENT = 'DHCP agent';
export const L3_AGENT = 'L3 agent';

async function pick(net: Net, db: Db, type: string, table: string, current: string | null): Promise<string | null> {
  const alive = await liveAgents(net, db, type);
  if (!alive.length) return current;
  if (current && alive.some((a) => a.host === current)) return current;
  const load = new Map<string, number>(alive.map((a) => [a.host, 0]));
  const rows = await db.selectFrom(table).select(table === 'networks' ? 'dhcp_host as host' : 'host').execute();
  for (const r of rows) if (r.host && load.has(r.host)) load.set(r.host, load.get(r.host)! + 1);
  return [...load].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

/** Gives the network a DHCP host if it has none alive; returns the host (or null). */
export async function scheduleDhcp(net: Net, db: Db, networkId: string): Promise<string | null> {
  const row = await db.selectFrom('networks').select(['dhcp_host']).where('id', '=', networkId).executeTakeFirst();
  if (!row) return null;
  const host = await pick(net, db, DHCP_AGENT, 'networks', row.dhcp_host ?? null);
  if (host !== (row.dhcp_host ?? null)) await db.updateTable('networks').set({ dhcp_host: host }).where('id', '=', networkId).execute();
  return host;
}

export async function scheduleRouter(net: Net, db: Db, routerId: string): Promise<string | null> {
  const row = await db.selectFrom('routers').select(['host']).where('id', '=', routerId).executeTakeFirst();
  if (!row) return null;
  const host = await pick(net, db, L3_AGENT, 'routers', row.host ?? null);
  if (host !== (row.host ?? null)) await db.updateTable('routers').set({ host }).where('id', '=', routerId).execute();
  return host;
}

export interface Binding { vif_type: string; vif_details: Record<string, unknown> }

/**
 * ML2's port binding, reduced: bound when the host runs an alive L2 agent that can wire the
 * network's type; the VIF type and details are what that agent's backend declared.
 */
export async function bindPort(net: Net, db: Db, host: string, network: Row, vnicType: string): Promise<Binding> {
  if (!host) return { vif_type: 'unbound', vif_details: {} };
  const agent = await l2AgentOn(net, db, host);
  if (!agent) return { vif_type: 'binding_failed', vif_details: {} };
  const conf = json<Record<string, any>>(agent.configurations, {});
  const types: string[] = conf.network_types ?? [];
  const vnics: string[] = conf.vnic_types ?? ['normal'];
  if ((types.length && !types.includes(network.network_type)) || !vnics.includes(vnicType)) return { vif_type: 'binding_failed', vif_details: {} };
  const details: Record<string, unknown> = { ...(conf.vif_details ?? {}) };
  if (conf.bridge_prefix) details.bridge_name = `${conf.bridge_prefix}${String(network.id).slice(0, 11)}`;
  return { vif_type: conf.vif_type ?? 'other', vif_details: details };
}
