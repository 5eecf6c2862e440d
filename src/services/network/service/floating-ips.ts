// Floating IPs: an address on an external network (held by a network:floatingip port), and its
// association with a port's fixed IPv4 address through a router that has a gateway on that
// external network and an interface on the port's subnet.
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { badRequest, badResourceRequest, conflict, floatingIpNotFound, networkNotFound, notFound, portNotFound } from '../errors.ts';
import type { Caller } from './caller.ts';
import { canSee } from './networks.ts';
import type { Net } from './net.ts';
import { checkQuota } from './quotas.ts';
import { networkAccess } from './rbac.ts';
import { GW_OWNER, IF_OWNER } from './routers.ts';
import { insertServicePort } from './service-ports.ts';
import { bool, bump, newStd, ownerAttrs, stdAttrs, tagsOf, type Db, type Row } from './std.ts';
import { deleteFloatingIpRows } from './floating-ip-store.ts';

export const FIP_OWNER = 'network:floatingip';

export async function renderFips(db: Db, rows: Row[]) {
  const tags = await tagsOf(db, rows.map((r) => r.id));
  const portIds = rows.map((r) => r.fixed_port_id).filter(Boolean) as string[];
  const ports = portIds.length ? await db.selectFrom('ports').selectAll().where('id', 'in', portIds).execute() : [];
  const byId = new Map(ports.map((p: Row) => [p.id, p]));
  return rows.map((r) => {
    const p = r.fixed_port_id ? byId.get(r.fixed_port_id) : undefined;
    return {
      id: r.id, ...ownerAttrs(r.project_id), floating_network_id: r.floating_network_id, floating_ip_address: r.floating_ip_address,
      fixed_ip_address: r.fixed_ip_address ?? null, port_id: r.fixed_port_id ?? null, router_id: r.router_id ?? null, status: r.status,
      port_details: p ? {
        name: p.name, network_id: p.network_id, mac_address: p.mac_address, admin_state_up: bool(p.admin_state_up),
        status: p.status, device_id: p.device_id, device_owner: p.device_owner,
      } : null,
      ...stdAttrs(r, tags.get(r.id)),
    };
  });
}

export async function listFips(net: Net, caller: Caller) {
  let q = net.db.selectFrom('floatingips').selectAll();
  if (!caller.isAdmin) q = q.where('project_id', '=', caller.projectId ?? '');
  return renderFips(net.db, await q.execute());
}

export async function fipRow(db: Db, caller: Caller, id: string): Promise<Row> {
  const r = await db.selectFrom('floatingips').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || (!caller.isAdmin && r.project_id !== caller.projectId)) throw floatingIpNotFound(id);
  return r;
}

interface Association { fixed_port_id: string; fixed_ip_address: string; router_id: string }

