// dbTest: one test body, run on SQLite (a temp file) and on PostgreSQL (a fresh schema, dropped
// afterwards) when STRATUS_TEST_PG_URL is set, e.g. postgres://postgres@127.0.0.1:5432/test.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/lib/db/index.ts';

export interface DbTestContext {
  /** The URL and service that `openDatabase` was given: open the same database elsewhere. */
  url: string;
  service: string;
  /** Another handle on the same database (same file / same schema); closed after the test. */
  reopen(): Promise<Database>;
  t: TestContext;
}

export type DbTestFn = (database: Database, ctx: DbTestContext) => Promise<void>;

export interface DbTestOptions {
  timeout?: number;
  only?: boolean;
}

/** The PostgreSQL URL for tests, or undefined when PostgreSQL tests are off. */
export function testPgUrl(): string | undefined {
  return process.env.STRATUS_TEST_PG_URL || undefined;
}

export function dbTest(name: string, fn: DbTestFn, opts: DbTestOptions = {}): void {
  test(`${name} [sqlite]`, opts, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-db-'));
    try {
      await runWith(`sqlite://${join(dir, 'test.db')}`, 'test', fn, t);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const pgUrl = testPgUrl();
  test(`${name} [postgres]`, { ...opts, skip: pgUrl ? false : 'STRATUS_TEST_PG_URL not set' }, async (t) => {
    // A schema of its own: test files run in parallel against the same database.
    const service = `test_${randomBytes(6).toString('hex')}`;
    try {
      await runWith(pgUrl!, service, fn, t);
    } finally {
      await dropSchema(pgUrl!, service);
    }
  });
}

async function runWith(url: string, service: string, fn: DbTestFn, t: TestContext): Promise<void> {
  const opened: Database[] = [];
  const open = async () => {
    const database = await openDatabase(url, { service });
    opened.push(database);
    return database;
  };
  try {
    await fn(await open(), { url, service, reopen: open, t });
  } finally {
    for (const database of opened) await database.close();
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
