// POST /reshaper (1.30): move inventory and the allocations against it between providers (e.g.
// VGPU from a compute node to a new child provider) in one transaction, as upstream does it:
//   1. each provider gets its old inventory plus the new classes (nothing in use disappears yet),
//   2. the consumers' allocations are replaced (service/allocations.ts),
//   3. each provider's inventory becomes exactly the new one; a class still in use is a 409.
import type { Transaction } from 'kysely';
import type { Database } from '../../../lib/db/index.ts';
import { badRequest, codes, concurrentUpdate, conflict } from '../errors.ts';
import { write } from '../db/changes.ts';
import { applyAllocations, checkClasses, type ConsumerWrite } from './allocations.ts';
import { checkCapacity, type InventoryFields } from './inventories.ts';
import { unknownClasses } from './resource-classes.ts';

export interface ProviderReshape { generation: number; inventories: Map<string, InventoryFields> }

export async function reshape(database: Database, providers: Map<string, ProviderReshape>, writes: ConsumerWrite[], reservedMayEqualTotal: boolean): Promise<void> {
  const classes = [...providers.values()].flatMap((p) => [...p.inventories.keys()]);
  const unknown = await unknownClasses(database.db, classes);
  if (unknown.length) throw badRequest(`malformed reshaper data: No such resource class ${unknown[0]}.`);
  await checkClasses(database.db, writes, 'post');
  const uuids = [...providers.keys()].sort();
  await write(database, async (tx) => {
    const { trx, touch, now } = tx;
    for (const uuid of uuids) {
      const want = providers.get(uuid)!;
      const row = await trx.selectFrom('resource_providers').select('generation').where('uuid', '=', uuid).executeTakeFirst();
      if (!row) throw badRequest(`Resource provider ${uuid} in inventories not found: No resource provider with uuid ${uuid} found`, codes.RESOURCE_PROVIDER_NOT_FOUND);
      if (Number(row.generation) !== want.generation) {
        throw concurrentUpdate(`resource provider generation conflict for provider ${uuid}: actual: ${row.generation}, given: ${want.generation}`);
      }
      for (const [rc, inv] of want.inventories) {
        try { checkCapacity(uuid, rc, inv, reservedMayEqualTotal); } catch (err) { throw badRequest(`malformed reshaper data: ${(err as Error).message}`); }
      }
      await upsert(trx, uuid, want.inventories, now);
    }
    await applyAllocations(tx, writes);
    for (const uuid of uuids) {
      const keep = [...providers.get(uuid)!.inventories.keys()];
      let q = trx.deleteFrom('inventories').where('provider_uuid', '=', uuid).where('used', '=', 0);
      if (keep.length) q = q.where('resource_class', 'not in', keep);
      await q.execute();
      let left = trx.selectFrom('inventories').select('resource_class').where('provider_uuid', '=', uuid);
      if (keep.length) left = left.where('resource_class', 'not in', keep);
      const inUse = (await left.execute()).map((r) => r.resource_class as string).sort();
      if (inUse.length) throw conflict(`update conflict: Inventory for '${inUse.join(', ')}' on resource provider '${uuid}' in use.`, codes.INVENTORY_INUSE);
    }
    // One generation step per provider for the whole reshape (the allocation step may have taken one too).
    await trx.updateTable('resource_providers').set((eb) => ({ generation: eb('generation', '+', 1), updated_at: now })).where('uuid', 'in', uuids).execute();
    touch(...uuids);
  });
}

async function upsert(trx: Transaction<any>, uuid: string, inventories: Map<string, InventoryFields>, now: string): Promise<void> {
  for (const rc of [...inventories.keys()].sort()) {
    const inv = inventories.get(rc)!;
    const res = await trx.updateTable('inventories').set({ ...inv, updated_at: now }).where('provider_uuid', '=', uuid).where('resource_class', '=', rc).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      await trx.insertInto('inventories').values({ provider_uuid: uuid, resource_class: rc, ...inv, used: 0, created_at: now, updated_at: now }).execute();
    }
  }
}
