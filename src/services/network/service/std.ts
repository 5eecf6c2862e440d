// Standard attributes every Neutron resource carries: description, created_at / updated_at
// (seconds, 'Z'), revision_number bumped on every change and checked against If-Match, and
// tags. Also the small row helpers the resource modules share.
import type { Kysely } from 'kysely';
import { fromDbJson, toDbJson } from '../../../lib/db/index.ts';
import { revisionMismatch } from '../errors.ts';

export type Db = Kysely<any>;
export type Row = Record<string, any>;

/** Neutron renders timestamps to the second: 2024-05-01T10:00:00Z. */
export const isoTime = (s: string | null | undefined): string | null => (s ? s.replace(/\.\d+Z$/, 'Z') : null);
export const nowIso = (): string => new Date().toISOString();
export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1';
export function json<T>(v: unknown, fallback: T): T {
  if (v === null || v === undefined) return fallback;
  // Most JSON columns hold an empty list or object: skip the parser for them (big listings).
  if (v === '[]') return [] as T;
  if (v === '{}') return {} as T;
  return fromDbJson<T>(v as string) ?? fallback;
}
export const dbJson = (v: unknown): string => toDbJson(v) as string;

export interface StdAttrs { description: string; created_at: string | null; updated_at: string | null; revision_number: number; tags: string[] }

export function stdAttrs(row: Row, tags: string[] = []): StdAttrs {
  return { description: row.description ?? '', created_at: isoTime(row.created_at), updated_at: isoTime(row.updated_at), revision_number: Number(row.revision_number), tags };
}

export const ownerAttrs = (projectId: string) => ({ tenant_id: projectId, project_id: projectId });

/** New-row standard columns. */
export const newStd = (description = '') => {
  const now = nowIso();
  return { description, created_at: now, updated_at: now, revision_number: 1 };
};

/**
 * Bumps revision_number and updated_at of one row; with `expected` (If-Match) the bump only
 * happens on that revision, else 412. Returns the new revision, or undefined if the row is gone.
 * The UPDATE also serialises concurrent writers of the row on PostgreSQL (a row lock).
 */
export async function bump(db: Db, table: string, id: string, expected?: number, extra: Row = {}): Promise<number | undefined> {
  let q = db.updateTable(table).set((eb: any) => ({ ...extra, updated_at: nowIso(), revision_number: eb('revision_number', '+', 1) })).where('id', '=', id);
  if (expected !== undefined) q = q.where('revision_number', '=', expected);
  const res = await q.returning('revision_number').executeTakeFirst();
  if (res) return Number(res.revision_number);
  if (expected === undefined) return undefined;
  const cur = await db.selectFrom(table).select('revision_number').where('id', '=', id).executeTakeFirst();
  if (!cur) return undefined;
  throw revisionMismatch(expected, Number(cur.revision_number));
}

/** Tags of many resources, one query. */
export async function tagsOf(db: Db, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!ids.length) return out;
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += 500) chunks.push(ids.slice(i, i + 500));
  for (const chunk of chunks) {
    const rows = await db.selectFrom('tags').select(['resource_id', 'tag']).where('resource_id', 'in', chunk).execute();
    for (const r of rows) {
      const list = out.get(r.resource_id) ?? [];
      list.push(r.tag);
      out.set(r.resource_id, list);
    }
  }
  return out;
}

/** All tags (used by full listings, where one scan beats thousands of IN lists). */
export async function allTags(db: Db): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await db.selectFrom('tags').select(['resource_id', 'tag']).execute()) {
    const list = out.get(r.resource_id) ?? [];
    list.push(r.tag);
    out.set(r.resource_id, list);
  }
  return out;
}

/** Rows by id, in chunks (IN lists stay small for both engines). */
export async function inChunks<T>(ids: string[], fn: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...await fn(ids.slice(i, i + 500)));
  return out;
}
