// Routers: external gateway (a network:router_gateway port on an external network, SNAT on or
// off), extra routes, scheduling to an L3 agent host, delete rules. Interfaces: router-interfaces.ts.
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { badRequest, badResourceRequest, conflict, networkNotFound, routerNotFound } from '../errors.ts';
import { contains, parseCidr, parseIp } from '../lib/ip.ts';
import type { Caller } from './caller.ts';
import { allocateForPort, releaseIps, subnetsOfNetwork, type IpRequest } from './ipam.ts';
import { canSee } from './networks.ts';
import type { Net } from './net.ts';
import { checkQuota } from './quotas.ts';
import { networkAccess } from './rbac.ts';
import { scheduleRouter } from './scheduling.ts';
import { bool, bump, dbJson, json, newStd, ownerAttrs, stdAttrs, tagsOf, type Db, type Row } from './std.ts';
import { deletePortRows } from './port-store.ts';
import { dropTags } from './tags.ts';
import { zonesByHost } from './networks.ts';
import { L3_AGENT } from './scheduling.ts';
import { insertServicePort } from './service-ports.ts';

export const GW_OWNER = 'network:router_gateway';
export const IF_OWNER = 'network:router_interface';

export interface GatewayInfo { network_id?: string; enable_snat?: boolean; external_fixed_ips?: IpRequest[] }
export interface Route { destination: string; nexthop: string }

