// Migration records (resize, cold and live migration): os-migrations and the resize flow.
import type { Kysely } from 'kysely';
import { uuid as newUuid } from '../../../lib/ids.ts';

export interface MigrationRecord {
  id: number; uuid: string; instance_uuid: string; migration_type: string; status: string;
  source_compute: string | null; source_node: string | null; dest_compute: string | null; dest_node: string | null; dest_host: string | null;
  old_flavorid: string | null; new_flavorid: string | null; old_type_id: number | null; new_type_id: number | null; project_id: string | null; user_id: string | null;
  created_at: string; updated_at: string | null;
}

export interface MigrationQuery {
  instanceUuid?: string; host?: string; status?: string; migrationType?: string; projectId?: string; userId?: string;
  changesSince?: string; changesBefore?: string;
}

export class MigrationRepo {
  readonly #db: Kysely<any>;
  readonly #nextId: () => Promise<number>;
  constructor(db: Kysely<any>, nextId: () => Promise<number>) { this.#db = db; this.#nextId = nextId; }

  async create(m: Omit<MigrationRecord, 'id' | 'uuid' | 'created_at' | 'updated_at'>): Promise<MigrationRecord> {
    const now = new Date().toISOString();
    const row = { ...m, id: await this.#nextId(), uuid: newUuid(), created_at: now, updated_at: now };
    await this.#db.insertInto('migrations').values(row).execute();
    return row;
  }

  async get(id: number): Promise<MigrationRecord | undefined> {
    return this.#db.selectFrom('migrations').selectAll().where('id', '=', id).executeTakeFirst() as Promise<MigrationRecord | undefined>;
  }

  /** The instance's latest migration in one of `statuses`. */
  async latest(instanceUuid: string, statuses?: string[]): Promise<MigrationRecord | undefined> {
    let q = this.#db.selectFrom('migrations').selectAll().where('instance_uuid', '=', instanceUuid);
    if (statuses) q = q.where('status', 'in', statuses);
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst() as Promise<MigrationRecord | undefined>;
  }

  async setStatus(id: number, status: string, extra: Partial<MigrationRecord> = {}): Promise<void> {
    await this.#db.updateTable('migrations').set({ ...extra, status, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
  }

  async list(q: MigrationQuery): Promise<MigrationRecord[]> {
    let sel = this.#db.selectFrom('migrations').selectAll();
    if (q.instanceUuid) sel = sel.where('instance_uuid', '=', q.instanceUuid);
    if (q.host) { const h = q.host; sel = sel.where((eb) => eb.or([eb('source_compute', '=', h), eb('dest_compute', '=', h)])); }
    if (q.status) sel = sel.where('status', '=', q.status);
    if (q.migrationType) sel = sel.where('migration_type', '=', q.migrationType);
    if (q.projectId) sel = sel.where('project_id', '=', q.projectId);
    if (q.userId) sel = sel.where('user_id', '=', q.userId);
    if (q.changesSince) sel = sel.where('updated_at', '>=', q.changesSince);
    if (q.changesBefore) sel = sel.where('updated_at', '<=', q.changesBefore);
    return sel.orderBy('created_at', 'desc').orderBy('id', 'desc').execute() as Promise<MigrationRecord[]>;
  }
}
