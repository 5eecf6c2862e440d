// Instances: reads, listing with Nova's filters, and conditional state updates (Nova's
// instance.save(expected_task_state=…)): a write that finds the state moved on changes nothing,
// so a delete racing a build, or two actions racing each other, cannot both win.
import type { Kysely } from 'kysely';
import { uuid as newUuid } from '../../../lib/ids.ts';
import { instanceFromRow, instanceToRow, type Instance } from '../model/instance.ts';

export interface ExpectedState {
  /** The task state must be one of these (null: no task). */
  taskState?: readonly (string | null)[];
  vmState?: readonly string[];
  /** Default true: a deleted row is never updated. */
  notDeleted?: boolean;
}

export interface InstanceQuery {
  projectId?: string;
  userId?: string;
  /** true: only deleted; false: only live; undefined: both. */
  deleted?: boolean;
  vmStates?: string[];
  taskStates?: (string | null)[];
  imageRef?: string;
  flavorid?: string;
  host?: string;
  node?: string;
  availabilityZone?: string;
  reservationId?: string;
  locked?: boolean;
  uuids?: string[];
  changesSince?: string;
  changesBefore?: string;
  launchedAt?: string;
  terminatedAt?: string;
  powerStates?: number[];
  /** Python-regex-like search on the display name (re.search semantics). */
  nameRegex?: RegExp;
  descriptionRegex?: RegExp;
  /** Regex on any fixed IP (Nova's `ip` / `ip6` filters). */
  ipRegex?: RegExp;
  ip6Regex?: RegExp;
  tags?: string[];
  tagsAny?: string[];
  notTags?: string[];
  notTagsAny?: string[];
  sort?: Array<{ key: string; dir: 'asc' | 'desc' }>;
  marker?: string;
  limit?: number;
}

/** Columns a list may sort by (the API maps Nova's sort keys onto these). */
export const SORTABLE = new Set(['created_at', 'updated_at', 'display_name', 'display_description', 'uuid', 'vm_state', 'task_state',
  'power_state', 'host', 'node', 'image_ref', 'flavorid', 'launched_at', 'terminated_at', 'availability_zone', 'key_name',
  'project_id', 'user_id', 'hostname', 'launch_index', 'reservation_id', 'locked_by', 'access_ip_v4', 'access_ip_v6', 'progress',
  'config_drive', 'root_device_name', 'deleted_at']);

export class MarkerNotFound extends Error {}

export class InstanceRepo {
  readonly db: Kysely<any>;
  constructor(db: Kysely<any>) { this.db = db; }

  async insert(db: Kysely<any>, inst: Instance, tags: string[] = []): Promise<void> {
    await db.insertInto('instances').values(instanceToRow({ ...inst, deleted: false })).execute();
    for (const tag of tags) await db.insertInto('instance_tags').values({ instance_uuid: inst.uuid, tag }).execute();
  }

  async get(uuid: string, opts: { readDeleted?: boolean } = {}): Promise<Instance | undefined> {
    let q = this.db.selectFrom('instances').selectAll().where('uuid', '=', uuid);
    if (!opts.readDeleted) q = q.where('deleted', '=', 0);
    const row = await q.executeTakeFirst();
    return row ? instanceFromRow(row) : undefined;
  }

  async getMany(uuids: string[]): Promise<Instance[]> {
    if (!uuids.length) return [];
    const rows = await this.db.selectFrom('instances').selectAll().where('uuid', 'in', uuids).execute();
    const byId = new Map(rows.map((r) => [r.uuid, instanceFromRow(r)]));
    return uuids.map((u) => byId.get(u)).filter((i): i is Instance => i !== undefined);
  }

