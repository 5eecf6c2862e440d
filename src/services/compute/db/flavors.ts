// Flavors, their extra specs and project access (Nova's API database flavor tables).
// Flavors change rarely and every create reads one: reads go through a small cache that every
// write here clears.
import type { Kysely } from 'kysely';
import { fromDbBool, isUniqueViolation } from '../../../lib/db/index.ts';
import { Conflict } from '../../../lib/errors.ts';
import { uuid as newUuid } from '../../../lib/ids.ts';
import type { FlavorSnapshot } from '../model/instance.ts';

export interface Flavor extends FlavorSnapshot {
  id: string;
  seq: number;
  disabled: boolean;
  created_at: string;
  updated_at: string | null;
}

export interface FlavorListQuery {
  isPublic?: boolean | 'all';
  /** With isPublic true: private flavors this project was given show too (Nova's flavor_get_all). */
  projectId?: string;
  minRam?: number;
  minDisk?: number;
  name?: string;
  sortKey?: string;
  sortDir?: 'asc' | 'desc';
}

function fromRow(r: Record<string, any>): Flavor {
  return {
    id: r.id, seq: r.seq, flavorid: r.flavorid, name: r.name, memory_mb: r.memory_mb, vcpus: r.vcpus, root_gb: r.root_gb,
    ephemeral_gb: r.ephemeral_gb, swap: r.swap, rxtx_factor: Number(r.rxtx_factor), is_public: fromDbBool(r.is_public),
    disabled: fromDbBool(r.disabled), description: r.description ?? null, extra_specs: JSON.parse(r.extra_specs ?? '{}'),
    created_at: r.created_at, updated_at: r.updated_at ?? null,
  };
}

export const snapshotOf = (f: Flavor): FlavorSnapshot => ({
  flavorid: f.flavorid, seq: f.seq, name: f.name, memory_mb: f.memory_mb, vcpus: f.vcpus, root_gb: f.root_gb, ephemeral_gb: f.ephemeral_gb,
  swap: f.swap, rxtx_factor: f.rxtx_factor, is_public: f.is_public, description: f.description, extra_specs: { ...f.extra_specs },
});

export class FlavorRepo {
  readonly #db: Kysely<any>;
  readonly #nextId: () => Promise<number>;
  #cache = new Map<string, Flavor | null>();
  constructor(db: Kysely<any>, nextId: () => Promise<number>) { this.#db = db; this.#nextId = nextId; }

  async byFlavorId(flavorid: string): Promise<Flavor | undefined> {
    if (this.#cache.has(flavorid)) return this.#cache.get(flavorid) ?? undefined;
    const row = await this.#db.selectFrom('flavors').selectAll().where('flavorid', '=', flavorid).executeTakeFirst();
    const f = row ? fromRow(row) : null;
    if (this.#cache.size > 1000) this.#cache.clear();
    this.#cache.set(flavorid, f);
    return f ?? undefined;
  }

  async list(q: FlavorListQuery): Promise<Flavor[]> {
    let sel = this.#db.selectFrom('flavors').selectAll();
    if (q.isPublic === true) {
      if (q.projectId !== undefined) {
        const pid = q.projectId;
        sel = sel.where((eb) => eb.or([eb('is_public', '=', 1), eb.exists(eb.selectFrom('flavor_projects').select('project_id')
          .whereRef('flavor_projects.flavor_id', '=', 'flavors.id').where('project_id', '=', pid))]));
      } else sel = sel.where('is_public', '=', 1);
    } else if (q.isPublic === false) {
      sel = sel.where('is_public', '=', 0);
    }
    if (q.minRam !== undefined) sel = sel.where('memory_mb', '>=', q.minRam);
    if (q.minDisk !== undefined) sel = sel.where('root_gb', '>=', q.minDisk);
    if (q.name !== undefined) sel = sel.where('name', '=', q.name);
    sel = sel.orderBy(q.sortKey ?? 'flavorid', q.sortDir ?? 'asc').orderBy('id', q.sortDir ?? 'asc');
    return (await sel.execute()).map(fromRow);
  }

  async create(f: Omit<Flavor, 'id' | 'seq' | 'created_at' | 'updated_at' | 'disabled'>): Promise<Flavor> {
    const row = {
      id: newUuid(), seq: await this.#nextId(), flavorid: f.flavorid, name: f.name, memory_mb: f.memory_mb, vcpus: f.vcpus, root_gb: f.root_gb,
      ephemeral_gb: f.ephemeral_gb, swap: f.swap, rxtx_factor: f.rxtx_factor, is_public: f.is_public, disabled: false,
      description: f.description, extra_specs: JSON.stringify(f.extra_specs ?? {}), created_at: new Date().toISOString(), updated_at: null,
    };
    try {
      await this.#db.insertInto('flavors').values(row).execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const byId = await this.#db.selectFrom('flavors').select('id').where('flavorid', '=', f.flavorid).executeTakeFirst();
      throw new Conflict(byId ? `Flavor with ID ${f.flavorid} already exists.` : `Flavor with name ${f.name} already exists.`);
    }
    this.#cache.clear();
    return fromRow(row);
  }

  async update(id: string, changes: { description?: string | null; extra_specs?: Record<string, string> }): Promise<void> {
    const set: Record<string, unknown> = { updated_at: new Date().toISOString() };
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.extra_specs !== undefined) set.extra_specs = JSON.stringify(changes.extra_specs);
    await this.#db.updateTable('flavors').set(set).where('id', '=', id).execute();
    this.#cache.clear();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('flavor_projects').where('flavor_id', '=', id).execute();
    await this.#db.deleteFrom('flavors').where('id', '=', id).execute();
    this.#cache.clear();
  }

  async projects(id: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('flavor_projects').select('project_id').where('flavor_id', '=', id).orderBy('project_id').execute();
    return rows.map((r) => r.project_id);
  }

  async hasAccess(id: string, projectId: string): Promise<boolean> {
    return Boolean(await this.#db.selectFrom('flavor_projects').select('project_id').where('flavor_id', '=', id).where('project_id', '=', projectId).executeTakeFirst());
  }

  /** Adds a project; false when it already had access. */
  async addProject(id: string, projectId: string): Promise<boolean> {
    try {
      await this.#db.insertInto('flavor_projects').values({ flavor_id: id, project_id: projectId }).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async removeProject(id: string, projectId: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('flavor_projects').where('flavor_id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
