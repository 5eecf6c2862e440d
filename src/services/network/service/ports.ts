// Ports: creation (MAC, addresses, security groups, address pairs, binding), update, delete,
// and the notifications that make the port's host wire it. One transaction per request, bulk
// included, so a failed item leaves nothing behind.
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { badRequest, conflict, macInUse, portNotFound, securityGroupNotFound } from '../errors.ts';
import { randomMac } from '../lib/mac.ts';
import type { Caller } from './caller.ts';
import { allocateForPort, releaseIps, subnetsOfNetwork, type Allocation, type IpRequest, type SubnetForIpam } from './ipam.ts';
import { visibleNetwork } from './networks.ts';
import type { Net } from './net.ts';
import { checkQuota } from './quotas.ts';
import { bindPort } from './scheduling.ts';
import { ensureDefaultSecurityGroup } from './security-groups.ts';
import { compareIps, deletePortRows, portRow, renderPort, renderPorts } from './port-store.ts';
import { bool, bump, dbJson, json, newStd, type Db, type Row } from './std.ts';

export interface AddressPair { ip_address: string; mac_address?: string }
export interface DhcpOpt { opt_name: string; opt_value: string | null; ip_version?: number }

export interface PortCreate {
  project_id: string; network_id: string; name: string; description: string; admin_state_up: boolean;
  mac_address?: string; fixed_ips?: IpRequest[]; device_id: string; device_owner: string;
  security_groups?: string[]; port_security_enabled?: boolean; allowed_address_pairs: AddressPair[]; extra_dhcp_opts: DhcpOpt[];
  host: string; vnic_type: string; profile: Record<string, unknown>;
}

export const SERVICE_OWNERS = new Set(['network:router_interface', 'network:router_gateway', 'network:floatingip', 'network:router_interface_distributed', 'network:ha_router_replicated_interface']);

const psecRequiredForSgs = () => badRequest('PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
const psecRequiredForPairs = () => conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');

async function checkGroups(db: Db, caller: Caller, projectId: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    const sg = await db.selectFrom('security_groups').select(['id', 'project_id']).where('id', '=', id).executeTakeFirst();
    if (!sg || (sg.project_id !== projectId && !caller.isAdmin)) throw securityGroupNotFound(id);
  }
}

function normalizePairs(s: Net, pairs: AddressPair[], mac: string): AddressPair[] {
  if (pairs.length > s.settings.maxAddressPairs) {
    throw badRequest('AllowedAddressPairExhausted', `The number of allowed address pair exceeds the maximum ${s.settings.maxAddressPairs}.`);
  }
  const out = pairs.map((p) => ({ ip_address: p.ip_address, mac_address: p.mac_address ?? mac }));
  const keys = new Set<string>();
  for (const p of out) {
    const k = `${p.ip_address}|${p.mac_address}`;
    if (keys.has(k)) throw badRequest('DuplicateAddressPairInRequest', `Request contains duplicate address pair: mac_address ${p.mac_address} ip_address ${p.ip_address}.`);
    keys.add(k);
  }
  return out;
}

const normalizeOpts = (opts: DhcpOpt[]) => opts.map((o) => ({ opt_name: o.opt_name, opt_value: o.opt_value ?? null, ip_version: Number(o.ip_version ?? 4) }));

/** Inserts the row with a free MAC: a generated one is redrawn on collision, a requested one is 409. */
async function insertPortRow(net: Net, db: Db, row: Row, requestedMac: string | undefined): Promise<string> {
  for (let attempt = 0; attempt < 16; attempt++) {
    const mac = requestedMac ?? randomMac(net.settings.baseMac);
    const res = await db.insertInto('ports').values({ ...row, mac_address: mac }).onConflict((oc: any) => oc.doNothing()).executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) return mac;
    if (requestedMac) throw macInUse(row.network_id, requestedMac);
  }
  throw conflict('NetworkMacAddressGenerationFailure', `Unable to generate unique mac on network ${row.network_id}.`);
}

async function setGroups(db: Db, portId: string, ids: string[]): Promise<void> {
  await db.deleteFrom('port_security_groups').where('port_id', '=', portId).execute();
  for (const id of new Set(ids)) await db.insertInto('port_security_groups').values({ port_id: portId, security_group_id: id }).execute();
}

