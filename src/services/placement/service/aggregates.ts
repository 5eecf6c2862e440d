// Provider aggregates: plain uuids a provider is a member of (there is no aggregate object).
import type { Kysely } from 'kysely';
import type { Database } from '../../../lib/db/index.ts';
import { concurrentUpdate } from '../errors.ts';
import { write } from '../db/changes.ts';
import { requireProvider } from './providers.ts';

export async function providerAggregates(db: Kysely<any>, uuid: string): Promise<string[]> {
  const rows = await db.selectFrom('provider_aggregates').select('aggregate_uuid').where('provider_uuid', '=', uuid).orderBy('aggregate_uuid').execute();
  return rows.map((r) => r.aggregate_uuid as string);
}

/**
 * Replaces a provider's aggregates. From 1.19 the caller passes the generation it saw and the
 * generation is bumped; before 1.19 neither happens (as upstream).
 */
export async function setProviderAggregates(database: Database, uuid: string, aggregates: string[], generation?: number): Promise<number> {
  return write(database, async ({ trx, touch, now }) => {
    const rp = await requireProvider(trx, uuid);
    if (generation !== undefined && rp.generation !== generation) {
      throw concurrentUpdate("Resource provider's generation already changed. Please update the generation and try again.");
    }
    await trx.deleteFrom('provider_aggregates').where('provider_uuid', '=', uuid).execute();
    for (const agg of new Set(aggregates)) await trx.insertInto('provider_aggregates').values({ provider_uuid: uuid, aggregate_uuid: agg }).execute();
    touch(uuid);
    if (generation === undefined) return rp.generation;
    const res = await trx.updateTable('resource_providers').set((eb) => ({ generation: eb('generation', '+', 1), updated_at: now }))
      .where('uuid', '=', uuid).where('generation', '=', rp.generation).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw concurrentUpdate('Update conflict: Another thread concurrently updated the resource provider data. Please retry your update');
    return rp.generation + 1;
  });
}