export async function renderRouters(db: Db, rows: Row[]) {
  const ids = rows.map((r) => r.id);
  const gwIds = rows.map((r) => r.gw_port_id).filter(Boolean) as string[];
  const gwPorts = gwIds.length ? await db.selectFrom('ports').select(['id', 'network_id']).where('id', 'in', gwIds).execute() : [];
  const gwIps = gwIds.length ? await db.selectFrom('ip_allocations').select(['port_id', 'subnet_id', 'ip_address']).where('port_id', 'in', gwIds).execute() : [];
  const tags = await tagsOf(db, ids);
  const zones = await zonesByHost(db, L3_AGENT);
  return rows.map((r) => {
    const gw = gwPorts.find((p: Row) => p.id === r.gw_port_id);
    return {
      id: r.id, name: r.name, ...ownerAttrs(r.project_id), admin_state_up: bool(r.admin_state_up), status: r.status,
      external_gateway_info: gw ? {
        network_id: gw.network_id, enable_snat: bool(r.enable_snat),
        external_fixed_ips: gwIps.filter((a: Row) => a.port_id === gw.id).map((a: Row) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
      } : null,
      routes: json<Route[]>(r.routes, []), availability_zone_hints: json<string[]>(r.availability_zone_hints, []),
      availability_zones: r.host && zones.has(r.host) ? [zones.get(r.host)!] : [],
      ...stdAttrs(r, tags.get(r.id)),
    };
  });
}

export async function listRouters(net: Net, caller: Caller) {
  let q = net.db.selectFrom('routers').selectAll();
  if (!caller.isAdmin) q = q.where('project_id', '=', caller.projectId ?? '');
  return renderRouters(net.db, await q.execute());
}

export async function routerRow(db: Db, caller: Caller, id: string): Promise<Row> {
  const r = await db.selectFrom('routers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || (!caller.isAdmin && r.project_id !== caller.projectId)) throw routerNotFound(id);
  return r;
}

export async function showRouter(db: Db, id: string) {
  return (await renderRouters(db, [await db.selectFrom('routers').selectAll().where('id', '=', id).executeTakeFirstOrThrow()]))[0]!;
}

async function fipsOnRouter(db: Db, routerId: string): Promise<boolean> {
  return !!await db.selectFrom('floatingips').select('id').where('router_id', '=', routerId).executeTakeFirst();
}

/** Sets, changes or clears the gateway. `info` null or without network_id clears it. */
export async function setGateway(net: Net, db: Db, caller: Caller, router: Row, info: GatewayInfo | null): Promise<void> {
  const current = router.gw_port_id ? await db.selectFrom('ports').selectAll().where('id', '=', router.gw_port_id).executeTakeFirst() : undefined;
  if (!info?.network_id) {
    if (current) {
      if (await fipsOnRouter(db, router.id)) {
        throw conflict('RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${router.id}, since a gateway to external network ${current.network_id} is required by one or more floating IPs.`);
      }
      await db.updateTable('routers').set({ gw_port_id: null }).where('id', '=', router.id).execute();
      await deletePortRows(db, [current.id]);
    }
    return;
  }
  const network = await db.selectFrom('networks').selectAll().where('id', '=', info.network_id).executeTakeFirst();
  if (!network || !canSee(caller, network, await networkAccess(db, caller.projectId))) throw networkNotFound(info.network_id);
  if (!bool(network.router_external)) throw badResourceRequest('router', `Network ${network.id} is not an external network`);
  const snat = info.enable_snat ?? (current && current.network_id === network.id ? bool(router.enable_snat) : net.settings.snatDefault);
  await db.updateTable('routers').set({ enable_snat: snat }).where('id', '=', router.id).execute();
  const subnets = await subnetsOfNetwork(db, network.id);
  if (current && current.network_id === network.id) {
    if (info.external_fixed_ips !== undefined) {
      await releaseIps(db, current.id);
      await allocateForPort(db, subnets, { id: current.id, network_id: network.id, mac_address: current.mac_address, device_owner: GW_OWNER }, info.external_fixed_ips);
      await bump(db, 'ports', current.id);
    }
    return;
  }
  if (current) {
    if (await fipsOnRouter(db, router.id)) {
      throw conflict('RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${router.id}, since a gateway to external network ${current.network_id} is required by one or more floating IPs.`);
    }
    await db.updateTable('routers').set({ gw_port_id: null }).where('id', '=', router.id).execute();
    await deletePortRows(db, [current.id]);
  }
  const portId = await insertServicePort(net, db, {
    network_id: network.id, project_id: '', device_owner: GW_OWNER, device_id: router.id, host: router.host ?? '',
    fixed_ips: info.external_fixed_ips?.length ? info.external_fixed_ips : undefined,
  });
  await db.updateTable('routers').set({ gw_port_id: portId }).where('id', '=', router.id).execute();
}

/** Subnets the router is connected to (interfaces and gateway): where nexthops may be. */
export async function connectedCidrs(db: Db, routerId: string): Promise<Array<{ subnet_id: string; cidr: string; ip: string }>> {
  const rows = await db.selectFrom('ports as p').innerJoin('ip_allocations as a', 'a.port_id', 'p.id').innerJoin('subnets as s', 's.id', 'a.subnet_id')
    .select(['a.subnet_id', 's.cidr', 'a.ip_address']).where('p.device_id', '=', routerId).where('p.device_owner', 'in', [IF_OWNER, GW_OWNER]).execute();
  return rows.map((r: Row) => ({ subnet_id: r.subnet_id, cidr: r.cidr, ip: r.ip_address }));
}

export async function checkRoutes(net: Net, db: Db, routerId: string, routes: Route[]): Promise<void> {
  if (routes.length > net.settings.maxRoutes) {
    throw badRequest('RoutesExhausted', `Unable to complete operation for ${routerId}. The number of routes exceeds the maximum ${net.settings.maxRoutes}.`);
  }
  const connected = await connectedCidrs(db, routerId);
  const text = JSON.stringify(routes);
  for (const r of routes) {
    const hop = parseIp(r.nexthop)!;
    if (connected.some((c) => c.ip === r.nexthop)) throw badRequest('InvalidRoutes', `Invalid format for routes: ${text}, the nexthop is used by router`);
    if (!connected.some((c) => contains(parseCidr(c.cidr)!, hop))) throw badRequest('InvalidRoutes', `Invalid format for routes: ${text}, the nexthop is not connected with router`);
  }
}

const dedupeRoutes = (routes: Route[]) => {
  const seen = new Set<string>();
  return routes.filter((r) => { const k = `${r.destination}|${r.nexthop}`; if (seen.has(k)) return false; seen.add(k); return true; });
};

export interface RouterCreate { project_id: string; name: string; description: string; admin_state_up: boolean; external_gateway_info: GatewayInfo | null; availability_zone_hints: string[] }

export async function createRouters(net: Net, caller: Caller, items: RouterCreate[]) {
  const made = await inTransaction(net.db, async (trx) => {
    const out: Array<{ id: string; host: string | null }> = [];
    for (const it of items) {
      await checkQuota(net, trx, it.project_id, 'router');
      const id = uuid();
      await trx.insertInto('routers').values({
        id, project_id: it.project_id, name: it.name, admin_state_up: it.admin_state_up, status: 'ACTIVE', enable_snat: net.settings.snatDefault,
        routes: '[]', availability_zone_hints: dbJson(it.availability_zone_hints), ...newStd(it.description),
      }).execute();
      const host = await scheduleRouter(net, trx, id);
      const row = await trx.selectFrom('routers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      if (it.external_gateway_info) await setGateway(net, trx, caller, row, it.external_gateway_info);
      out.push({ id, host });
    }
    return out;
  });
  for (const m of made) if (m.host) net.agents.routersChanged(m.host, [m.id]);
  return Promise.all(made.map((m) => showRouter(net.db, m.id)));
}

export async function updateRouter(net: Net, caller: Caller, row: Row, ch: Record<string, unknown>, ifMatch?: number) {
  const host = await inTransaction(net.db, async (trx) => {
    const set: Row = {};
    for (const k of ['name', 'description', 'admin_state_up']) if (ch[k] !== undefined) set[k] = ch[k];
    if (ch.routes !== undefined) {
      const routes = dedupeRoutes((ch.routes as Route[] | null) ?? []);
      await checkRoutes(net, trx, row.id, routes);
      set.routes = dbJson(routes);
    }
    if (await bump(trx, 'routers', row.id, ifMatch, set) === undefined) throw routerNotFound(row.id);
    if (ch.external_gateway_info !== undefined) await setGateway(net, trx, caller, row, ch.external_gateway_info as GatewayInfo | null);
    return scheduleRouter(net, trx, row.id);
  });
  if (host) net.agents.routersChanged(host, [row.id]);
  return showRouter(net.db, row.id);
}

export async function changeRoutes(net: Net, row: Row, routes: Route[], add: boolean) {
  const host = await inTransaction(net.db, async (trx) => {
    const current = json<Route[]>((await trx.selectFrom('routers').select('routes').where('id', '=', row.id).executeTakeFirstOrThrow()).routes, []);
    const key = (r: Route) => `${r.destination}|${r.nexthop}`;
    const next = add ? dedupeRoutes([...current, ...routes]) : current.filter((c) => !routes.some((r) => key(r) === key(c)));
    if (add) await checkRoutes(net, trx, row.id, next);
    await bump(trx, 'routers', row.id, undefined, { routes: dbJson(next) });
    return row.host as string | null;
  });
  if (host) net.agents.routersChanged(host, [row.id]);
  return showRouter(net.db, row.id);
}

export async function deleteRouter(net: Net, row: Row, ifMatch?: number): Promise<void> {
  await inTransaction(net.db, async (trx) => {
    if (ifMatch !== undefined) await bump(trx, 'routers', row.id, ifMatch);
    const iface = await trx.selectFrom('ports').select('id').where('device_id', '=', row.id).where('device_owner', '=', IF_OWNER).executeTakeFirst();
    if (iface || await fipsOnRouter(trx, row.id)) throw conflict('RouterInUse', `Router ${row.id} still has ports`);
    if (row.gw_port_id) await deletePortRows(trx, [row.gw_port_id]);
    await dropTags(trx, row.id);
    await trx.deleteFrom('routers').where('id', '=', row.id).execute();
  });
  if (row.host) net.agents.routerRemoved(row.host, row.id);
}
