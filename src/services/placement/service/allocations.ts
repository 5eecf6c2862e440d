// Allocations: writing, reading and deleting what consumers use. A write replaces all the
// allocations of the consumers it names, in one transaction:
//   1. lock each consumer row (generation compare-and-set; a new consumer is inserted),
//   2. replace the consumers' allocation rows,
//   3. move inventories.used by the difference with one conditional UPDATE per (provider,
//      class): `used + delta <= (total - reserved) * allocation_ratio`, evaluated on the locked
//      row — two schedulers claiming the last capacity cannot both pass, on SQLite (one writer)
//      or PostgreSQL (row lock, condition re-checked after the wait),
//   4. bump the providers' generations.
// Locks are taken in the same order everywhere (consumers, inventories, providers, change
// counter, each sorted), and a deadlock still gets the transaction retried (db/changes.ts).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../../lib/db/index.ts';
import { badRequest, concurrentUpdate, conflict, notFound, RetryTransaction } from '../errors.ts';
import { write, type WriteTx } from '../db/changes.ts';
import { unknownClasses } from './resource-classes.ts';

/** Resource provider uuid → resource class → amount. */
export type AllocationMap = Map<string, Map<string, number>>;

export interface ConsumerWrite {
  consumer: string;
  projectId: string;
  userId: string;
  /** undefined: not checked (before 1.28); null: the consumer must not exist yet. */
  generation?: number | null;
  /** 1.38+; undefined keeps what the consumer had. */
  consumerType?: string;
  /** Empty: remove all the consumer's allocations. */
  allocations: AllocationMap;
}

/** How errors read: PUT /allocations/{c} and POST /allocations word a few of them differently. */
export type WriteStyle = 'put' | 'post';

export async function writeAllocations(database: Database, writes: ConsumerWrite[], style: WriteStyle): Promise<void> {
  await checkClasses(database.db, writes, style);
  await write(database, (tx) => applyAllocations(tx, writes));
}

/** Unknown resource classes are a 400 before any transaction starts. */
export async function checkClasses(db: Kysely<any>, writes: ConsumerWrite[], style: WriteStyle): Promise<void> {
  const classes = new Set<string>();
  for (const w of writes) for (const res of w.allocations.values()) for (const rc of res.keys()) classes.add(rc);
  const unknown = await unknownClasses(db, classes);
  if (unknown.length) {
    const why = `No such resource class ${unknown[0]}.`;
    throw badRequest(style === 'put' ? `Unable to allocate inventory for consumer ${writes[0]!.consumer}: ${why}` : `Unable to allocate inventory ${why}`);
  }
}