/** Creates ports inside `db` (a transaction or not); returns ids and the hosts to tell. */
export async function insertPorts(net: Net, db: Db, caller: Caller, items: PortCreate[]): Promise<{ ids: string[]; rendered: Array<ReturnType<typeof renderPort>>; bound: Array<[string, string]>; groups: Set<string>; dhcp: Map<string, string> }> {
  const ids: string[] = []; const bound: Array<[string, string]> = []; const boundGroups = new Set<string>();
  const dhcp = new Map<string, string>();
  const subnetCache = new Map<string, SubnetForIpam[]>();
  const rendered: Array<ReturnType<typeof renderPort>> = [];
  for (const it of items) {
    const { row: network } = await visibleNetwork(net, db, caller, it.network_id);
    if (it.project_id) await checkQuota(net, db, it.project_id, 'port');
    const subnets = subnetCache.get(network.id) ?? await subnetsOfNetwork(db, network.id);
    subnetCache.set(network.id, subnets);
    const psec = it.port_security_enabled ?? bool(network.port_security_enabled);
    if (!psec && it.allowed_address_pairs.length) throw psecRequiredForPairs();
    const binding = await bindPort(net, db, it.host, network, it.vnic_type);
    const id = uuid();
    const row = {
      id, project_id: it.project_id, network_id: network.id, name: it.name, admin_state_up: it.admin_state_up, status: 'DOWN',
      device_id: it.device_id, device_owner: it.device_owner, host: it.host, vnic_type: it.vnic_type, vif_type: binding.vif_type,
      vif_details: dbJson(binding.vif_details), profile: dbJson(it.profile), port_security_enabled: psec,
      allowed_address_pairs: '[]', extra_dhcp_opts: dbJson(normalizeOpts(it.extra_dhcp_opts)), ...newStd(it.description),
    };
    const mac = await insertPortRow(net, db, row, it.mac_address);
    if (it.allowed_address_pairs.length) {
      await db.updateTable('ports').set({ allowed_address_pairs: dbJson(normalizePairs(net, it.allowed_address_pairs, mac)) }).where('id', '=', id).execute();
    }
    const ips = await allocateForPort(db, subnets, { id, network_id: network.id, mac_address: mac, device_owner: it.device_owner }, it.fixed_ips);
    let groups: string[];
    if (it.security_groups === undefined) {
      groups = psec && ips.length && !it.device_owner.startsWith('network:') ? [await ensureDefaultSecurityGroup(db, it.project_id)].filter(Boolean) : [];
    } else {
      groups = it.security_groups;
      if (groups.length && (!psec || !ips.length)) throw psecRequiredForSgs();
      await checkGroups(db, caller, it.project_id, groups);
    }
    for (const g of new Set(groups)) await db.insertInto('port_security_groups').values({ port_id: id, security_group_id: g }).execute();
    if (network.dhcp_host && ips.length) dhcp.set(network.id, network.dhcp_host);
    ids.push(id);
    // The response is built from what was written: no read-back.
    const pairs = it.allowed_address_pairs.length ? dbJson(normalizePairs(net, it.allowed_address_pairs, mac)) : '[]';
    rendered.push(renderPort({ ...row, mac_address: mac, allowed_address_pairs: pairs }, {
      ips: new Map([[id, [...ips].sort(compareIps)]]), sgs: new Map([[id, [...new Set(groups)]]]), tags: new Map(),
    }));
    if (it.host && binding.vif_type !== 'binding_failed') {
      bound.push([it.host, id]);
      for (const g of groups) boundGroups.add(g);
    }
  }
  return { ids, rendered, bound, groups: boundGroups, dhcp };
}

export async function createPorts(net: Net, caller: Caller, items: PortCreate[]) {
  const { rendered, bound, groups, dhcp } = await inTransaction(net.db, (trx) => insertPorts(net, trx, caller, items));
  for (const [host, id] of bound) net.agents.portChanged(host, id);
  for (const [network, host] of dhcp) net.agents.dhcpChanged(host, network);
  // Bound ports are members their groups' remote-group rules admit elsewhere.
  if (groups.size) net.agents.securityGroupMembersChanged([...groups]);
  return rendered;
}

export async function renderByIds(db: Db, ids: string[]) {
  const rows = await db.selectFrom('ports').selectAll().where('id', 'in', ids).execute();
  const byId = new Map((await renderPorts(db, rows)).map((p) => [p.id, p]));
  return ids.map((id) => byId.get(id)!);
}

/** New addresses for a port: requested entries matching current ones are kept as they are. */
async function reallocate(db: Db, port: Row, requested: IpRequest[]): Promise<void> {
  const current: Allocation[] = await db.selectFrom('ip_allocations').select(['subnet_id', 'ip_address']).where('port_id', '=', port.id).execute();
  const keep: Allocation[] = []; const fresh: IpRequest[] = [];
  const pool = [...current];
  for (const r of requested) {
    const at = pool.findIndex((c) => (r.ip_address ? c.ip_address === r.ip_address && (!r.subnet_id || c.subnet_id === r.subnet_id) : c.subnet_id === r.subnet_id));
    if (at >= 0) keep.push(...pool.splice(at, 1)); else fresh.push(r);
  }
  await releaseIps(db, port.id, keep);
  if (fresh.length) {
    const subnets = await subnetsOfNetwork(db, port.network_id);
    await allocateForPort(db, subnets, { id: port.id, network_id: port.network_id, mac_address: port.mac_address, device_owner: port.device_owner }, fresh);
  }
}

