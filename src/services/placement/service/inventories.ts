// Inventories: what a provider offers per resource class. Every change bumps the provider's
// generation with a compare-and-set on the generation the caller saw, so two writers racing on
// one provider cannot both win. Lock order inside a transaction is inventories, then the
// provider row (as in service/allocations.ts), so the two kinds of write cannot deadlock.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../../lib/db/index.ts';
import { badRequest, codes, concurrentUpdate, conflict, notFound } from '../errors.ts';
import { write } from '../db/changes.ts';
import { requireProvider, type Provider } from './providers.ts';
import { unknownClasses } from './resource-classes.ts';

export const MAX_INT = 2147483647;

export interface InventoryFields {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}
export const INVENTORY_DEFAULTS: Omit<InventoryFields, 'total'> = { reserved: 0, min_unit: 1, max_unit: MAX_INT, step_size: 1, allocation_ratio: 1.0 };

export interface InventoryRecord extends InventoryFields { resourceClass: string; used: number; createdAt: string; updatedAt: string }

export async function listInventories(db: Kysely<any>, uuid: string): Promise<InventoryRecord[]> {
  const rows = await db.selectFrom('inventories').selectAll().where('provider_uuid', '=', uuid).orderBy('resource_class').execute();
  return rows.map(recordFromRow);
}

const recordFromRow = (r: any): InventoryRecord => ({
  resourceClass: r.resource_class, total: Number(r.total), reserved: Number(r.reserved), min_unit: Number(r.min_unit),
  max_unit: Number(r.max_unit), step_size: Number(r.step_size), allocation_ratio: Number(r.allocation_ratio), used: Number(r.used),
  createdAt: r.created_at, updatedAt: r.updated_at,
});

/**
 * Capacity rules (placement's _validate_inventory_capacity): before 1.26 reserved must be below
 * total, from 1.26 it may equal it.
 */
export function checkCapacity(rp: string, rc: string, inv: InventoryFields, reservedMayEqualTotal: boolean): void {
  const capacity = inv.total - inv.reserved;
  if (reservedMayEqualTotal ? capacity < 0 : capacity <= 0) {
    const what = reservedMayEqualTotal ? 'The reserved value is greater than total.' : 'The reserved value is greater than or equal to total.';
    throw new CapacityError(`Invalid inventory for '${rc}' on resource provider '${rp}'. ${what}`);
  }
}
export class CapacityError extends Error {}

async function bumpGeneration(trx: Transaction<any>, rp: Provider, now: string): Promise<number> {
  const res = await trx.updateTable('resource_providers').set((eb) => ({ generation: eb('generation', '+', 1), updated_at: now }))
    .where('uuid', '=', rp.uuid).where('generation', '=', rp.generation).executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw concurrentUpdate('Another thread concurrently updated the resource provider data. Please retry your update');
  return rp.generation + 1;
}

function row(uuid: string, rc: string, inv: InventoryFields, now: string) {
  return { provider_uuid: uuid, resource_class: rc, ...inv, used: 0, created_at: now, updated_at: now };
}

/** Removes inventories unless allocations use them; returns the classes found in use. */
async function deleteUnused(trx: Transaction<any>, uuid: string, classes: string[]): Promise<string[]> {
  if (!classes.length) return [];
  // `used = 0` is re-checked on the locked row, so a concurrent allocation either lands first (and
  // the row stays) or finds the inventory gone.
  await trx.deleteFrom('inventories').where('provider_uuid', '=', uuid).where('resource_class', 'in', classes).where('used', '=', 0).execute();
  const left = await trx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid).where('resource_class', 'in', classes).execute();
  return left.map((r) => r.resource_class as string).sort();
}

export interface SetResult { generation: number; inventories: InventoryRecord[] }

/** PUT /resource_providers/{uuid}/inventories: make the provider's inventory exactly `wanted`. */
export async function setInventories(database: Database, uuid: string, generation: number | undefined, wanted: Map<string, InventoryFields>,
  reservedMayEqualTotal: boolean): Promise<SetResult> {
  const unknown = await unknownClasses(database.db, wanted.keys());
  if (unknown.length) throw badRequest(`Unknown resource class in inventory for resource provider ${uuid}: No such resource class ${unknown.join(', ')}.`);
  return write(database, async ({ trx, touch, now }) => {
    const rp = await requireProvider(trx, uuid);
    if (generation !== undefined && generation !== rp.generation) throw concurrentUpdate('resource provider generation conflict');
    for (const [rc, inv] of wanted) {
      try { checkCapacity(uuid, rc, inv, reservedMayEqualTotal); } catch (err) {
        throw badRequest(`Unable to update inventory for resource provider ${uuid}: ${(err as Error).message}`);
      }
    }
    const current = new Set((await trx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid).execute()).map((r) => r.resource_class as string));
    const toDelete = [...current].filter((rc) => !wanted.has(rc)).sort();
    const inUse = await deleteUnused(trx, uuid, toDelete);
    if (inUse.length) {
      throw conflict(`update conflict: Inventory for '${inUse.join(', ')}' on resource provider '${uuid}' in use.`, codes.INVENTORY_INUSE);
    }
    for (const rc of [...wanted.keys()].sort()) {
      const inv = wanted.get(rc)!;
      if (current.has(rc)) {
        await trx.updateTable('inventories').set({ ...inv, updated_at: now }).where('provider_uuid', '=', uuid).where('resource_class', '=', rc).execute();
      } else {
        await trx.insertInto('inventories').values(row(uuid, rc, inv, now)).execute();
      }
    }
    const newGen = await bumpGeneration(trx, rp, now);
    touch(uuid);
    return { generation: newGen, inventories: await listInventories(trx, uuid) };
  });
}

