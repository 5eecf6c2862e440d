// Resource classes: the standard ones (os-resource-classes, fixed order) and CUSTOM_* ones kept in
// the database. Inventories and allocations refer to a class by name.
import type { Kysely } from 'kysely';
import type { Database } from '../../../lib/db/index.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { write } from '../db/changes.ts';

export const STANDARD_CLASSES: readonly string[] = [
  'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCI_DEVICE', 'SRIOV_NET_VF', 'NUMA_SOCKET', 'NUMA_CORE', 'NUMA_THREAD', 'NUMA_MEMORY_MB',
  'IPV4_ADDRESS', 'VGPU', 'VGPU_DISPLAY_HEAD', 'NET_BW_EGR_KILOBIT_PER_SEC', 'NET_BW_IGR_KILOBIT_PER_SEC', 'PCPU',
  'MEM_ENCRYPTION_CONTEXT', 'FPGA', 'PGPU', 'NET_PACKET_RATE_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC',
  'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
];
const standard = new Set(STANDARD_CLASSES);

export interface ResourceClass { name: string; createdAt?: string; updatedAt?: string }

export async function listClasses(db: Kysely<any>): Promise<ResourceClass[]> {
  const custom = await db.selectFrom('custom_resource_classes').selectAll().orderBy('created_at').orderBy('name').execute();
  return [...STANDARD_CLASSES.map((name) => ({ name })), ...custom.map(fromRow)];
}

export async function findClass(db: Kysely<any>, name: string): Promise<ResourceClass | undefined> {
  if (standard.has(name)) return { name };
  const row = await db.selectFrom('custom_resource_classes').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function getClass(db: Kysely<any>, name: string): Promise<ResourceClass> {
  const rc = await findClass(db, name);
  if (!rc) throw notFound(`No such resource class ${name}.`);
  return rc;
}

/** The names among `names` that are not resource classes. */
export async function unknownClasses(db: Kysely<any>, names: Iterable<string>): Promise<string[]> {
  const custom = [...new Set(names)].filter((n) => !standard.has(n));
  if (!custom.length) return [];
  const found = new Set((await db.selectFrom('custom_resource_classes').select('name').where('name', 'in', custom).execute()).map((r) => r.name));
  return custom.filter((n) => !found.has(n));
}

/** Creates a custom class; false when it already exists. */
export async function createClass(database: Database, name: string): Promise<boolean> {
  if (standard.has(name)) return false;
  const now = new Date().toISOString();
  try {
    await database.db.insertInto('custom_resource_classes').values({ name, created_at: now, updated_at: now }).execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Microversions 1.2–1.6: rename a custom class (inventories and allocations follow it). */
export async function renameClass(database: Database, name: string, to: string): Promise<ResourceClass> {
  if (standard.has(name)) throw badRequest(`Cannot update standard resource class ${name}`);
  return write(database, async ({ trx, touch, now }) => {
    const row = await trx.selectFrom('custom_resource_classes').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`No such resource class ${name}.`);
    if (to === name) return fromRow(row);
    if (standard.has(to) || await trx.selectFrom('custom_resource_classes').select('name').where('name', '=', to).executeTakeFirst()) {
      throw conflict(`Resource class already exists: ${to}`);
    }
    await trx.insertInto('custom_resource_classes').values({ name: to, created_at: row.created_at, updated_at: now }).execute();
    const users = await trx.selectFrom('inventories').select('provider_uuid').where('resource_class', '=', name).execute();
    await trx.updateTable('inventories').set({ resource_class: to }).where('resource_class', '=', name).execute();
    await trx.updateTable('allocations').set({ resource_class: to }).where('resource_class', '=', name).execute();
    await trx.deleteFrom('custom_resource_classes').where('name', '=', name).execute();
    touch(...users.map((u) => u.provider_uuid as string));
    return { name: to, createdAt: row.created_at, updatedAt: now };
  });
}

export async function deleteClass(database: Database, name: string): Promise<void> {
  if (standard.has(name)) throw badRequest(`Error in delete resource class: Cannot delete standard resource class ${name}.`);
  await write(database, async ({ trx }) => {
    const row = await trx.selectFrom('custom_resource_classes').select('name').where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`No such resource class ${name}.`);
    const used = await trx.selectFrom('inventories').select('provider_uuid').where('resource_class', '=', name).limit(1).executeTakeFirst();
    if (used) throw conflict(`Error in delete resource class: Cannot delete resource class ${name}. Class is in use in inventory.`);
    await trx.deleteFrom('custom_resource_classes').where('name', '=', name).execute();
  });
}

const fromRow = (r: any): ResourceClass => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at });
