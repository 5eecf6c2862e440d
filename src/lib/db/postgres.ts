// PostgreSQL through pg: one Pool per service, the service's tables in a schema of its own,
// reached unqualified because every pooled connection sets search_path to that schema.
import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import type { Logger } from '../log.ts';
import { redact } from './url.ts';

// int8 (count(*), sum(), bigint columns) would arrive as a string from pg but as a number from
// SQLite. Numbers are what callers expect; values past 2^53 are not a concern for sizes and
// counts, and ids are text.
const INT8_OID = 20;
const portableTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  connectionString: string;
  poolSize: number;
  log?: Logger;
}

/** A pg Pool returning portable types; idle-client errors are logged, not fatal. */
export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.poolSize, types: portableTypes });
  // Without a listener, an idle client losing its server (restart, network) crashes the process.
  pool.on('error', (err) => opts.log?.warn({ err, url: redact(opts.connectionString) }, 'idle PostgreSQL connection failed'));
  return pool;
}

export function postgresDialect(pool: pg.Pool, schema: string): PostgresDialect {
  return new PostgresDialect({
    pool,
    // Awaited by Kysely before the connection's first query, so no query can run in the wrong schema.
    onCreateConnection: async (connection) => {
      await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
    },
  });
}

/**
 * Creates the schema if missing. Under an advisory lock because two processes running
 * `create schema if not exists` at the same moment can still collide on the catalog's unique index.
 */
export async function ensureSchema(db: Kysely<any>, schema: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('stratus.schema'), hashtext(${schema}))`.execute(trx);
    await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
  });
}
