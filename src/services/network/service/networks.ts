// Networks: visibility (own, shared, external, RBAC), rendering, create / update / delete.
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { conflict, networkNotFound, notFound, invalidInput } from '../errors.ts';
import type { Caller } from './caller.ts';
import type { Net } from './net.ts';
import { checkQuota } from './quotas.ts';
import { networkAccess, setWildcard, type NetworkAccess } from './rbac.ts';
import { allocateProviderSegment, allocateTenantSegment, networkMtu, type Segment } from './segments.ts';
import { ensureDefaultSecurityGroup } from './security-groups.ts';
import { bool, bump, json, dbJson, newStd, ownerAttrs, stdAttrs, tagsOf, type Db, type Row } from './std.ts';
import { dropTags } from './tags.ts';
import { deletePortRows } from './port-store.ts';
import { deleteFloatingIpRows } from './floating-ip-store.ts';
import { DHCP_AGENT } from './scheduling.ts';


/** Availability zone of each host that runs an agent of `type`. */
export async function zonesByHost(db: Db, type: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('agents').select(['host', 'availability_zone']).where('agent_type', '=', type).execute();
  return new Map(rows.map((r: any) => [r.host, r.availability_zone ?? 'nova']));
}

export interface NetworkView { row: Row; sharedForCaller: boolean }

/** Can the caller see this network (Neutron's get_network: owner, shared, external, RBAC)? */
export function canSee(caller: Caller, row: Row, access: NetworkAccess): boolean {
  return caller.isAdmin || caller.isService || row.project_id === caller.projectId || bool(row.shared) || bool(row.router_external)
    || access.shared.has(row.id) || access.external.has(row.id);
}

/** Is the network shared with the caller's project (so it may put ports and see subnets on it)? */
export const sharedWith = (row: Row, access: NetworkAccess): boolean => bool(row.shared) || access.shared.has(row.id);

