// Regions: a tree by parent_region_id (Keystone keeps no loop at update, and deleting a region
// takes its whole subtree unless some region in it still has endpoints).
import type { Kysely } from 'kysely';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../lib/errors.ts';
import { fromDbJson, isUniqueViolation, toDbJson } from '../../../lib/db/index.ts';
import { invalidateCatalog } from './catalog-cache.ts';

export interface Region {
  id: string;
  description: string;
  parentRegionId: string | null;
  extra: Record<string, unknown>;
}

const rowToRegion = (r: any): Region => ({
  id: r.id, description: r.description ?? '', parentRegionId: r.parent_region_id ?? null,
  extra: fromDbJson<Record<string, unknown>>(r.extra) ?? {},
});

const regionNotFound = (id: string | null | undefined) => new NotFound(`Could not find region: ${id}.`, { type: 'region' });

export async function findRegion(db: Kysely<any>, id: string): Promise<Region | undefined> {
  const row = await db.selectFrom('region').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToRegion(row) : undefined;
}

export async function getRegion(db: Kysely<any>, id: string): Promise<Region> {
  const region = await findRegion(db, id);
  if (!region) throw regionNotFound(id);
  return region;
}

export async function listRegions(db: Kysely<any>, f: { parentRegionId?: string } = {}): Promise<Region[]> {
  let q = db.selectFrom('region').selectAll();
  if (f.parentRegionId !== undefined) q = q.where('parent_region_id', '=', f.parentRegionId);
  return (await q.orderBy('id').execute()).map(rowToRegion);
}

export interface RegionInput {
  id: string;
  description?: string | null;
  parentRegionId?: string | null;
  extra?: Record<string, unknown>;
}

export async function createRegion(db: Kysely<any>, input: RegionInput): Promise<Region> {
  if (await findRegion(db, input.id)) throw new Conflict(`Conflict occurred attempting to store region - Duplicate ID, ${input.id}.`);
  if (input.parentRegionId != null && !(await findRegion(db, input.parentRegionId))) throw regionNotFound(input.parentRegionId);
  try {
    await db.insertInto('region').values({
      id: input.id, description: input.description ?? '', parent_region_id: input.parentRegionId ?? null, extra: toDbJson(input.extra ?? {}),
    }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store region - Duplicate ID, ${input.id}.`);
    throw err;
  }
  invalidateCatalog(db);
  return getRegion(db, input.id);
}

/** Walks up from `parentId`; reaching `id` again means the new parent would close a loop. */
async function assertNoLoop(db: Kysely<any>, id: string, parentId: string | null): Promise<void> {
  const seen = new Set<string>();
  let parent = parentId;
  while (parent) {
    if (parent === id) throw new BadRequest(`The specified parent region ${parent} would create a circular region hierarchy.`);
    if (seen.has(parent)) return; // an older loop above us; not ours to report
    seen.add(parent);
    const row = await db.selectFrom('region').select('parent_region_id').where('id', '=', parent).executeTakeFirst();
    if (!row) throw regionNotFound(parent);
    parent = row.parent_region_id;
  }
}

export async function updateRegion(db: Kysely<any>, id: string, patch: Omit<Partial<RegionInput>, 'id'>): Promise<Region> {
  if (patch.parentRegionId != null && !(await findRegion(db, patch.parentRegionId))) throw regionNotFound(patch.parentRegionId);
  const before = await getRegion(db, id);
  const parentRegionId = patch.parentRegionId !== undefined ? patch.parentRegionId : before.parentRegionId;
  await assertNoLoop(db, id, parentRegionId);
  const values: Record<string, unknown> = { parent_region_id: parentRegionId };
  if (patch.description !== undefined) values.description = patch.description ?? '';
  if (patch.extra && Object.keys(patch.extra).length) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  await db.updateTable('region').set(values).where('id', '=', id).execute();
  invalidateCatalog(db);
  return getRegion(db, id);
}

/** The ids of `id` and every region below it. */
async function subtree(db: Kysely<any>, id: string): Promise<string[]> {
  const out = [id];
  let frontier = [id];
  while (frontier.length) {
    const rows = await db.selectFrom('region').select('id').where('parent_region_id', 'in', frontier).execute();
    frontier = rows.map((r) => r.id as string).filter((r) => !out.includes(r));
    out.push(...frontier);
  }
  return out;
}

export async function deleteRegion(db: Kysely<any>, id: string): Promise<void> {
  await getRegion(db, id);
  await db.transaction().execute(async (tx) => {
    const ids = await subtree(tx, id);
    const used = await tx.selectFrom('endpoint').select('id').where('region_id', 'in', ids).executeTakeFirst();
    if (used) throw new Forbidden(`Unable to delete region ${id} because it or its child regions have associated endpoints.`);
    await tx.deleteFrom('region').where('id', 'in', ids).execute();
  });
  invalidateCatalog(db);
}