  /** Applies `changes` if the instance is still as `expect` says; returns whether it did. */
  async update(uuid: string, changes: Partial<Instance>, expect: ExpectedState = {}, db: Kysely<any> = this.db): Promise<boolean> {
    let q = db.updateTable('instances').set({ ...instanceToRow(changes), updated_at: changes.updated_at ?? new Date().toISOString() }).where('uuid', '=', uuid);
    if (expect.notDeleted !== false) q = q.where('deleted', '=', 0);
    if (expect.vmState) q = q.where('vm_state', 'in', [...expect.vmState]);
    if (expect.taskState) {
      const states = expect.taskState.filter((s): s is string => s !== null);
      const withNull = expect.taskState.includes(null);
      q = q.where((eb) => {
        const ors = [];
        if (states.length) ors.push(eb('task_state', 'in', states));
        if (withNull) ors.push(eb('task_state', 'is', null));
        return ors.length ? eb.or(ors) : eb.val(false);
      });
    }
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Soft-deletes the row (Nova's instance.destroy()). */
  async markDeleted(uuid: string, now = new Date().toISOString()): Promise<boolean> {
    return this.update(uuid, { deleted: true, deleted_at: now, terminated_at: now, vm_state: 'deleted', task_state: null, power_state: 0, updated_at: now }, {});
  }

  async byHost(host: string): Promise<Instance[]> {
    const rows = await this.db.selectFrom('instances').selectAll().where('host', '=', host).where('deleted', '=', 0).execute();
    return rows.map(instanceFromRow);
  }

  /** One page of instances matching `q`, in order; throws MarkerNotFound for an unknown marker. */
  async list(q: InstanceQuery): Promise<Instance[]> {
    const sort = q.sort?.length ? q.sort : [{ key: 'created_at', dir: 'desc' as const }];
    const jsFilters = Boolean(q.nameRegex || q.descriptionRegex || q.ipRegex || q.ip6Regex);
    const cols = ['uuid', ...(q.nameRegex ? ['display_name'] : []), ...(q.descriptionRegex ? ['display_description'] : []),
      ...(q.ipRegex || q.ip6Regex ? ['network_info'] : [])];
    let sel = this.db.selectFrom('instances').select(cols);
    if (q.projectId !== undefined) sel = sel.where('project_id', '=', q.projectId);
    if (q.userId !== undefined) sel = sel.where('user_id', '=', q.userId);
    if (q.deleted !== undefined) sel = sel.where('deleted', '=', q.deleted ? 1 : 0);
    if (q.vmStates) sel = sel.where('vm_state', 'in', q.vmStates.length ? q.vmStates : ['']);
    if (q.taskStates) {
      const ts = q.taskStates;
      sel = sel.where((eb) => eb.or([
        eb('task_state', 'in', ts.filter((t): t is string => t !== null).concat([''])),
        ...(ts.includes(null) ? [eb('task_state', 'is', null)] : []),
      ]));
    }
    if (q.powerStates) sel = sel.where('power_state', 'in', q.powerStates.length ? q.powerStates : [-1]);
    if (q.imageRef !== undefined) sel = sel.where('image_ref', '=', q.imageRef);
    if (q.flavorid !== undefined) sel = sel.where('flavorid', '=', q.flavorid);
    if (q.host !== undefined) sel = sel.where('host', '=', q.host);
    if (q.node !== undefined) sel = sel.where('node', '=', q.node);
    if (q.availabilityZone !== undefined) sel = sel.where('availability_zone', '=', q.availabilityZone);
    if (q.reservationId !== undefined) sel = sel.where('reservation_id', '=', q.reservationId);
    if (q.locked !== undefined) sel = q.locked ? sel.where('locked_by', 'is not', null) : sel.where('locked_by', 'is', null);
    if (q.uuids) sel = sel.where('uuid', 'in', q.uuids.length ? q.uuids : ['']);
    if (q.changesSince) sel = sel.where('updated_at', '>=', q.changesSince);
    if (q.changesBefore) sel = sel.where('updated_at', '<=', q.changesBefore);
    if (q.launchedAt) sel = sel.where('launched_at', '>=', q.launchedAt);
    if (q.terminatedAt) sel = sel.where('terminated_at', '<=', q.terminatedAt);
    for (const tag of q.tags ?? []) {
      sel = sel.where((eb) => eb.exists(eb.selectFrom('instance_tags').select('tag').whereRef('instance_tags.instance_uuid', '=', 'instances.uuid').where('tag', '=', tag)));
    }
    if (q.tagsAny?.length) {
      const any = q.tagsAny;
      sel = sel.where((eb) => eb.exists(eb.selectFrom('instance_tags').select('tag').whereRef('instance_tags.instance_uuid', '=', 'instances.uuid').where('tag', 'in', any)));
    }
    if (q.notTags?.length) {
      // not-tags: exclude servers that have ALL of these tags
      const all = q.notTags;
      sel = sel.where((eb) => eb.not(eb.and(all.map((tag) => eb.exists(eb.selectFrom('instance_tags').select('tag')
        .whereRef('instance_tags.instance_uuid', '=', 'instances.uuid').where('tag', '=', tag))))));
    }
    if (q.notTagsAny?.length) {
      const any = q.notTagsAny;
      sel = sel.where((eb) => eb.not(eb.exists(eb.selectFrom('instance_tags').select('tag').whereRef('instance_tags.instance_uuid', '=', 'instances.uuid').where('tag', 'in', any))));
    }
    for (const s of sort) sel = sel.orderBy(s.key, s.dir);
    sel = sel.orderBy('uuid', sort[0]!.dir);
    let rows = await sel.execute();
    if (jsFilters) rows = rows.filter((r) => matchesJs(r, q));
    let start = 0;
    if (q.marker !== undefined) {
      const i = rows.findIndex((r) => r.uuid === q.marker);
      if (i < 0) {
        // Nova finds the marker among all instances (deleted too) before filtering.
        throw new MarkerNotFound(q.marker);
      }
      start = i + 1;
    }
    const page = rows.slice(start, q.limit !== undefined ? start + q.limit : undefined).map((r) => r.uuid as string);
    return this.getMany(page);
  }

  // --- tags
  async tags(uuid: string): Promise<string[]> {
    const rows = await this.db.selectFrom('instance_tags').select('tag').where('instance_uuid', '=', uuid).orderBy('tag').execute();
    return rows.map((r) => r.tag);
  }
  async tagsFor(uuids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(uuids.map((u) => [u, []]));
    if (!uuids.length) return out;
    const rows = await this.db.selectFrom('instance_tags').select(['instance_uuid', 'tag']).where('instance_uuid', 'in', uuids).orderBy('tag').execute();
    for (const r of rows) out.get(r.instance_uuid)?.push(r.tag);
    return out;
  }
  async setTags(uuid: string, tags: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('instance_tags').where('instance_uuid', '=', uuid).execute();
      for (const tag of new Set(tags)) await trx.insertInto('instance_tags').values({ instance_uuid: uuid, tag }).execute();
      await trx.updateTable('instances').set({ updated_at: new Date().toISOString() }).where('uuid', '=', uuid).execute();
    });
  }
  async addTag(uuid: string, tag: string): Promise<boolean> {
    const has = await this.db.selectFrom('instance_tags').select('tag').where('instance_uuid', '=', uuid).where('tag', '=', tag).executeTakeFirst();
    if (has) return false;
    await this.db.insertInto('instance_tags').values({ instance_uuid: uuid, tag }).execute();
    await this.db.updateTable('instances').set({ updated_at: new Date().toISOString() }).where('uuid', '=', uuid).execute();
    return true;
  }
  async deleteTag(uuid: string, tag: string): Promise<boolean> {
    const res = await this.db.deleteFrom('instance_tags').where('instance_uuid', '=', uuid).where('tag', '=', tag).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  // --- faults
  async addFault(uuid: string, fault: { code: number; message: string; details?: string | null; host?: string | null }): Promise<void> {
    await this.db.insertInto('instance_faults').values({
      id: newUuid(), instance_uuid: uuid, code: fault.code, message: fault.message.slice(0, 255), details: fault.details ?? null,
      host: fault.host ?? null, created_at: new Date().toISOString(),
    }).execute();
  }
  /** The latest fault of each instance (Nova shows only the newest). */
  async latestFaults(uuids: string[]): Promise<Map<string, { code: number; message: string; details: string | null; created_at: string }>> {
    const out = new Map();
    if (!uuids.length) return out;
    const rows = await this.db.selectFrom('instance_faults').selectAll().where('instance_uuid', 'in', uuids).orderBy('created_at', 'asc').execute();
    for (const r of rows) out.set(r.instance_uuid, r);
    return out;
  }
}

function matchesJs(r: Record<string, any>, q: InstanceQuery): boolean {
  if (q.nameRegex && !q.nameRegex.test(r.display_name ?? '')) return false;
  if (q.descriptionRegex && !q.descriptionRegex.test(r.display_description ?? '')) return false;
  if (q.ipRegex || q.ip6Regex) {
    const vifs = JSON.parse(r.network_info ?? '[]') as Array<{ ips: Array<{ address: string; version: number }> }>;
    const ips = vifs.flatMap((v) => v.ips);
    if (q.ipRegex && !ips.some((ip) => ip.version === 4 && q.ipRegex!.test(ip.address))) return false;
    if (q.ip6Regex && !ips.some((ip) => ip.version === 6 && q.ip6Regex!.test(ip.address))) return false;
  }
  return true;
}
