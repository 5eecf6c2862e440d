// Port rows and their rendering: the row, its addresses (ip_allocations), its security groups
// and tags, loaded for many ports in a handful of queries (a 10,000-port list is four scans).
import { bool, inChunks, json, ownerAttrs, stdAttrs, type Db, type Row } from './std.ts';

export interface PortParts {
  ips: Map<string, Array<{ subnet_id: string; ip_address: string }>>;
  sgs: Map<string, string[]>;
  tags: Map<string, string[]>;
}

const BULK = 1000;

function group<T>(rows: Row[], key: string, map: (r: Row) => T, keep?: Set<string>): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = r[key] as string;
    if (keep && !keep.has(k)) continue;
    let list = out.get(k);
    if (!list) { list = []; out.set(k, list); }
    list.push(map(r));
  }
  return out;
}

/** Addresses, security groups and tags of the ports, one query each (a full scan for big lists). */
export async function portParts(db: Db, ids: string[]): Promise<PortParts> {
  if (!ids.length) return { ips: new Map(), sgs: new Map(), tags: new Map() };
  const whole = ids.length > BULK;
  const keep = whole ? new Set(ids) : undefined;
  const load = (table: string, cols: string[], col: string) => (whole
    ? db.selectFrom(table).select(cols).execute()
    : inChunks(ids, (chunk) => db.selectFrom(table).select(cols).where(col, 'in', chunk).execute()));
  const [ipRows, sgRows, tagRows] = await Promise.all([
    load('ip_allocations', ['port_id', 'subnet_id', 'ip_address'], 'port_id'),
    load('port_security_groups', ['port_id', 'security_group_id'], 'port_id'),
    load('tags', ['resource_id', 'tag'], 'resource_id'),
  ]);
  const ips = group(ipRows, 'port_id', (r) => ({ subnet_id: r.subnet_id as string, ip_address: r.ip_address as string }), keep);
  for (const list of ips.values()) list.sort(compareIps);
  return {
    ips,
    sgs: group(sgRows, 'port_id', (r) => r.security_group_id as string, keep),
    tags: group(tagRows, 'resource_id', (r) => r.tag as string, keep),
  };
}

/** IPv4 before IPv6, then by subnet and address: the same order for every read of a port. */
export function compareIps(a: { subnet_id: string; ip_address: string }, b: { subnet_id: string; ip_address: string }): number {
  const va = a.ip_address.includes(':') ? 6 : 4; const vb = b.ip_address.includes(':') ? 6 : 4;
  if (va !== vb) return va - vb;
  if (a.subnet_id !== b.subnet_id) return a.subnet_id < b.subnet_id ? -1 : 1;
  return a.ip_address < b.ip_address ? -1 : a.ip_address > b.ip_address ? 1 : 0;
}

export function renderPort(r: Row, parts: PortParts) {
  return {
    id: r.id, name: r.name, network_id: r.network_id, ...ownerAttrs(r.project_id), mac_address: r.mac_address,
    admin_state_up: bool(r.admin_state_up), status: r.status, device_id: r.device_id, device_owner: r.device_owner,
    fixed_ips: parts.ips.get(r.id) ?? [],
    allowed_address_pairs: json<unknown[]>(r.allowed_address_pairs, []),
    extra_dhcp_opts: json<unknown[]>(r.extra_dhcp_opts, []),
    security_groups: parts.sgs.get(r.id) ?? [],
    port_security_enabled: bool(r.port_security_enabled),
    'binding:vnic_type': r.vnic_type, 'binding:profile': json<Record<string, unknown>>(r.profile, {}),
    'binding:host_id': r.host, 'binding:vif_type': r.vif_type, 'binding:vif_details': json<Record<string, unknown>>(r.vif_details, {}),
    ...stdAttrs(r, parts.tags.get(r.id)),
  };
}

export async function renderPorts(db: Db, rows: Row[]) {
  const parts = await portParts(db, rows.map((r) => r.id));
  return rows.map((r) => renderPort(r, parts));
}

export async function portRow(db: Db, id: string): Promise<Row | undefined> {
  return db.selectFrom('ports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Deletes ports (their addresses and group bindings cascade) and their tags; floating IPs let go. */
export async function deletePortRows(db: Db, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await inChunks(ids, async (chunk) => {
    await db.updateTable('floatingips').set({ fixed_port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' }).where('fixed_port_id', 'in', chunk).execute();
    await db.deleteFrom('tags').where('resource_id', 'in', chunk).execute();
    await db.deleteFrom('ports').where('id', 'in', chunk).execute();
    return [];
  });
}
