// openDatabase: a Kysely instance for one service's database, chosen by URL.
import { Kysely } from 'kysely';
import type { Logger } from '../log.ts';
import { adaptDatabaseSync, ImmediateSqliteDialect, openSqliteFile } from './sqlite.ts';
import { walCommitSync, type CommitSync } from './commit-sync.ts';
import { parseDatabaseUrl, redact, schemaNameFor, SQLITE_MEMORY, type DialectName } from './url.ts';
import { PortableValuesPlugin } from './values.ts';

export interface Database {
  db: Kysely<any>;
  dialect: DialectName;
  /**
   * Starts watching this connection's commits and returns `sync`, which resolves once every
   * commit made before its call is on disk. PostgreSQL commits are durable when they return;
   * SQLite runs at synchronous=NORMAL, and `sync` fdatasyncs its log off the event loop, once for
   * the callers of the moment (commit-sync.ts). Call it at start-up, outside any transaction;
   * until then no statement pays for the watching.
   */
  durableCommits(): () => Promise<void>;
  /** Releases the file / pool. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** The owning service (`identity`, `block-storage`…): its PostgreSQL schema. */
  service: string;
  log?: Logger;
  /**
   * PostgreSQL connections per service (default 5). Small on purpose: the all-in-one opens one
   * pool per service against a server whose default max_connections is 100.
   */
  poolSize?: number;
}

export async function openDatabase(url: string, opts: OpenDatabaseOptions): Promise<Database> {
  const parsed = parseDatabaseUrl(url);
  const log = opts.log?.child({ service: opts.service, db: parsed.dialect });
  const plugins = [new PortableValuesPlugin()];

  if (parsed.dialect === 'sqlite') {
    const raw = openSqliteFile(parsed.filename);
    let commits: CommitSync | undefined;
    const database = adaptDatabaseSync(raw, () => commits?.afterStatement());
    const db = new Kysely<any>({ dialect: new ImmediateSqliteDialect({ database }), plugins });
    log?.debug({ file: parsed.filename }, 'opened SQLite database');
    return {
      db,
      dialect: 'sqlite',
      durableCommits: () => {
        if (parsed.filename === SQLITE_MEMORY) return async () => {}; // nothing to make durable
        return (commits ??= walCommitSync(raw, parsed.filename)).sync;
      },
      close: once(async () => {
        await commits?.close();
        await db.destroy();
        database.close(); // destroy() skips close() when no query ever ran
      }),
    };
  }

  const schema = schemaNameFor(opts.service);
  // Loaded only for PostgreSQL: pg is memory the SQLite all-in-one does not need.
  const { createPool, ensureSchema, postgresDialect } = await import('./postgres.ts');
  const pool = createPool({ connectionString: parsed.connectionString, poolSize: opts.poolSize ?? 5, log });
  const db = new Kysely<any>({ dialect: postgresDialect(pool, schema), plugins });
  try {
    await ensureSchema(db, schema); // also proves the server is reachable, at start rather than later
  } catch (err) {
    await db.destroy();
    throw new Error(`Cannot open PostgreSQL database ${redact(parsed.connectionString)}: ${(err as Error).message}`, { cause: err });
  }
  log?.debug({ url: redact(parsed.connectionString), schema }, 'opened PostgreSQL database');
  return { db, dialect: 'postgres', durableCommits: () => async () => {}, close: once(() => db.destroy()) };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
