// Usages: per provider (from inventories.used) and per project/user (summed over allocations).
import type { Kysely } from 'kysely';

export async function providerUsages(db: Kysely<any>, uuid: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('inventories').select(['resource_class', 'used']).where('provider_uuid', '=', uuid).orderBy('resource_class').execute();
  return Object.fromEntries(rows.map((r) => [r.resource_class, Number(r.used)]));
}

export interface UsageFilter { projectId: string; userId?: string }

/** GET /usages before 1.38: class → amount for the project (and user). */
export async function totalUsages(db: Kysely<any>, f: UsageFilter): Promise<Record<string, number>> {
  let q = db.selectFrom('allocations as a').innerJoin('consumers as c', 'c.uuid', 'a.consumer_uuid')
    .select(['a.resource_class', (eb) => eb.fn.sum<number>('a.used').as('used')])
    .where('c.project_id', '=', f.projectId);
  if (f.userId) q = q.where('c.user_id', '=', f.userId);
  const rows = await q.groupBy('a.resource_class').orderBy('a.resource_class').execute();
  return Object.fromEntries(rows.map((r) => [r.resource_class, Number(r.used)]));
}

/**
 * GET /usages from 1.38: grouped by consumer type, each group with its consumer_count.
 * consumer_type `all` folds every type into one group, `unknown` selects consumers without one.
 */
export async function usagesByConsumerType(db: Kysely<any>, f: UsageFilter & { consumerType?: string }): Promise<Record<string, Record<string, number>>> {
  let q = db.selectFrom('allocations as a').innerJoin('consumers as c', 'c.uuid', 'a.consumer_uuid')
    .select(['a.resource_class', 'a.consumer_uuid', 'a.used', 'c.consumer_type'])
    .where('c.project_id', '=', f.projectId);
  if (f.userId) q = q.where('c.user_id', '=', f.userId);
  if (f.consumerType === 'unknown') q = q.where('c.consumer_type', 'is', null);
  else if (f.consumerType && f.consumerType !== 'all') q = q.where('c.consumer_type', '=', f.consumerType);
  const rows = await q.execute();
  const groups = new Map<string, { used: Map<string, number>; consumers: Set<string> }>();
  for (const r of rows) {
    const type = f.consumerType === 'all' ? 'all' : (r.consumer_type as string | null) ?? 'unknown';
    let g = groups.get(type);
    if (!g) groups.set(type, (g = { used: new Map(), consumers: new Set() }));
    g.used.set(r.resource_class, (g.used.get(r.resource_class) ?? 0) + Number(r.used));
    g.consumers.add(r.consumer_uuid);
  }
  const out: Record<string, Record<string, number>> = {};
  for (const [type, g] of groups) out[type] = { ...Object.fromEntries([...g.used].sort()), consumer_count: g.consumers.size };
  return out;
}
