// Per-project quotas (Neutron's DbQuotaDriver): defaults from configuration, overrides in the
// quotas table, usage counted from the resource tables. Checked inside the creating transaction,
// so on SQLite (one writer) a project can never pass its limit; on PostgreSQL two concurrent
// creates may both see the last free unit, as in Neutron without reservations.
import { overQuota } from '../errors.ts';
import type { Db } from './std.ts';
import { QUOTA_RESOURCES, type Net, type QuotaResource } from './net.ts';

const TABLE: Record<QuotaResource, string> = {
  network: 'networks', subnet: 'subnets', port: 'ports', router: 'routers', floatingip: 'floatingips',
  security_group: 'security_groups', security_group_rule: 'security_group_rules', subnetpool: 'subnetpools', rbac_policy: 'rbac_policies',
};

export async function limitsOf(net: Net, db: Db, projectId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = { ...net.settings.quotaDefaults };
  const rows = await db.selectFrom('quotas').select(['resource', 'hard_limit']).where('project_id', '=', projectId).execute();
  for (const r of rows) out[r.resource] = Number(r.hard_limit);
  return out;
}

export async function usage(db: Db, projectId: string, resource: QuotaResource): Promise<number> {
  const row: any = await db.selectFrom(TABLE[resource]).select((eb: any) => eb.fn.countAll().as('n')).where('project_id', '=', projectId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Throws OverQuota (409) when `adding` more of `resource` would pass the project's limit. */
export async function checkQuota(net: Net, db: Db, projectId: string, resource: QuotaResource, adding = 1): Promise<void> {
  if (!projectId) return;
  const override = await db.selectFrom('quotas').select('hard_limit').where('project_id', '=', projectId).where('resource', '=', resource).executeTakeFirst();
  const limit = override ? Number(override.hard_limit) : net.settings.quotaDefaults[resource]!;
  if (limit < 0) return;
  if (await usage(db, projectId, resource) + adding > limit) throw overQuota([resource]);
}

export async function setLimits(db: Db, projectId: string, limits: Record<string, number>): Promise<void> {
  for (const [resource, limit] of Object.entries(limits)) {
    await db.insertInto('quotas').values({ project_id: projectId, resource, hard_limit: limit })
      .onConflict((oc: any) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit: limit })).execute();
  }
}

export async function resetLimits(db: Db, projectId: string): Promise<boolean> {
  const res = await db.deleteFrom('quotas').where('project_id', '=', projectId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Projects with at least one non-default limit. */
export async function projectsWithLimits(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('quotas').select('project_id').distinct().execute();
  return rows.map((r: any) => r.project_id);
}

export { QUOTA_RESOURCES };
