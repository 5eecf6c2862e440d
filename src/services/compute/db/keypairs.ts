// Key pairs, per user (Nova's API database key_pairs table).
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { Conflict } from '../../../lib/errors.ts';

export interface KeyPair {
  id: number; user_id: string; name: string; fingerprint: string; public_key: string; type: string; created_at: string;
}

export class KeyPairRepo {
  readonly #db: Kysely<any>;
  readonly #nextId: () => Promise<number>;
  constructor(db: Kysely<any>, nextId: () => Promise<number>) { this.#db = db; this.#nextId = nextId; }

  async get(userId: string, name: string): Promise<KeyPair | undefined> {
    return this.#db.selectFrom('key_pairs').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst() as Promise<KeyPair | undefined>;
  }

  async list(userId: string, opts: { marker?: string; limit?: number } = {}): Promise<KeyPair[]> {
    let q = this.#db.selectFrom('key_pairs').selectAll().where('user_id', '=', userId);
    if (opts.marker !== undefined) q = q.where('name', '>', opts.marker);
    q = q.orderBy('name');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return q.execute() as Promise<KeyPair[]>;
  }

  async count(userId: string): Promise<number> {
    const r = await this.#db.selectFrom('key_pairs').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async create(kp: Omit<KeyPair, 'id' | 'created_at'>): Promise<KeyPair> {
    const row = { ...kp, id: await this.#nextId(), created_at: new Date().toISOString() };
    try {
      await this.#db.insertInto('key_pairs').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new Conflict(`Key pair '${kp.name}' already exists.`);
      throw err;
    }
    return row;
  }

  async delete(userId: string, name: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('key_pairs').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
