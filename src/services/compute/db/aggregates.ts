// Host aggregates (os-aggregates); the availability_zone metadata key makes one a zone.
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { Conflict } from '../../../lib/errors.ts';
import { uuid as newUuid } from '../../../lib/ids.ts';

export interface Aggregate {
  id: number; uuid: string; name: string; metadata: Record<string, string>; hosts: string[]; created_at: string; updated_at: string | null;
}

export class AggregateRepo {
  readonly #db: Kysely<any>;
  readonly #nextId: () => Promise<number>;
  constructor(db: Kysely<any>, nextId: () => Promise<number>) { this.#db = db; this.#nextId = nextId; }

  async #hydrate(rows: Record<string, any>[]): Promise<Aggregate[]> {
    if (!rows.length) return [];
    const hosts = await this.#db.selectFrom('aggregate_hosts').selectAll().where('aggregate_id', 'in', rows.map((r) => r.id)).orderBy('host').execute();
    return rows.map((r) => ({ ...r, metadata: JSON.parse(r.metadata ?? '{}'), hosts: hosts.filter((h) => h.aggregate_id === r.id).map((h) => h.host) }) as Aggregate);
  }

  async list(): Promise<Aggregate[]> {
    return this.#hydrate(await this.#db.selectFrom('aggregates').selectAll().orderBy('id').execute());
  }

  async get(id: number): Promise<Aggregate | undefined> {
    return (await this.#hydrate(await this.#db.selectFrom('aggregates').selectAll().where('id', '=', id).execute()))[0];
  }

  async byHost(host: string): Promise<Aggregate[]> {
    const ids = (await this.#db.selectFrom('aggregate_hosts').select('aggregate_id').where('host', '=', host).execute()).map((r) => r.aggregate_id);
    if (!ids.length) return [];
    return this.#hydrate(await this.#db.selectFrom('aggregates').selectAll().where('id', 'in', ids).orderBy('id').execute());
  }

  async create(name: string, metadata: Record<string, string>): Promise<Aggregate> {
    const now = new Date().toISOString();
    const row = { id: await this.#nextId(), uuid: newUuid(), name, metadata: JSON.stringify(metadata), created_at: now, updated_at: null };
    try {
      await this.#db.insertInto('aggregates').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Aggregate ${name} already exists.`);
      throw err;
    }
    return { ...row, metadata, hosts: [] };
  }

  async update(id: number, changes: { name?: string; metadata?: Record<string, string> }): Promise<void> {
    const set: Record<string, unknown> = { updated_at: new Date().toISOString() };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.metadata !== undefined) set.metadata = JSON.stringify(changes.metadata);
    try {
      await this.#db.updateTable('aggregates').set(set).where('id', '=', id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Aggregate ${changes.name} already exists.`);
      throw err;
    }
  }

  async delete(id: number): Promise<void> {
    await this.#db.deleteFrom('aggregate_hosts').where('aggregate_id', '=', id).execute();
    await this.#db.deleteFrom('aggregates').where('id', '=', id).execute();
  }

  async addHost(id: number, host: string): Promise<boolean> {
    try {
      await this.#db.insertInto('aggregate_hosts').values({ aggregate_id: id, host }).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async removeHost(id: number, host: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('aggregate_hosts').where('aggregate_id', '=', id).where('host', '=', host).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