/** Neutron's _get_assoc_data: the port's IPv4 address and the router that reaches it. */
async function associate(db: Db, caller: Caller, fip: { id: string; project_id: string; floating_network_id: string; floating_ip_address?: string }, portId: string, fixedIp: string | undefined): Promise<Association> {
  const port = await db.selectFrom('ports').selectAll().where('id', '=', portId).executeTakeFirst();
  if (!port || (!caller.isAdmin && port.project_id !== caller.projectId)) throw portNotFound(portId);
  if (port.project_id !== fip.project_id) {
    throw badResourceRequest('floatingip', `Cannot create floating IP and bind it to Port ${portId}, since that port is owned by a different tenant`);
  }
  const ips = (await db.selectFrom('ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', portId).execute()).filter((a: Row) => !a.ip_address.includes(':'));
  let chosen: Row | undefined;
  if (fixedIp) {
    chosen = ips.find((a: Row) => a.ip_address === fixedIp);
    if (!chosen) throw badResourceRequest('floatingip', `Port ${portId} does not have fixed ip ${fixedIp}`);
  } else {
    if (!ips.length) throw badResourceRequest('floatingip', `Port ${portId} does not have any IPv4 address`);
    if (ips.length > 1) throw badResourceRequest('floatingip', `Port ${portId} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP`);
    chosen = ips[0];
  }
  const routers = await db.selectFrom('ports as i').innerJoin('ip_allocations as a', 'a.port_id', 'i.id')
    .innerJoin('routers as r', 'r.id', 'i.device_id').innerJoin('ports as g', 'g.id', 'r.gw_port_id')
    .select('r.id').where('i.device_owner', '=', IF_OWNER).where('a.subnet_id', '=', chosen!.subnet_id)
    .where('g.network_id', '=', fip.floating_network_id).where('g.device_owner', '=', GW_OWNER).execute();
  if (!routers.length) {
    throw notFound('ExternalGatewayForFloatingIPNotFound', `External network ${fip.floating_network_id} is not reachable from subnet ${chosen!.subnet_id}.  Therefore, cannot associate Port ${portId} with a Floating IP.`);
  }
  const taken = await db.selectFrom('floatingips').select(['id', 'floating_ip_address']).where('fixed_port_id', '=', portId)
    .where('fixed_ip_address', '=', chosen!.ip_address).where('id', '!=', fip.id).executeTakeFirst();
  if (taken) {
    throw conflict('FloatingIPPortAlreadyAssociated', `Cannot associate floating IP ${fip.floating_ip_address ?? ''} (${fip.id}) with port ${portId} using fixed IP ${chosen!.ip_address}, as that fixed IP already has a floating IP on external network ${fip.floating_network_id}.`);
  }
  return { fixed_port_id: portId, fixed_ip_address: chosen!.ip_address, router_id: routers[0]!.id };
}

const routerHost = async (db: Db, routerId: string | null | undefined): Promise<[string, string] | undefined> => {
  if (!routerId) return undefined;
  const r = await db.selectFrom('routers').select('host').where('id', '=', routerId).executeTakeFirst();
  return r?.host ? [r.host, routerId] : undefined;
};

export interface FipCreate { project_id: string; floating_network_id: string; floating_ip_address?: string; subnet_id?: string; port_id?: string | null; fixed_ip_address?: string; description: string }

export async function createFip(net: Net, caller: Caller, it: FipCreate) {
  const out = await inTransaction(net.db, async (trx) => {
    const network = await trx.selectFrom('networks').selectAll().where('id', '=', it.floating_network_id).executeTakeFirst();
    if (!network || !canSee(caller, network, await networkAccess(trx, caller.projectId))) throw networkNotFound(it.floating_network_id);
    if (!bool(network.router_external)) throw badResourceRequest('floatingip', `Network ${network.id} is not a valid external network`);
    await checkQuota(net, trx, it.project_id, 'floatingip');
    const v4 = await trx.selectFrom('subnets').select('id').where('network_id', '=', network.id).where('ip_version', '=', 4).execute();
    if (!v4.length) throw badResourceRequest('floatingip', `Network ${network.id} does not contain any IPv4 subnet`);
    const id = uuid();
    const fixed = it.floating_ip_address || it.subnet_id
      ? [{ ...(it.subnet_id ? { subnet_id: it.subnet_id } : {}), ...(it.floating_ip_address ? { ip_address: it.floating_ip_address } : {}) }]
      : [{ any_of: v4.map((s: Row) => s.id as string) }];
    const portId = await insertServicePort(net, trx, { network_id: network.id, project_id: '', device_owner: FIP_OWNER, device_id: id, host: '', fixed_ips: fixed })
      .catch((err) => {
        if ((err as { kwargs?: { type?: string } }).kwargs?.type === 'IpAddressGenerationFailure') throw badRequest('ExternalIpAddressExhausted', `Unable to find any IP address on external network ${network.id}.`);
        throw err;
      });
    const address = (await trx.selectFrom('ip_allocations').select('ip_address').where('port_id', '=', portId).executeTakeFirstOrThrow()).ip_address;
    const assoc = it.port_id ? await associate(trx, caller, { id, project_id: it.project_id, floating_network_id: network.id, floating_ip_address: address }, it.port_id, it.fixed_ip_address) : undefined;
    await trx.insertInto('floatingips').values({
      id, project_id: it.project_id, floating_network_id: network.id, floating_ip_address: address, floating_port_id: portId,
      fixed_port_id: assoc?.fixed_port_id ?? null, fixed_ip_address: assoc?.fixed_ip_address ?? null, router_id: assoc?.router_id ?? null,
      status: 'DOWN', ...newStd(it.description),
    }).execute();
    return { id, host: await routerHost(trx, assoc?.router_id) };
  });
  if (out.host) net.agents.routersChanged(out.host[0], [out.host[1]]);
  return (await renderFips(net.db, [await net.db.selectFrom('floatingips').selectAll().where('id', '=', out.id).executeTakeFirstOrThrow()]))[0]!;
}