export async function networkRow(db: Db, id: string): Promise<Row | undefined> {
  return db.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The network if the caller may see it, else NetworkNotFound. */
export async function visibleNetwork(net: Net, db: Db, caller: Caller, id: string): Promise<{ row: Row; access: NetworkAccess }> {
  const row = await networkRow(db, id);
  if (!row) throw networkNotFound(id);
  // RBAC entries only matter for someone else's private network: skip the query otherwise.
  const access = caller.isAdmin || row.project_id === caller.projectId || bool(row.shared)
    ? NO_ACCESS : await networkAccess(db, caller.projectId);
  if (!canSee(caller, row, access)) throw networkNotFound(id);
  return { row, access };
}

const NO_ACCESS: NetworkAccess = Object.freeze({ shared: new Set<string>(), external: new Set<string>() }) as NetworkAccess;

/** Neutron's policy target for a network, and the network: keys for its ports and subnets. */
export function networkTarget(row: Row, access: NetworkAccess): Record<string, unknown> {
  return { id: row.id, project_id: row.project_id, tenant_id: row.project_id, shared: sharedWith(row, access), 'router:external': bool(row.router_external) };
}
export function parentNetworkTarget(row: Row, access: NetworkAccess): Record<string, unknown> {
  return { 'network:project_id': row.project_id, 'network:tenant_id': row.project_id, 'network:shared': sharedWith(row, access), 'network:router:external': bool(row.router_external) };
}

export async function renderNetworks(db: Db, rows: Row[], access: NetworkAccess) {
  const ids = rows.map((r) => r.id);
  const subnets = new Map<string, string[]>();
  const subRows = ids.length > 500
    ? await db.selectFrom('subnets').select(['id', 'network_id']).execute()
    : ids.length ? await db.selectFrom('subnets').select(['id', 'network_id']).where('network_id', 'in', ids).execute() : [];
  for (const s of subRows) subnets.set(s.network_id, [...(subnets.get(s.network_id) ?? []), s.id]);
  const tags = await tagsOf(db, ids);
  const zones = await zonesByHost(db, DHCP_AGENT);
  return rows.map((r) => ({
    id: r.id, name: r.name, ...ownerAttrs(r.project_id), admin_state_up: bool(r.admin_state_up), mtu: Number(r.mtu), status: r.status,
    subnets: subnets.get(r.id) ?? [], shared: sharedWith(r, access), availability_zone_hints: json<string[]>(r.availability_zone_hints, []),
    availability_zones: r.dhcp_host && zones.has(r.dhcp_host) ? [zones.get(r.dhcp_host)!] : [],
    'router:external': bool(r.router_external), port_security_enabled: bool(r.port_security_enabled),
    'provider:network_type': r.network_type, 'provider:physical_network': r.physical_network ?? null,
    'provider:segmentation_id': r.segmentation_id === null || r.segmentation_id === undefined ? null : Number(r.segmentation_id),
    ...stdAttrs(r, tags.get(r.id)),
  }));
}

export async function listNetworks(net: Net, caller: Caller, idFilter?: unknown[]) {
  const access = await networkAccess(net.db, caller.projectId);
  let q = net.db.selectFrom('networks').selectAll();
  if (idFilter?.length) q = q.where('id', 'in', idFilter.map(String));
  const rows = (await q.execute()).filter((r: Row) => canSee(caller, r, access));
  return renderNetworks(net.db, rows, access);
}

export async function showNetwork(net: Net, caller: Caller, id: string) {
  const { row, access } = await visibleNetwork(net, net.db, caller, id);
  return (await renderNetworks(net.db, [row], access))[0]!;
}

export interface NetworkCreate {
  /** Only for networks the service makes itself (the first-start public network). */
  id?: string;
  project_id: string; name: string; description: string; admin_state_up: boolean; shared: boolean; external: boolean;
  mtu?: number; port_security_enabled: boolean; availability_zone_hints: string[];
  provider?: { network_type?: unknown; physical_network?: unknown; segmentation_id?: unknown };
}

async function checkZones(db: Db, hints: string[]): Promise<void> {
  if (!hints.length) return;
  const known = new Set((await db.selectFrom('agents').select('availability_zone').execute()).map((r: any) => r.availability_zone ?? 'nova'));
  for (const h of hints) if (!known.has(h)) throw notFound('AvailabilityZoneNotFound', `AvailabilityZone ${h} could not be found.`);
}

export async function createNetworks(net: Net, caller: Caller, items: NetworkCreate[]) {
  const ids = await inTransaction(net.db, async (trx) => {
    const out: string[] = [];
    for (const it of items) {
      await checkQuota(net, trx, it.project_id, 'network');
      await checkZones(trx, it.availability_zone_hints);
      const id = it.id ?? uuid();
      // The row first (segment allocations refer to it), its segment right after.
      await trx.insertInto('networks').values({
        id, project_id: it.project_id, name: it.name, admin_state_up: it.admin_state_up, status: 'ACTIVE', shared: it.shared,
        router_external: it.external, mtu: 0, port_security_enabled: it.port_security_enabled,
        availability_zone_hints: dbJson(it.availability_zone_hints), network_type: 'local', ...newStd(it.description),
      }).execute();
      const segment: Segment = it.provider ? await allocateProviderSegment(net, trx, id, it.provider) : await allocateTenantSegment(net, trx, id);
      await trx.updateTable('networks').set({
        network_type: segment.network_type, physical_network: segment.physical_network, segmentation_id: segment.segmentation_id,
        mtu: networkMtu(net, segment, it.mtu),
      }).where('id', '=', id).execute();
      if (it.shared) await setWildcard(trx, id, it.project_id, 'access_as_shared', true);
      if (it.external) await setWildcard(trx, id, it.project_id, 'access_as_external', true);
      await ensureDefaultSecurityGroup(trx, it.project_id);
      out.push(id);
    }
    return out;
  });
  const access = await networkAccess(net.db, caller.projectId);
  const rows = await net.db.selectFrom('networks').selectAll().where('id', 'in', ids).execute();
  const byId = new Map((await renderNetworks(net.db, rows, access)).map((n) => [n.id, n]));
  return ids.map((id) => byId.get(id)!);
}

/** Projects other than the owner with ports on the network. */
async function otherProjectsOnNetwork(db: Db, row: Row): Promise<boolean> {
  const other = await db.selectFrom('ports').select('id').where('network_id', '=', row.id)
    .where('project_id', '!=', row.project_id).where('project_id', '!=', '').executeTakeFirst();
  return !!other;
}

export async function updateNetwork(net: Net, caller: Caller, row: Row, ch: Record<string, unknown>, ifMatch?: number) {
  await inTransaction(net.db, async (trx) => {
    const set: Row = {};
    for (const k of ['name', 'description', 'admin_state_up', 'port_security_enabled']) if (ch[k] !== undefined) set[k] = ch[k];
    for (const k of ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id']) {
      const cur = { 'provider:network_type': row.network_type, 'provider:physical_network': row.physical_network, 'provider:segmentation_id': row.segmentation_id }[k];
      if (ch[k] !== undefined && ch[k] !== cur) throw invalidInput('Plugin does not support updating the following provider network attributes: ' + k);
    }
    if (ch.mtu !== undefined && ch.mtu !== Number(row.mtu)) {
      const mtu = networkMtu(net, row as unknown as Segment, ch.mtu);
      if (mtu < 1280 && await trx.selectFrom('subnets').select('id').where('network_id', '=', row.id).where('ip_version', '=', 6).executeTakeFirst()) {
        throw conflict('NetworkMTUSubnetConflict', `MTU of ${row.id} is not valid, subnet requires a minimum of 1280`);
      }
      set.mtu = mtu;
    }
    if (ch.shared !== undefined && ch.shared !== bool(row.shared)) {
      if (!ch.shared && await otherProjectsOnNetwork(trx, row)) {
        throw conflict('InvalidSharedSetting', `Unable to reconfigure sharing settings for network ${row.id}. Multiple tenants are using it.`);
      }
      set.shared = ch.shared;
      await setWildcard(trx, row.id, row.project_id, 'access_as_shared', ch.shared as boolean);
    }
    if (ch['router:external'] !== undefined && ch['router:external'] !== bool(row.router_external)) {
      if (!ch['router:external']) {
        const gw = await trx.selectFrom('ports').select('id').where('network_id', '=', row.id).where('device_owner', 'in', ['network:router_gateway', 'network:floatingip']).executeTakeFirst();
        if (gw) throw conflict('ExternalNetworkInUse', `External network ${row.id} cannot be updated to be made non-external, since it has existing gateway ports.`);
      }
      set.router_external = ch['router:external'];
      await setWildcard(trx, row.id, row.project_id, 'access_as_external', ch['router:external'] as boolean);
    }
    if (await bump(trx, 'networks', row.id, ifMatch, set) === undefined) throw networkNotFound(row.id);
  });
  net.agents.networkChanged(row.id);
  return showNetwork(net, caller, row.id);
}

/** Ports that do not keep a network alive: Neutron deletes them with it. */
const AUTO_DELETE = new Set(['network:dhcp', 'network:floatingip']);

export async function deleteNetwork(net: Net, row: Row, ifMatch?: number): Promise<void> {
  const removed = await inTransaction(net.db, async (trx) => {
    if (ifMatch !== undefined) await bump(trx, 'networks', row.id, ifMatch);
    const ports = await trx.selectFrom('ports').select(['id', 'device_owner', 'host']).where('network_id', '=', row.id).execute();
    if (ports.some((p: Row) => !AUTO_DELETE.has(p.device_owner))) {
      throw conflict('NetworkInUse', `Unable to complete operation on network ${row.id}. There are one or more ports still in use on the network.`);
    }
    await deleteFloatingIpRows(trx, (await trx.selectFrom('floatingips').select('id').where('floating_network_id', '=', row.id).execute()).map((f: Row) => f.id));
    await deletePortRows(trx, ports.map((p: Row) => p.id));
    const subnetIds = (await trx.selectFrom('subnets').select('id').where('network_id', '=', row.id).execute()).map((s: Row) => s.id);
    for (const id of subnetIds) await dropTags(trx, id);
    await trx.deleteFrom('subnets').where('network_id', '=', row.id).execute();
    await trx.deleteFrom('rbac_policies').where('object_id', '=', row.id).execute();
    await dropTags(trx, row.id);
    await trx.deleteFrom('networks').where('id', '=', row.id).execute();
    return ports.filter((p: Row) => p.host);
  });
  for (const p of removed) net.agents.portRemoved(p.host, p.id, row.id);
  net.agents.networkRemoved(row.id);
}
