// Router interfaces (add_router_interface / remove_router_interface): by subnet (a new port
// with the subnet's gateway address) or by an existing port. One router never joins two
// overlapping subnets; IPv6 subnets of one network share one port, as in Neutron.
import { inTransaction } from '../../../lib/db/index.ts';
import { badResourceRequest, conflict, notFound, portNotFound, subnetNotFound } from '../errors.ts';
import { contains, overlaps, parseCidr, parseIp } from '../lib/ip.ts';
import type { Caller } from './caller.ts';
import { allocateForPort, subnetsOfNetwork } from './ipam.ts';
import type { Net } from './net.ts';
import { IF_OWNER, GW_OWNER, type Route } from './routers.ts';
import { scheduleRouter } from './scheduling.ts';
import { insertServicePort } from './service-ports.ts';
import { subnetRow } from './subnets.ts';
import { bump, json, type Db, type Row } from './std.ts';
import { deletePortRows } from './port-store.ts';
import { canSeePort } from './ports.ts';

export interface InterfaceInfo { id: string; tenant_id: string; project_id: string; port_id: string; subnet_id: string; subnet_ids: string[]; network_id: string }

async function routerPortIps(db: Db, routerId: string): Promise<Array<{ port_id: string; network_id: string; subnet_id: string; cidr: string; ip: string; owner: string }>> {
  const rows = await db.selectFrom('ports as p').innerJoin('ip_allocations as a', 'a.port_id', 'p.id').innerJoin('subnets as s', 's.id', 'a.subnet_id')
    .select(['p.id as port_id', 'p.network_id', 'p.device_owner as owner', 'a.subnet_id', 's.cidr', 'a.ip_address as ip'])
    .where('p.device_id', '=', routerId).where('p.device_owner', 'in', [IF_OWNER, GW_OWNER]).execute();
  return rows as any;
}

async function checkOverlap(db: Db, routerId: string, subnets: Array<{ id: string; cidr: string }>, skipPort?: string): Promise<void> {
  const existing = await routerPortIps(db, routerId);
  for (const s of subnets) {
    const mine = parseCidr(s.cidr)!;
    for (const e of existing) {
      if (e.port_id === skipPort) continue;
      if (e.subnet_id === s.id) throw badResourceRequest('router', `Router already has a port on subnet ${s.id}`);
      if (overlaps(parseCidr(e.cidr)!, mine)) {
        throw badResourceRequest('router', `Cidr ${s.cidr} of subnet ${s.id} overlaps with cidr ${e.cidr} of subnet ${e.subnet_id}`);
      }
    }
  }
}

async function info(db: Db, router: Row, portId: string, subnetId?: string): Promise<InterfaceInfo> {
  const port = await db.selectFrom('ports').select(['id', 'network_id']).where('id', '=', portId).executeTakeFirstOrThrow();
  const ids = (await db.selectFrom('ip_allocations').select('subnet_id').where('port_id', '=', portId).execute()).map((r: Row) => r.subnet_id as string);
  return { id: router.id, tenant_id: router.project_id, project_id: router.project_id, port_id: portId, subnet_id: subnetId ?? ids[0] ?? '', subnet_ids: ids, network_id: port.network_id };
}

export async function addInterface(net: Net, caller: Caller, router: Row, req: { subnet_id?: string; port_id?: string }): Promise<InterfaceInfo> {
  if (req.port_id && req.subnet_id) throw badResourceRequest('router', 'Cannot specify both subnet-id and port-id');
  if (!req.port_id && !req.subnet_id) throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
  const out = await inTransaction(net.db, async (trx) => {
    await bump(trx, 'routers', router.id);
    const host = await scheduleRouter(net, trx, router.id);
    if (req.port_id) {
      const port = await trx.selectFrom('ports').selectAll().where('id', '=', req.port_id).executeTakeFirst();
      if (!port || !await canSeePort(trx, caller, port)) throw portNotFound(req.port_id);
      if (port.device_id) throw conflict('PortInUse', `Unable to complete operation on port ${port.id} for network ${port.network_id}. Port already has an attached device ${port.device_id}.`);
      const ips = await trx.selectFrom('ip_allocations as a').innerJoin('subnets as s', 's.id', 'a.subnet_id').select(['s.id', 's.cidr', 's.ip_version']).where('a.port_id', '=', port.id).execute();
      if (!ips.length) throw badResourceRequest('router', 'Router port must have at least one fixed IP');
      if (ips.filter((i: Row) => Number(i.ip_version) === 4).length > 1) throw badResourceRequest('router', 'Cannot have multiple IPv4 subnets on router port');
      await checkOverlap(trx, router.id, ips);
      await trx.updateTable('ports').set({ device_id: router.id, device_owner: IF_OWNER, host: host ?? '' }).where('id', '=', port.id).execute();
      await trx.deleteFrom('port_security_groups').where('port_id', '=', port.id).execute();
      await bump(trx, 'ports', port.id);
      return { info: await info(trx, router, port.id), host };
    }
    const { row: subnet } = await subnetRow(trx, caller, req.subnet_id!).catch(() => { throw subnetNotFound(req.subnet_id!); });
    if (!subnet.gateway_ip) throw badResourceRequest('router', 'Subnet for router interface must have a gateway IP');
    await checkOverlap(trx, router.id, [{ id: subnet.id as string, cidr: subnet.cidr as string }]);
    if (Number(subnet.ip_version) === 6) {
      // Another IPv6 subnet of a network the router already has an IPv6-only port on: same port.
      const ports = (await routerPortIps(trx, router.id)).filter((p) => p.owner === IF_OWNER && p.network_id === subnet.network_id);
      const v6Only = ports.length && ports.every((p) => p.ip.includes(':'));
      if (v6Only) {
        const portId = ports[0]!.port_id;
        const subnets = await subnetsOfNetwork(trx, subnet.network_id);
        const port = await trx.selectFrom('ports').selectAll().where('id', '=', portId).executeTakeFirstOrThrow();
        await allocateForPort(trx, subnets, { id: portId, network_id: subnet.network_id, mac_address: port.mac_address, device_owner: IF_OWNER }, [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }]);
        await bump(trx, 'ports', portId);
        return { info: await info(trx, router, portId, subnet.id), host };
      }
    }
    const portId = await insertServicePort(net, trx, {
      network_id: subnet.network_id, project_id: router.project_id, device_owner: IF_OWNER, device_id: router.id, host: host ?? '',
      fixed_ips: [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }],
    }, caller);
    return { info: await info(trx, router, portId, subnet.id), host };
  });
  if (out.host) net.agents.routersChanged(out.host, [router.id]);
  return out.info;
}