/** The allocation write inside a transaction (also used by the reshaper). */
export async function applyAllocations({ trx, touch, now }: WriteTx, writes: ConsumerWrite[]): Promise<void> {
  const providers = new Set<string>();
  for (const w of writes) for (const rp of w.allocations.keys()) providers.add(rp);
  const sorted = [...writes].sort((a, b) => (a.consumer < b.consumer ? -1 : a.consumer > b.consumer ? 1 : 0));
  if (providers.size) {
    const found = new Set((await trx.selectFrom('resource_providers').select('uuid').where('uuid', 'in', [...providers]).execute()).map((r) => r.uuid as string));
    const missing = [...providers].find((u) => !found.has(u));
    if (missing) throw badRequest(`Allocation for resource provider '${missing}' that does not exist.`);
  }
  for (const w of sorted) await lockConsumer(trx, w, now);

  const consumers = sorted.map((w) => w.consumer);
  const old = await trx.selectFrom('allocations').select(['provider_uuid', 'resource_class', 'used']).where('consumer_uuid', 'in', consumers).execute();
  // Per (provider, class): the change of usage, and the single amounts to check against min/max/step.
  const delta = new Map<string, number>();
  const amounts = new Map<string, number[]>();
  const key = (rp: string, rc: string) => `${rp}\n${rc}`;
  for (const o of old) delta.set(key(o.provider_uuid, o.resource_class), (delta.get(key(o.provider_uuid, o.resource_class)) ?? 0) - Number(o.used));
  const rows: Array<Record<string, unknown>> = [];
  for (const w of sorted) {
    for (const [rp, res] of w.allocations) {
      for (const [rc, used] of res) {
        const k = key(rp, rc);
        delta.set(k, (delta.get(k) ?? 0) + used);
        amounts.set(k, [...amounts.get(k) ?? [], used]);
        rows.push({ consumer_uuid: w.consumer, provider_uuid: rp, resource_class: rc, used, created_at: now });
      }
    }
  }
  await trx.deleteFrom('allocations').where('consumer_uuid', 'in', consumers).execute();
  if (rows.length) await trx.insertInto('allocations').values(rows).execute();

  const changed = new Set<string>();
  for (const k of [...delta.keys()].sort()) {
    const [rp, rc] = k.split('\n') as [string, string];
    const d = delta.get(k)!;
    const single = amounts.get(k);
    if (!single && d === 0) continue;
    changed.add(rp);
    if (!single) {
      await trx.updateTable('inventories').set((eb) => ({ used: eb('used', '+', d) })).where('provider_uuid', '=', rp).where('resource_class', '=', rc).execute();
      continue;
    }
    await claim(trx, rp, rc, d, single);
  }
  if (changed.size) {
    await trx.updateTable('resource_providers').set((eb) => ({ generation: eb('generation', '+', 1), updated_at: now }))
      .where('uuid', 'in', [...changed].sort()).execute();
    touch(...changed);
  }
  const emptied = sorted.filter((w) => w.allocations.size === 0).map((w) => w.consumer);
  if (emptied.length) await trx.deleteFrom('consumers').where('uuid', 'in', emptied).execute();
}

/** Step 1: check and bump the consumer's generation, or create it; either way its row is now locked. */
async function lockConsumer(trx: Transaction<any>, w: ConsumerWrite, now: string): Promise<void> {
  const existing = await trx.selectFrom('consumers').select(['generation', 'consumer_type']).where('uuid', '=', w.consumer).executeTakeFirst();
  if (existing) {
    const gen = Number(existing.generation);
    if (w.generation !== undefined && w.generation !== gen) {
      throw concurrentUpdate(`consumer generation conflict - expected ${gen} but got ${w.generation}`);
    }
    const res = await trx.updateTable('consumers')
      .set({ generation: gen + 1, project_id: w.projectId, user_id: w.userId, consumer_type: w.consumerType ?? existing.consumer_type ?? null, updated_at: now })
      .where('uuid', '=', w.consumer).where('generation', '=', gen).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      if (w.generation !== undefined) throw concurrentUpdate(`consumer generation conflict - expected ${gen} but got ${w.generation}`);
      throw new RetryTransaction();
    }
    return;
  }
  if (w.generation !== undefined && w.generation !== null) {
    throw concurrentUpdate(`consumer generation conflict - expected null but got ${w.generation}`);
  }
  if (w.allocations.size === 0) return; // nothing to remove, nothing to create
  const res = await trx.insertInto('consumers')
    .values({ uuid: w.consumer, project_id: w.projectId, user_id: w.userId, generation: 1, consumer_type: w.consumerType ?? null, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('uuid').doNothing()).executeTakeFirst();
  // Another request created it between our read and our insert: start over and see its generation.
  if (Number(res.numInsertedOrUpdatedRows ?? 0) !== 1) throw new RetryTransaction();
}

/** Step 3 for one (provider, class) receiving allocations. */
async function claim(trx: Transaction<any>, rp: string, rc: string, delta: number, single: number[]): Promise<void> {
  const updated = await sql<{ min_unit: number; max_unit: number; step_size: number }>`
    update inventories set used = used + ${delta}
    where provider_uuid = ${rp} and resource_class = ${rc}
      and (${delta} <= 0 or used + ${delta} <= (total - reserved) * allocation_ratio)
    returning min_unit, max_unit, step_size`.execute(trx);
  const inv = updated.rows[0];
  if (inv) {
    const bad = single.some((n) => n < Number(inv.min_unit) || n > Number(inv.max_unit) || n % Number(inv.step_size) !== 0);
    if (bad) throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${rp}'. The requested amount would violate inventory constraints.`);
    return;
  }
  const exists = await trx.selectFrom('inventories').select('used').where('provider_uuid', '=', rp).where('resource_class', '=', rc).executeTakeFirst();
  if (!exists) throw conflict(`Unable to allocate inventory: Inventory for '${rc}' on resource provider '${rp}' invalid.`);
  throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rc}' on resource provider '${rp}'. The requested amount would exceed the capacity.`);
}