export async function updateFip(net: Net, caller: Caller, row: Row, ch: Record<string, unknown>, ifMatch?: number) {
  const hosts = await inTransaction(net.db, async (trx) => {
    const set: Row = {};
    if (ch.description !== undefined) set.description = ch.description;
    const before = await routerHost(trx, row.router_id);
    if (ch.port_id !== undefined) {
      if (ch.port_id === null) {
        Object.assign(set, { fixed_port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' });
      } else {
        const a = await associate(trx, caller, row as any, ch.port_id as string, ch.fixed_ip_address as string | undefined);
        Object.assign(set, a, a.router_id !== row.router_id || a.fixed_ip_address !== row.fixed_ip_address ? { status: 'DOWN' } : {});
      }
    } else if (ch.fixed_ip_address !== undefined && row.fixed_port_id) {
      Object.assign(set, await associate(trx, caller, row as any, row.fixed_port_id, ch.fixed_ip_address as string));
    }
    if (await bump(trx, 'floatingips', row.id, ifMatch, set) === undefined) throw floatingIpNotFound(row.id);
    const after = await routerHost(trx, (set.router_id !== undefined ? set.router_id : row.router_id) as string | null);
    return [before, after].filter(Boolean) as Array<[string, string]>;
  });
  for (const [host, router] of hosts) net.agents.routersChanged(host, [router]);
  return (await renderFips(net.db, [await net.db.selectFrom('floatingips').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()]))[0]!;
}

export async function deleteFip(net: Net, row: Row, ifMatch?: number): Promise<void> {
  const host = await inTransaction(net.db, async (trx) => {
    if (ifMatch !== undefined) await bump(trx, 'floatingips', row.id, ifMatch);
    const h = await routerHost(trx, row.router_id);
    await deleteFloatingIpRows(trx, [row.id]);
    return h;
  });
  if (host) net.agents.routersChanged(host[0], [host[1]]);
}

/** Statuses the L3 agent reports once it applied (ACTIVE) or dropped (DOWN) the NAT rules. */
export async function setFipStatuses(db: Db, statuses: Record<string, string>): Promise<void> {
  for (const [id, status] of Object.entries(statuses)) {
    await db.updateTable('floatingips').set({ status }).where('id', '=', id).where('status', '!=', status).execute();
  }
}

export async function floatingIpPools(net: Net, caller: Caller) {
  const access = await networkAccess(net.db, caller.projectId);
  const nets = (await net.db.selectFrom('networks').selectAll().where('router_external', '=', true).execute()).filter((n: Row) => canSee(caller, n, access));
  if (!nets.length) return [];
  const subnets = await net.db.selectFrom('subnets').selectAll().where('network_id', 'in', nets.map((n: Row) => n.id)).where('ip_version', '=', 4).execute();
  return subnets.map((s: Row) => ({ subnet_id: s.id, subnet_name: s.name, network_id: s.network_id, cidr: s.cidr, ...ownerAttrs(s.project_id) }));
}
