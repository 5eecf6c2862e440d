// Server groups (affinity, anti-affinity and their soft variants) and their members.
import type { Kysely } from 'kysely';
import { uuid as newUuid } from '../../../lib/ids.ts';

export interface ServerGroup {
  id: string; name: string; project_id: string; user_id: string; policy: string; rules: Record<string, unknown>;
  created_at: string; members: string[];
}

export class ServerGroupRepo {
  readonly #db: Kysely<any>;
  constructor(db: Kysely<any>) { this.#db = db; }

  async #withMembers(rows: Record<string, any>[]): Promise<ServerGroup[]> {
    if (!rows.length) return [];
    const members = await this.#db.selectFrom('server_group_members').innerJoin('instances', 'instances.uuid', 'server_group_members.instance_uuid')
      .select(['group_id', 'instance_uuid']).where('group_id', 'in', rows.map((r) => r.id)).where('instances.deleted', '=', 0).execute();
    const by = new Map<string, string[]>();
    for (const m of members) by.set(m.group_id, [...(by.get(m.group_id) ?? []), m.instance_uuid]);
    return rows.map((r) => ({ ...r, rules: JSON.parse(r.rules ?? '{}'), members: by.get(r.id) ?? [] }) as ServerGroup);
  }

  async get(id: string): Promise<ServerGroup | undefined> {
    const row = await this.#db.selectFrom('server_groups').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.#withMembers([row]))[0] : undefined;
  }

  async list(opts: { projectId?: string; marker?: string; limit?: number; offset?: number }): Promise<ServerGroup[]> {
    let q = this.#db.selectFrom('server_groups').selectAll();
    if (opts.projectId !== undefined) q = q.where('project_id', '=', opts.projectId);
    q = q.orderBy('created_at').orderBy('id');
    let rows = await q.execute();
    if (opts.offset) rows = rows.slice(opts.offset);
    if (opts.limit !== undefined) rows = rows.slice(0, opts.limit);
    return this.#withMembers(rows);
  }

  async forInstance(instanceUuid: string): Promise<ServerGroup | undefined> {
    const m = await this.#db.selectFrom('server_group_members').select('group_id').where('instance_uuid', '=', instanceUuid).executeTakeFirst();
    return m ? this.get(m.group_id) : undefined;
  }

  async create(g: Omit<ServerGroup, 'id' | 'created_at' | 'members'>): Promise<ServerGroup> {
    const row = { id: newUuid(), name: g.name, project_id: g.project_id, user_id: g.user_id, policy: g.policy, rules: JSON.stringify(g.rules ?? {}), created_at: new Date().toISOString() };
    await this.#db.insertInto('server_groups').values(row).execute();
    return { ...row, rules: g.rules ?? {}, members: [] };
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('server_group_members').where('group_id', '=', id).execute();
    await this.#db.deleteFrom('server_groups').where('id', '=', id).execute();
  }

  async addMembers(db: Kysely<any>, id: string, uuids: string[]): Promise<void> {
    for (const u of uuids) await db.insertInto('server_group_members').values({ group_id: id, instance_uuid: u }).execute();
  }

  async removeMember(instanceUuid: string): Promise<void> {
    await this.#db.deleteFrom('server_group_members').where('instance_uuid', '=', instanceUuid).execute();
  }

  /** Hosts the group's live members run on (for the affinity filters). */
  async memberHosts(id: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('server_group_members').innerJoin('instances', 'instances.uuid', 'server_group_members.instance_uuid')
      .select('instances.host').where('group_id', '=', id).where('instances.deleted', '=', 0).where('instances.host', 'is not', null).execute();
    return rows.map((r) => r.host);
  }
}