/** Floating IPs through this router whose fixed address lies in `cidr`. */
async function fipsThrough(db: Db, routerId: string, cidr: string): Promise<boolean> {
  const c = parseCidr(cidr)!;
  const fips = await db.selectFrom('floatingips').select('fixed_ip_address').where('router_id', '=', routerId).execute();
  return fips.some((f: Row) => f.fixed_ip_address && contains(c, parseIp(f.fixed_ip_address)!));
}

export async function removeInterface(net: Net, caller: Caller, router: Row, req: { subnet_id?: string; port_id?: string }): Promise<InterfaceInfo> {
  if (!req.port_id && !req.subnet_id) throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
  const out = await inTransaction(net.db, async (trx) => {
    await bump(trx, 'routers', router.id);
    const ips = (await routerPortIps(trx, router.id)).filter((p) => p.owner === IF_OWNER);
    let portId: string; let subnetIds: string[];
    if (req.port_id) {
      const mine = ips.filter((p) => p.port_id === req.port_id);
      if (!mine.length) throw notFound('RouterInterfaceNotFound', `Router ${router.id} does not have an interface with id ${req.port_id}`);
      if (req.subnet_id && !mine.some((p) => p.subnet_id === req.subnet_id)) throw conflict('SubnetMismatchForPort', `Subnet on port ${req.port_id} does not match the requested subnet ${req.subnet_id}.`);
      portId = req.port_id; subnetIds = mine.map((p) => p.subnet_id);
    } else {
      const hit = ips.find((p) => p.subnet_id === req.subnet_id);
      if (!hit) throw notFound('RouterInterfaceNotFoundForSubnet', `Router ${router.id} has no interface on subnet ${req.subnet_id}`);
      portId = hit.port_id; subnetIds = [hit.subnet_id];
    }
    const routes = json<Route[]>((await trx.selectFrom('routers').select('routes').where('id', '=', router.id).executeTakeFirstOrThrow()).routes, []);
    for (const sid of subnetIds) {
      const cidr = ips.find((p) => p.subnet_id === sid)!.cidr;
      if (await fipsThrough(trx, router.id, cidr)) {
        throw conflict('RouterInterfaceInUseByFloatingIP', `Router interface for subnet ${sid} on router ${router.id} cannot be deleted, as it is required by one or more floating IPs.`);
      }
      if (routes.some((r) => contains(parseCidr(cidr)!, parseIp(r.nexthop)!))) {
        throw conflict('RouterInterfaceInUseByRoute', `Router interface for subnet ${sid} on router ${router.id} cannot be deleted, as it is required by one or more routes.`);
      }
    }
    const result = await info(trx, router, portId, req.subnet_id ?? subnetIds[0]);
    const remaining = ips.filter((p) => p.port_id === portId && !subnetIds.includes(p.subnet_id));
    const port = await trx.selectFrom('ports').select(['id', 'host', 'network_id']).where('id', '=', portId).executeTakeFirstOrThrow();
    if (remaining.length) {
      for (const sid of subnetIds) await trx.deleteFrom('ip_allocations').where('port_id', '=', portId).where('subnet_id', '=', sid).execute();
      await bump(trx, 'ports', portId);
    } else {
      await deletePortRows(trx, [portId]);
    }
    return { info: { ...result, subnet_ids: subnetIds }, host: (router.host ?? port.host) as string | null };
  });
  if (out.host) net.agents.routersChanged(out.host, [router.id]);
  return out.info;
}