/** DELETE /resource_providers/{uuid}/inventories (1.5+). */
export async function deleteAllInventories(database: Database, uuid: string): Promise<void> {
  await write(database, async ({ trx, touch, now }) => {
    const rp = await requireProvider(trx, uuid);
    const current = (await trx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid).execute()).map((r) => r.resource_class as string).sort();
    const inUse = await deleteUnused(trx, uuid, current);
    if (inUse.length) throw conflict(`Inventory for '${inUse.join(', ')}' on resource provider '${uuid}' in use.`, codes.INVENTORY_INUSE);
    await bumpGeneration(trx, rp, now);
    touch(uuid);
  });
}

/** POST /resource_providers/{uuid}/inventories: add one class. */
export async function addInventory(database: Database, uuid: string, rc: string, inv: InventoryFields, reservedMayEqualTotal: boolean): Promise<SetResult> {
  const unknown = await unknownClasses(database.db, [rc]);
  return write(database, async ({ trx, touch, now }) => {
    const rp = await requireProvider(trx, uuid);
    const fail = (why: string) => badRequest(`Unable to create inventory for resource provider ${uuid}: ${why}`);
    if (unknown.length) throw fail(`No such resource class ${rc}.`);
    try { checkCapacity(uuid, rc, inv, reservedMayEqualTotal); } catch (err) { throw fail((err as Error).message); }
    if (await trx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid).where('resource_class', '=', rc).executeTakeFirst()) {
      throw concurrentUpdate(`Update conflict: Inventory for '${rc}' on resource provider '${uuid}' already exists.`);
    }
    await trx.insertInto('inventories').values(row(uuid, rc, inv, now)).execute();
    const generation = await bumpGeneration(trx, rp, now);
    touch(uuid);
    return { generation, inventories: await listInventories(trx, uuid) };
  });
}

/** PUT /resource_providers/{uuid}/inventories/{rc}: change one existing class. */
export async function updateInventory(database: Database, uuid: string, rc: string, generation: number, inv: InventoryFields,
  reservedMayEqualTotal: boolean): Promise<SetResult> {
  return write(database, async ({ trx, touch, now }) => {
    const rp = await requireProvider(trx, uuid);
    if (generation !== rp.generation) throw concurrentUpdate('resource provider generation conflict');
    try { checkCapacity(uuid, rc, inv, reservedMayEqualTotal); } catch (err) {
      throw badRequest(`Unable to update inventory for resource provider ${uuid}: ${(err as Error).message}`);
    }
    const res = await trx.updateTable('inventories').set({ ...inv, updated_at: now }).where('provider_uuid', '=', uuid).where('resource_class', '=', rc).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      throw badRequest(`No inventory record with resource class for resource provider ${uuid}: No inventory of class ${rc} found.`);
    }
    const newGen = await bumpGeneration(trx, rp, now);
    touch(uuid);
    return { generation: newGen, inventories: await listInventories(trx, uuid) };
  });
}

/** DELETE /resource_providers/{uuid}/inventories/{rc}. */
export async function deleteInventory(database: Database, uuid: string, rc: string): Promise<void> {
  await write(database, async ({ trx, touch, now }) => {
    const rp = await requireProvider(trx, uuid);
    const exists = await trx.selectFrom('inventories').select('used').where('provider_uuid', '=', uuid).where('resource_class', '=', rc).executeTakeFirst();
    if (!exists) throw notFound(`No inventory of class ${rc} found for delete: No inventory of class ${rc} found.`);
    const inUse = await deleteUnused(trx, uuid, [rc]);
    if (inUse.length) {
      throw concurrentUpdate(`Unable to delete inventory of class ${rc}: Inventory for '${rc}' on resource provider '${uuid}' in use.`);
    }
    await bumpGeneration(trx, rp, now);
    touch(uuid);
  });
}
