// Image rows and their properties, tags and locations (Glance's ImageRepo over its tables).
// Reads assemble whole images with one query per child table, whatever the number of images.
import { sql, type Kysely } from 'kysely';
import { fromDbBool, fromDbJson, inTransaction, toDbJson, isUniqueViolation } from '../../../lib/db/index.ts';
import { Conflict } from '../../../lib/errors.ts';
import type { Image, ImageLocation, ImageStatus } from './model.ts';

type Row = Record<string, any>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function imageFromRow(r: Row): Image {
  return {
    id: r.id, name: r.name ?? null, status: r.status, visibility: r.visibility,
    protected: fromDbBool(r.protected), os_hidden: fromDbBool(r.os_hidden), owner: r.owner ?? null,
    size: num(r.size), virtual_size: num(r.virtual_size), checksum: r.checksum ?? null,
    os_hash_algo: r.os_hash_algo ?? null, os_hash_value: r.os_hash_value ?? null,
    disk_format: r.disk_format ?? null, container_format: r.container_format ?? null,
    min_disk: Number(r.min_disk ?? 0), min_ram: Number(r.min_ram ?? 0),
    created_at: r.created_at, updated_at: r.updated_at, properties: {}, tags: [], locations: [],
  };
}

/** The columns of the images table an Image maps to (everything but children and locks). */
export function rowOf(i: Image): Row {
  return {
    id: i.id, name: i.name, status: i.status, visibility: i.visibility, protected: i.protected, os_hidden: i.os_hidden,
    owner: i.owner, size: i.size, virtual_size: i.virtual_size, checksum: i.checksum, os_hash_algo: i.os_hash_algo,
    os_hash_value: i.os_hash_value, disk_format: i.disk_format, container_format: i.container_format,
    min_disk: i.min_disk, min_ram: i.min_ram, created_at: i.created_at, updated_at: i.updated_at,
  };
}

/**
 * Fills properties, tags and locations of images read as rows, keeping the rows' order. One
 * query for all three (UNION ALL): a page of 1,000 images or a single image costs one round trip.
 */
export async function withChildren(db: Kysely<any>, rows: Row[]): Promise<Image[]> {
  const images = rows.map(imageFromRow);
  if (images.length === 0) return images;
  const byId = new Map(images.map((i) => [i.id, i]));
  // SQLite binds at most 32766 variables: pages are at most api_limit_max (1000) images anyway.
  for (let at = 0; at < images.length; at += 5000) {
    const ids = sql.join(images.slice(at, at + 5000).map((i) => i.id));
    const children = await sql<{ kind: string; image_id: string; k: string; v: string | null; pos: number; meta: string | null; lid: string | null }>`
      select 'p' as kind, image_id, name as k, value as v, 0 as pos, cast(null as text) as meta, cast(null as text) as lid from image_properties where image_id in (${ids})
      union all select 't', image_id, value, cast(null as text), position, cast(null as text), cast(null as text) from image_tags where image_id in (${ids})
      union all select 'l', image_id, store, url, position, metadata, id from image_locations where image_id in (${ids})
      order by kind, pos, k`.execute(db);
    for (const c of children.rows) {
      const image = byId.get(c.image_id)!;
      if (c.kind === 'p') image.properties[c.k] = c.v ?? '';
      else if (c.kind === 't') image.tags.push(c.k);
      else image.locations.push({ id: c.lid!, store: c.k, url: c.v!, metadata: fromDbJson<Record<string, unknown>>(c.meta) ?? {} });
    }
  }
  return images;
}

export async function getImage(db: Kysely<any>, id: string): Promise<Image | undefined> {
  if (id.length > 36) return undefined;
  const row = await db.selectFrom('images').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
  return row ? (await withChildren(db, [row]))[0] : undefined;
}

export async function insertImage(db: Kysely<any>, image: Image): Promise<void> {
  const insert = async (q: Kysely<any>) => {
    try {
      await q.insertInto('images').values(rowOf(image)).execute();
    } catch (err) {
      // Deleted images keep their rows, so this also refuses to reuse a deleted image's id.
      if (isUniqueViolation(err)) throw new Conflict(`An image with identifier ${image.id} already exists`);
      throw err;
    }
  };
  // One statement needs no transaction (the common create: no properties, no tags).
  if (Object.keys(image.properties).length === 0 && image.tags.length === 0) return insert(db);
  await inTransaction(db, async (trx) => {
    await insert(trx);
    await writeChildren(trx, image, undefined);
  });
}

