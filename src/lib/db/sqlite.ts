// SQLite through Node's built-in node:sqlite (DatabaseSync), adapted to the better-sqlite3-like
// interface Kysely's SqliteDialect expects.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import { SQLITE_MEMORY } from './url.ts';

// Applied once per connection, in this order: busy_timeout first so that switching to WAL waits
// for another process's lock instead of failing at once.
const PRAGMAS = [
  'busy_timeout = 5000',
  'journal_mode = WAL', // readers do not block the writer; survives reopen
  'synchronous = NORMAL', // safe with WAL (only the last transactions can be lost on power loss)
  'foreign_keys = ON',
  // LIKE is case-insensitive in SQLite but case-sensitive in PostgreSQL; make SQLite match.
  'case_sensitive_like = ON',
];

/**
 * Rows come from node:sqlite as arrays and are built into plain objects here, like pg's rows:
 * node:sqlite's own row objects have a null prototype and cost as much again to copy into plain
 * ones (10,000 listing rows: 36 ms as objects copied, 11 ms as arrays made into objects).
 */
const columnNames = (stmt: StatementSync) => stmt.columns().map((c) => c.name); // ~11 µs: not per row

function rowMaker(stmt: StatementSync, names: string[]): (values: unknown[]) => Record<string, unknown> {
  stmt.setReturnArrays(true);
  return (values) => {
    // SQLite re-prepares a statement after a schema change, and `select *` may then yield more or
    // fewer columns
    if (values.length !== names.length) names = columnNames(stmt);
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    return row;
  };
}

function adaptStatement(stmt: StatementSync, afterWrite: () => void): SqliteStatement {
  const params = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
  const names = columnNames(stmt);
  const toRow = rowMaker(stmt, names);
  // a SELECT commits nothing: the commit watcher need not look after one (most statements)
  const after = /^\s*select\b/i.test(stmt.sourceSQL) ? () => {} : afterWrite;
  return {
    // A statement that yields columns (SELECT, PRAGMA, INSERT … RETURNING) is read with all().
    reader: names.length > 0,
    all: (parameters) => {
      const rows = (stmt.all(...params(parameters)) as unknown as unknown[][]).map(toRow);
      after();
      return rows;
    },
    run: (parameters) => {
      const { changes, lastInsertRowid } = stmt.run(...params(parameters));
      after();
      return { changes, lastInsertRowid };
    },
    iterate: function* (parameters) {
      for (const values of stmt.iterate(...params(parameters))) yield toRow(values as unknown as unknown[]);
      after();
    },
  };
}

/** Prepared statements kept per SQL text: services run the same few hundred queries all day. */
const STATEMENT_CACHE_MAX = 1000;

/**
 * The better-sqlite3-shaped wrapper; close() is idempotent because both Kysely and we call it.
 * `afterStatement` runs after each statement but a SELECT (a CommitSync notes what is committed).
 */
export function adaptDatabaseSync(raw: DatabaseSync, afterStatement: () => void = () => {}): SqliteDatabase {
  let cache = new Map<string, SqliteStatement>();
  return {
    prepare: (sql) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= STATEMENT_CACHE_MAX) cache = new Map();
        stmt = adaptStatement(raw.prepare(sql), afterStatement);
        cache.set(sql, stmt);
      }
      return stmt;
    },
    close: () => {
      if (raw.isOpen) raw.close();
    },
  };
}

/** Opens (creating if needed) the file, applies the pragmas. Throws at once on a bad path. */
export function openSqliteFile(filename: string): DatabaseSync {
  if (filename !== SQLITE_MEMORY) mkdirSync(dirname(filename), { recursive: true });
  const raw = new DatabaseSync(filename);
  try {
    for (const pragma of PRAGMAS) raw.exec(`PRAGMA ${pragma}`);
  } catch (err) {
    raw.close();
    throw err;
  }
  return raw;
}

// Transactions start with BEGIN IMMEDIATE: the write lock is taken up front, so a transaction that
// reads and then writes never fails with SQLITE_BUSY halfway when another process (e.g. a
// `stratus db migrate`) holds the file; it waits busy_timeout for the lock instead.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