export interface ConsumerView {
  projectId: string;
  userId: string;
  generation: number;
  consumerType: string | null;
  allocations: Array<{ provider: string; providerGeneration: number; rc: string; used: number; createdAt: string }>;
}

/** GET /allocations/{consumer}; undefined when the consumer has none. */
export async function consumerAllocations(db: Kysely<any>, consumer: string): Promise<ConsumerView | undefined> {
  const rows = await db.selectFrom('allocations as a')
    .innerJoin('consumers as c', 'c.uuid', 'a.consumer_uuid')
    .innerJoin('resource_providers as rp', 'rp.uuid', 'a.provider_uuid')
    .select(['a.provider_uuid', 'a.resource_class', 'a.used', 'a.created_at', 'rp.generation as rp_generation', 'c.project_id', 'c.user_id', 'c.generation', 'c.consumer_type'])
    .where('a.consumer_uuid', '=', consumer).orderBy('a.provider_uuid').orderBy('a.resource_class').execute();
  const first = rows[0];
  if (!first) return undefined;
  return {
    projectId: first.project_id, userId: first.user_id, generation: Number(first.generation), consumerType: first.consumer_type ?? null,
    allocations: rows.map((r) => ({ provider: r.provider_uuid, providerGeneration: Number(r.rp_generation), rc: r.resource_class, used: Number(r.used), createdAt: r.created_at })),
  };
}

/** GET /resource_providers/{uuid}/allocations: consumer → resources, with the consumer's generation. */
export async function providerAllocations(db: Kysely<any>, uuid: string) {
  const rows = await db.selectFrom('allocations as a').innerJoin('consumers as c', 'c.uuid', 'a.consumer_uuid')
    .select(['a.consumer_uuid', 'a.resource_class', 'a.used', 'a.created_at', 'c.generation'])
    .where('a.provider_uuid', '=', uuid).orderBy('a.consumer_uuid').orderBy('a.resource_class').execute();
  return rows.map((r) => ({ consumer: r.consumer_uuid as string, rc: r.resource_class as string, used: Number(r.used), generation: Number(r.generation), createdAt: r.created_at as string }));
}

/** DELETE /allocations/{consumer}. */
export async function deleteAllocations(database: Database, consumer: string): Promise<void> {
  await write(database, async ({ trx, touch, now }) => {
    // Lock the consumer first, then read its allocations: a concurrent delete waits here and then finds none.
    await trx.updateTable('consumers').set((eb) => ({ generation: eb('generation', '+', 1) })).where('uuid', '=', consumer).execute();
    const rows = await trx.selectFrom('allocations').select(['provider_uuid', 'resource_class', 'used']).where('consumer_uuid', '=', consumer).execute();
    if (!rows.length) throw notFound(`No allocations for consumer '${consumer}'`);
    await trx.deleteFrom('allocations').where('consumer_uuid', '=', consumer).execute();
    const order = (r: any) => `${r.provider_uuid}\n${r.resource_class}`;
    const sorted = [...rows].sort((a, b) => (order(a) < order(b) ? -1 : 1));
    for (const r of sorted) {
      await trx.updateTable('inventories').set((eb) => ({ used: eb('used', '-', Number(r.used)) }))
        .where('provider_uuid', '=', r.provider_uuid).where('resource_class', '=', r.resource_class).execute();
    }
    const rps = [...new Set(rows.map((r) => r.provider_uuid as string))].sort();
    await trx.updateTable('resource_providers').set((eb) => ({ generation: eb('generation', '+', 1), updated_at: now })).where('uuid', 'in', rps).execute();
    await trx.deleteFrom('consumers').where('uuid', '=', consumer).execute();
    touch(...rps);
  });
}