function mergeOpts(current: DhcpOpt[], changes: DhcpOpt[]): DhcpOpt[] {
  const out = normalizeOpts(current);
  for (const c of normalizeOpts(changes)) {
    const at = out.findIndex((o) => o.opt_name === c.opt_name && o.ip_version === c.ip_version);
    if (c.opt_value === null) { if (at >= 0) out.splice(at, 1); continue; }
    if (at >= 0) out[at] = c; else out.push(c);
  }
  return out;
}

export async function updatePort(net: Net, caller: Caller, port: Row, ch: Record<string, unknown>, ifMatch?: number) {
  const oldHost = port.host as string;
  const result = await inTransaction(net.db, async (trx) => {
    if (await bump(trx, 'ports', port.id, ifMatch) === undefined) throw portNotFound(port.id);
    const set: Row = {};
    for (const [k, col] of [['name', 'name'], ['description', 'description'], ['admin_state_up', 'admin_state_up'], ['device_id', 'device_id'], ['device_owner', 'device_owner'], ['binding:vnic_type', 'vnic_type']] as const) {
      if (ch[k] !== undefined) set[col] = ch[k];
    }
    if (ch['binding:profile'] !== undefined) set.profile = dbJson(ch['binding:profile']);
    let mac = port.mac_address as string;
    if (ch.mac_address !== undefined && ch.mac_address !== port.mac_address) {
      if (!['unbound', 'binding_failed'].includes(port.vif_type)) {
        throw conflict('PortBound', `Unable to complete operation on port ${port.id}, port is already bound, port type: ${port.vif_type}, old_mac ${port.mac_address}, new_mac ${ch.mac_address}.`);
      }
      const clash = await trx.selectFrom('ports').select('id').where('network_id', '=', port.network_id).where('mac_address', '=', ch.mac_address as string).executeTakeFirst();
      if (clash) throw macInUse(port.network_id, ch.mac_address as string);
      mac = set.mac_address = ch.mac_address as string;
    }
    if (ch.fixed_ips !== undefined) await reallocate(trx, { ...port, mac_address: mac }, ch.fixed_ips as IpRequest[]);
    const psec = ch.port_security_enabled !== undefined ? ch.port_security_enabled as boolean : bool(port.port_security_enabled);
    set.port_security_enabled = psec;
    const groupsNow = (await trx.selectFrom('port_security_groups').select('security_group_id').where('port_id', '=', port.id).execute()).map((r: Row) => r.security_group_id);
    const groups = (ch.security_groups as string[] | undefined) ?? groupsNow;
    if (!psec && groups.length) {
      if (ch.security_groups !== undefined) throw psecRequiredForSgs();
      throw conflict('PortSecurityPortHasSecurityGroup', 'Port has security group associated. Cannot disable port security or ip address until security group is removed');
    }
    if (ch.security_groups !== undefined) {
      const hasIp = await trx.selectFrom('ip_allocations').select('port_id').where('port_id', '=', port.id).executeTakeFirst();
      if (groups.length && !hasIp) throw psecRequiredForSgs();
      await checkGroups(trx, caller, port.project_id, groups);
      await setGroups(trx, port.id, groups);
    }
    const pairs = ch.allowed_address_pairs !== undefined ? normalizePairs(net, ch.allowed_address_pairs as AddressPair[], mac) : json<AddressPair[]>(port.allowed_address_pairs, []);
    if (!psec && pairs.length) throw psecRequiredForPairs();
    if (ch.allowed_address_pairs !== undefined) set.allowed_address_pairs = dbJson(pairs);
    if (ch.extra_dhcp_opts !== undefined) set.extra_dhcp_opts = dbJson(mergeOpts(json(port.extra_dhcp_opts, []), ch.extra_dhcp_opts as DhcpOpt[]));
    const host = ch['binding:host_id'] !== undefined ? String(ch['binding:host_id'] ?? '') : oldHost;
    if (host !== oldHost || ch['binding:vnic_type'] !== undefined) {
      const network = await trx.selectFrom('networks').selectAll().where('id', '=', port.network_id).executeTakeFirstOrThrow();
      const b = await bindPort(net, trx, host, network, (set.vnic_type ?? port.vnic_type) as string);
      Object.assign(set, { host, vif_type: b.vif_type, vif_details: dbJson(b.vif_details) });
      if (host !== oldHost) set.status = 'DOWN';
    }
    await trx.updateTable('ports').set(set).where('id', '=', port.id).execute();
    const routers = await trx.selectFrom('floatingips').select('router_id').where('fixed_port_id', '=', port.id).execute();
    const dhcpHost = (await trx.selectFrom('networks').select('dhcp_host').where('id', '=', port.network_id).executeTakeFirst())?.dhcp_host as string | null;
    return { dhcpHost, host, vifType: (set.vif_type ?? port.vif_type) as string, routers: routers.map((r: Row) => r.router_id).filter(Boolean) as string[], groups: [...new Set([...groupsNow, ...groups])] };
  });
  if (oldHost && oldHost !== result.host) net.agents.portRemoved(oldHost, port.id, port.network_id);
  if (result.host && result.vifType !== 'binding_failed') net.agents.portChanged(result.host, port.id);
  if (result.dhcpHost && (ch.fixed_ips !== undefined || ch.mac_address !== undefined || ch.extra_dhcp_opts !== undefined)) net.agents.dhcpChanged(result.dhcpHost, port.network_id);
  const membership = ch.security_groups !== undefined || ch.fixed_ips !== undefined || result.host !== oldHost;
  if ((membership || ch.allowed_address_pairs !== undefined) && (oldHost || result.host) && result.groups.length) net.agents.securityGroupMembersChanged(result.groups);
  return (await renderByIds(net.db, [port.id]))[0]!;
}

