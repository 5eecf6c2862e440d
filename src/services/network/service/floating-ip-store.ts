// Floating IP rows. A floating IP owns a port on its external network (device_owner
// network:floatingip, no project) that holds its address, as in Neutron; both go together.
import { inChunks, type Db, type Row } from './std.ts';

/** Deletes floating IPs and their address-holding ports; returns the routers they were on. */
export async function deleteFloatingIpRows(db: Db, ids: string[]): Promise<Array<{ router_id: string }>> {
  if (!ids.length) return [];
  const rows: Row[] = await inChunks(ids, (chunk) => db.selectFrom('floatingips').select(['id', 'floating_port_id', 'router_id']).where('id', 'in', chunk).execute());
  await inChunks(ids, async (chunk) => { await db.deleteFrom('floatingips').where('id', 'in', chunk).execute(); return []; });
  const portIds = rows.map((r) => r.floating_port_id).filter(Boolean);
  await inChunks(portIds, async (chunk) => { await db.deleteFrom('ports').where('id', 'in', chunk).execute(); return []; });
  await inChunks(ids, async (chunk) => { await db.deleteFrom('tags').where('resource_id', 'in', chunk).execute(); return []; });
  return rows.filter((r) => r.router_id).map((r) => ({ router_id: r.router_id }));
}
