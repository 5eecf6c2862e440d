// Quotas as Nova's DbQuotaDriver keeps them: defaults from config (overridable by the 'default'
// quota class), per-project and per-user limits in the database, usage counted from the
// instances, key pairs and server groups themselves (no reservations).
import type { Kysely } from 'kysely';
import type { Config } from '../../../lib/config.ts';
import { OverQuota } from '../../../lib/errors.ts';

/** Every resource Nova's QuotaEngine knows, in its (sorted) order. */
export const QUOTA_RESOURCES = ['cores', 'fixed_ips', 'floating_ips', 'injected_file_content_bytes', 'injected_file_path_bytes',
  'injected_files', 'instances', 'key_pairs', 'metadata_items', 'ram', 'security_group_rules', 'security_groups',
  'server_group_members', 'server_groups'] as const;
export type QuotaResource = typeof QUOTA_RESOURCES[number];

/** Left out of responses from 2.36 (nova-network proxies) and 2.57 (file injection). */
export const FILTERED_V236 = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
export const FILTERED_V257 = [...FILTERED_V236, 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

const CONFIG_KEY: Partial<Record<QuotaResource, string>> = {
  cores: 'compute.quota_cores', instances: 'compute.quota_instances', ram: 'compute.quota_ram', metadata_items: 'compute.quota_metadata_items',
  key_pairs: 'compute.quota_key_pairs', server_groups: 'compute.quota_server_groups', server_group_members: 'compute.quota_server_group_members',
  injected_files: 'compute.quota_injected_files', injected_file_content_bytes: 'compute.quota_injected_file_content_bytes',
  injected_file_path_bytes: 'compute.quota_injected_file_path_length',
};

export type Limits = Record<QuotaResource, number>;
export interface UsageCounts { instances: number; cores: number; ram: number; key_pairs: number; server_groups: number }

export class QuotaService {
  readonly #db: Kysely<any>;
  readonly #config: Config;
  /** The defaults change only through setClassLimit (this process) and are read on every create. */
  #defaults?: Limits;
  constructor(db: Kysely<any>, config: Config) { this.#db = db; this.#config = config; }

  async defaults(): Promise<Limits> {
    if (this.#defaults) return { ...this.#defaults };
    const out = {} as Limits;
    for (const r of QUOTA_RESOURCES) out[r] = CONFIG_KEY[r] ? this.#config.int(CONFIG_KEY[r]) : -1;
    const rows = await this.#db.selectFrom('quota_classes').selectAll().where('class_name', '=', 'default').execute();
    for (const row of rows) if ((QUOTA_RESOURCES as readonly string[]).includes(row.resource)) out[row.resource as QuotaResource] = row.hard_limit;
    this.#defaults = out;
    return { ...out };
  }

  async classLimits(className: string): Promise<Limits> {
    const out = await this.defaults();
    if (className === 'default') return out;
    const rows = await this.#db.selectFrom('quota_classes').selectAll().where('class_name', '=', className).execute();
    for (const row of rows) out[row.resource as QuotaResource] = row.hard_limit;
    return out;
  }

  async setClassLimit(className: string, resource: string, limit: number): Promise<void> {
    this.#defaults = undefined;
    await this.#db.deleteFrom('quota_classes').where('class_name', '=', className).where('resource', '=', resource).execute();
    await this.#db.insertInto('quota_classes').values({ class_name: className, resource, hard_limit: limit }).execute();
  }

  /** The project's limits; with a user, the user's (which default to the project's). */
  async limits(projectId: string, userId?: string): Promise<Limits> {
    const out = await this.defaults();
    const rows = await this.#db.selectFrom('quotas').selectAll().where('project_id', '=', projectId)
      .where('user_id', 'in', userId ? ['', userId] : ['']).orderBy('user_id').execute();
    // '' sorts first: the user's own rows override the project's.
    for (const row of rows) out[row.resource as QuotaResource] = row.hard_limit;
    return out;
  }

  async setLimit(projectId: string, userId: string | undefined, resource: string, limit: number): Promise<void> {
    await this.#db.deleteFrom('quotas').where('project_id', '=', projectId).where('user_id', '=', userId ?? '').where('resource', '=', resource).execute();
    await this.#db.insertInto('quotas').values({ project_id: projectId, user_id: userId ?? '', resource, hard_limit: limit }).execute();
  }

  async deleteLimits(projectId: string, userId?: string): Promise<void> {
    let q = this.#db.deleteFrom('quotas').where('project_id', '=', projectId);
    if (userId) q = q.where('user_id', '=', userId);
    await q.execute();
  }

  /** Live servers of a project (and user): count, vCPUs, RAM — one query. */
  async instanceUsage(projectId: string, userId?: string): Promise<{ instances: number; cores: number; ram: number }> {
    let q = this.#db.selectFrom('instances')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('vcpus').as('cores'), eb.fn.sum('memory_mb').as('ram')])
      .where('project_id', '=', projectId).where('deleted', '=', 0);
    if (userId) q = q.where('user_id', '=', userId);
    const row = await q.executeTakeFirst();
    return { instances: Number(row?.n ?? 0), cores: Number(row?.cores ?? 0), ram: Number(row?.ram ?? 0) };
  }

  async usage(projectId: string, userId?: string): Promise<UsageCounts> {
    let q = this.#db.selectFrom('instances')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('vcpus').as('cores'), eb.fn.sum('memory_mb').as('ram')])
      .where('project_id', '=', projectId).where('deleted', '=', 0);
    if (userId) q = q.where('user_id', '=', userId);
    const row = await q.executeTakeFirst();
    const cores = Number(row?.cores ?? 0);
    const ram = Number(row?.ram ?? 0);
    let g = this.#db.selectFrom('server_groups').select((eb) => eb.fn.countAll().as('n')).where('project_id', '=', projectId);
    if (userId) g = g.where('user_id', '=', userId);
    const groups = Number((await g.executeTakeFirst())?.n ?? 0);
    let keyPairs = 0;
    if (userId) keyPairs = Number((await this.#db.selectFrom('key_pairs').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirst())?.n ?? 0);
    return { instances: Number(row?.n ?? 0), cores, ram, key_pairs: keyPairs, server_groups: groups };
  }

  /**
   * How many of `max` servers of this flavor the project (and user) may still create; throws
   * Nova's OverQuota when fewer than `min`.
   */
  async checkInstances(projectId: string, userId: string, flavor: { vcpus: number; memory_mb: number }, min: number, max: number): Promise<number> {
    let allowed = max;
    let failure: { res: string; req: number; used: number; limit: number } | undefined;
    // One read of the project's and the user's own limits; a user without limits of their own
    // has the project's, which the project check already covers.
    const rows = await this.#db.selectFrom('quotas').selectAll().where('project_id', '=', projectId).where('user_id', 'in', ['', userId]).orderBy('user_id').execute();
    const base = await this.defaults();
    const projectLimits = { ...base };
    for (const r of rows) if (r.user_id === '') projectLimits[r.resource as QuotaResource] = r.hard_limit;
    const userRows = rows.filter((r) => r.user_id === userId);
    const userLimits = { ...projectLimits };
    for (const r of userRows) userLimits[r.resource as QuotaResource] = r.hard_limit;
    for (const [scope, limits] of [[undefined, projectLimits], ...(userRows.length ? [[userId, userLimits]] : [])] as Array<[string | undefined, Limits]>) {
      // Without any limit on this scope there is nothing to count.
      if (limits.instances < 0 && limits.cores < 0 && limits.ram < 0) continue;
      const used = await this.instanceUsage(projectId, scope);
      const per = { instances: 1, cores: flavor.vcpus, ram: flavor.memory_mb } as const;
      for (const res of ['instances', 'cores', 'ram'] as const) {
        const limit = limits[res];
        if (limit < 0 || per[res] === 0) continue;
        const fits = Math.floor((limit - used[res]) / per[res]);
        if (fits < allowed) allowed = Math.max(fits, 0);
        if (fits < min && !failure) failure = { res, req: per[res] * min, used: used[res], limit };
      }
    }
    if (failure) {
      const f = failure;
      const err = new OverQuota(`Quota exceeded for ${f.res}: Requested ${f.req}, but already used ${f.used} of ${f.limit} ${f.res}`);
      (err as { status: number }).status = 403;
      throw err;
    }
    return allowed;
  }

  /** Room for `delta` more cores/ram (a resize up); throws Nova's 403 OverQuota. */
  async checkDelta(projectId: string, userId: string, delta: { cores: number; ram: number }): Promise<void> {
    for (const scope of [undefined, userId]) {
      const limits = await this.limits(projectId, scope);
      const used = await this.usage(projectId, scope);
      for (const res of ['cores', 'ram'] as const) {
        if (delta[res] <= 0 || limits[res] < 0) continue;
        if (used[res] + delta[res] > limits[res]) {
          const err = new OverQuota(`Quota exceeded for ${res}: Requested ${delta[res]}, but already used ${used[res]} of ${limits[res]} ${res}`);
          (err as { status: number }).status = 403;
          throw err;
        }
      }
    }
  }

  /** A simple count limit (key_pairs, server_groups, metadata_items…); throws 403 OverQuota. */
  async checkCount(resource: QuotaResource, projectId: string, wanted: number, used: number, userId?: string, status = 403): Promise<void> {
    const limit = (await this.limits(projectId, userId))[resource];
    if (limit >= 0 && used + wanted > limit) {
      const err = new OverQuota(`Quota exceeded for resources: ['${resource}']`);
      (err as { status: number }).status = status;
      throw err;
    }
  }
}