async function writeChildren(trx: Kysely<any>, after: Image, before: Image | undefined): Promise<void> {
  const oldProps = before?.properties ?? {};
  for (const name of Object.keys(oldProps)) {
    if (!(name in after.properties)) await trx.deleteFrom('image_properties').where('image_id', '=', after.id).where('name', '=', name).execute();
  }
  for (const [name, value] of Object.entries(after.properties)) {
    if (!(name in oldProps)) await trx.insertInto('image_properties').values({ image_id: after.id, name, value }).execute();
    else if (oldProps[name] !== value) await trx.updateTable('image_properties').set({ value }).where('image_id', '=', after.id).where('name', '=', name).execute();
  }
  const oldTags = new Set(before?.tags ?? []);
  const newTags = new Set(after.tags);
  for (const t of oldTags) if (!newTags.has(t)) await trx.deleteFrom('image_tags').where('image_id', '=', after.id).where('value', '=', t).execute();
  let position = before?.tags.length ?? 0;
  for (const t of newTags) if (!oldTags.has(t)) await trx.insertInto('image_tags').values({ image_id: after.id, value: t, position: position++ }).execute();
}

export interface SaveCondition {
  /** Only save when the stored status is one of these (a concurrent change makes it a no-op). */
  status?: ImageStatus[];
  /** Only save when the stored lock token is this one (null: when nobody holds the lock). */
  lockToken?: string | null;
}

/** Writes `after` over `before`; false when `when` did not hold (nothing was written). */
export async function saveImage(db: Kysely<any>, before: Image, after: Image, when: SaveCondition = {}, extra: Row = {}): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const changed: Row = { ...extra };
    const a = rowOf(after);
    const b = rowOf(before);
    for (const [k, v] of Object.entries(a)) if (v !== b[k]) changed[k] = v;
    let q = trx.updateTable('images').set(Object.keys(changed).length ? changed : { updated_at: after.updated_at })
      .where('id', '=', after.id).where('deleted', '=', 0);
    if (when.status) q = q.where('status', 'in', when.status);
    if (when.lockToken !== undefined) q = when.lockToken === null ? q.where('lock_token', 'is', null) : q.where('lock_token', '=', when.lockToken);
    const res = await q.executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return false;
    await writeChildren(trx, after, before);
    return true;
  });
}

/** Conditional status change of the row alone; false when the image was not in `from`. */
export async function setStatus(db: Kysely<any>, id: string, from: ImageStatus[], set: Row, lockToken?: string | null): Promise<boolean> {
  let q = db.updateTable('images').set({ updated_at: new Date().toISOString(), ...set }).where('id', '=', id).where('deleted', '=', 0).where('status', 'in', from);
  if (lockToken !== undefined) q = lockToken === null ? q.where('lock_token', 'is', null) : q.where('lock_token', '=', lockToken);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function addLocation(db: Kysely<any>, imageId: string, loc: ImageLocation, position: number): Promise<void> {
  await db.insertInto('image_locations').values({
    id: loc.id, image_id: imageId, store: loc.store, url: loc.url, metadata: toDbJson(loc.metadata), position, created_at: new Date().toISOString(),
  }).execute();
}

export async function removeLocation(db: Kysely<any>, locationId: string): Promise<void> {
  await db.deleteFrom('image_locations').where('id', '=', locationId).execute();
}

/** Soft delete: the row stays (status deleted) so the id is never reused; children go. */
export async function markDeleted(db: Kysely<any>, id: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const now = new Date().toISOString();
    const res = await trx.updateTable('images').set({ status: 'deleted', deleted: 1, deleted_at: now, updated_at: now, lock_token: null })
      .where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return false;
    await trx.deleteFrom('image_members').where('image_id', '=', id).execute();
    await trx.deleteFrom('image_tags').where('image_id', '=', id).execute();
    await trx.deleteFrom('image_properties').where('image_id', '=', id).execute();
    return true;
  });
}