/** Deletes a port the API may delete (router and floating IP ports belong to their owners). */
export async function deletePort(net: Net, port: Row, ifMatch?: number, internal = false): Promise<void> {
  if (!internal && SERVICE_OWNERS.has(port.device_owner)) {
    throw conflict('ServicePortInUse', `Port ${port.id} cannot be deleted directly via the port API: has device owner ${port.device_owner}.`);
  }
  const routers = await inTransaction(net.db, async (trx) => {
    if (ifMatch !== undefined && await bump(trx, 'ports', port.id, ifMatch) === undefined) throw portNotFound(port.id);
    const fips = await trx.selectFrom('floatingips as f').leftJoin('routers as r', 'r.id', 'f.router_id').select(['f.router_id', 'r.host'])
      .where('f.fixed_port_id', '=', port.id).execute();
    const groups = (await trx.selectFrom('port_security_groups').select('security_group_id').where('port_id', '=', port.id).execute()).map((g: Row) => g.security_group_id as string);
    const dhcpHost = (await trx.selectFrom('networks').select('dhcp_host').where('id', '=', port.network_id).executeTakeFirst())?.dhcp_host as string | null;
    await deletePortRows(trx, [port.id]);
    return { fips: fips.filter((f: Row) => f.router_id && f.host), groups, dhcpHost };
  });
  if (routers.dhcpHost) net.agents.dhcpChanged(routers.dhcpHost, port.network_id);
  if (port.host) {
    net.agents.portRemoved(port.host, port.id, port.network_id);
    if (routers.groups.length) net.agents.securityGroupMembersChanged(routers.groups);
  }
  for (const r of routers.fips) net.agents.routersChanged(r.host, [r.router_id]);
}

export async function portOr404(db: Db, id: string): Promise<Row> {
  const r = await portRow(db, id);
  if (!r) throw portNotFound(id);
  return r;
}

/** Neutron's get_port: own ports, and ports on the caller's own networks. */
export async function listPortRows(net: Net, caller: Caller, pushdown: { network_id?: unknown[]; device_id?: unknown[]; id?: unknown[]; device_owner?: unknown[] }): Promise<Row[]> {
  let q = net.db.selectFrom('ports').selectAll();
  for (const [col, vals] of Object.entries(pushdown)) if (vals?.length) q = q.where(col, 'in', vals.map(String));
  if (!caller.isAdmin && !caller.isService) {
    const p = caller.projectId ?? '';
    q = q.where((eb: any) => eb.or([eb('project_id', '=', p), eb('network_id', 'in', eb.selectFrom('networks').select('id').where('project_id', '=', p))]));
  }
  return q.execute();
}

export async function canSeePort(db: Db, caller: Caller, port: Row): Promise<boolean> {
  if (caller.isAdmin || caller.isService || port.project_id === caller.projectId) return true;
  const n = await db.selectFrom('networks').select('project_id').where('id', '=', port.network_id).executeTakeFirst();
  return n?.project_id === caller.projectId;
}
