// Schema migrations: forward only, each in its own transaction, recorded in stratus_migrations.
// Written with Kysely's schema builder and only portable types, so one migration runs on SQLite
// and PostgreSQL alike (README.md): ids/strings `text`; booleans `integer` 0/1; timestamps `text`
// holding ISO-8601 UTC (`toISOString()`, sorts as text); JSON `text`; sizes `bigint`; floats
// `double precision`. No native boolean/timestamp/json/uuid, no autoincrement, no blobs.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from '../log.ts';
import type { Database } from './database.ts';

export interface Migration {
  /** Stable and unique within the service, e.g. `0001_users`. Never rename an applied one. */
  id: string;
  /** Receives the migration's transaction: if it throws, nothing of it remains. */
  up(db: Kysely<any>): Promise<void>;
}

export const MIGRATIONS_TABLE = 'stratus_migrations';

/**
 * Applies, in array order, the migrations not yet recorded; returns the ids it applied.
 * Idempotent. Two processes may run it at once: each migration runs under a lock (PostgreSQL:
 * advisory lock per schema; SQLite: the write lock of BEGIN IMMEDIATE) and re-checks inside it.
 * A failing migration is rolled back, not recorded, and stops the run (later ones are not tried).
 */
export async function migrate(
  database: Database,
  migrations: readonly Migration[],
  opts: { log?: Logger } = {},
): Promise<string[]> {
  assertUniqueIds(migrations);
  // Read without any lock: the usual start finds everything applied and writes nothing.
  const already = (await readAppliedIfTableExists(database)) ?? new Set<string>();
  const unknown = [...already].filter((id) => !migrations.some((m) => m.id === id));
  // A newer release applied these; running older code against it is the operator's call.
  if (unknown.length > 0) opts.log?.warn({ unknown }, 'database has migrations this code does not know');

  const ran: string[] = [];
  for (const migration of migrations) {
    if (already.has(migration.id)) continue;
    const applied = await underMigrationLock(database, async (trx) => {
      if ((await appliedIds(trx, migration.id)).size > 0) return false; // another process was first
      try {
        await migration.up(trx);
      } catch (err) {
        throw new Error(`Migration ${migration.id} failed: ${(err as Error).message}`, { cause: err });
      }
      await trx.insertInto(MIGRATIONS_TABLE).values({ id: migration.id, applied_at: new Date().toISOString() }).execute();
      return true;
    });
    if (applied) {
      ran.push(migration.id);
      opts.log?.info({ migration: migration.id }, 'applied migration');
    }
  }
  return ran;
}

/** Ids recorded as applied (only `id`, if given). */
export async function appliedIds(db: Kysely<any>, id?: string): Promise<Set<string>> {
  let query = db.selectFrom(MIGRATIONS_TABLE).select('id');
  if (id !== undefined) query = query.where('id', '=', id);
  const rows = await query.execute();
  return new Set(rows.map((r) => String(r.id)));
}

async function readAppliedIfTableExists(database: Database): Promise<Set<string> | null> {
  if (await migrationsTableExists(database)) return appliedIds(database.db);
  await underMigrationLock(database, (trx) =>
    trx.schema.createTable(MIGRATIONS_TABLE).ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute());
  return null;
}

async function migrationsTableExists({ db, dialect }: Database): Promise<boolean> {
  const { rows } = dialect === 'postgres'
    ? await sql`select 1 from pg_tables where schemaname = current_schema() and tablename = ${MIGRATIONS_TABLE}`.execute(db)
    : await sql`select 1 from sqlite_master where type = 'table' and name = ${MIGRATIONS_TABLE}`.execute(db);
  return rows.length > 0;
}

function underMigrationLock<T>(database: Database, fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
  return database.db.transaction().execute(async (trx) => {
    if (database.dialect === 'postgres') {
      // Per schema, so different services migrate in parallel; released at commit/rollback.
      await sql`select pg_advisory_xact_lock(hashtext('stratus.migrate'), hashtext(current_schema()))`.execute(trx);
    }
    return fn(trx);
  });
}

function assertUniqueIds(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const { id } of migrations) {
    if (seen.has(id)) throw new Error(`Duplicate migration id ${id}`);
    seen.add(id);
  }
}
