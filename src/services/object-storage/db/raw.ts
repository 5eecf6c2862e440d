// Precompiled SQL for the queries every object request runs: written once, sent as-is (no query
// building per request). `?` placeholders; PostgreSQL gets $1, $2… Identifiers are quoted for both.
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { isPostgres } from './rows.ts';

export interface RawSql { sqlite: string; pg: string }

export function rawSql(text: string): RawSql {
  let n = 0;
  return Object.freeze({ sqlite: text, pg: text.replace(/\?/g, () => `$${++n}`) });
}

export function runRaw<R = any>(db: Kysely<any>, q: RawSql, params: unknown[]): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(isPostgres(db) ? q.pg : q.sqlite, params));
}
