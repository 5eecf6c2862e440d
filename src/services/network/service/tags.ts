// Tags on any resource with standard attributes (the standard-attr-tag extension). A tag change
// is a change of the resource: its revision_number and updated_at move.
import { inTransaction } from '../../../lib/db/index.ts';
import { invalidInput, notFound } from '../errors.ts';
import { bump, type Db } from './std.ts';

const MAX_TAG_LEN = 255;

export function validateTag(tag: unknown): string {
  if (typeof tag !== 'string') throw invalidInput(`'${JSON.stringify(tag)}' is not a valid string`);
  if (tag.length > MAX_TAG_LEN) throw invalidInput(`'${tag}' exceeds maximum length of ${MAX_TAG_LEN}`);
  if (tag === '') throw invalidInput("'' Blank strings are not permitted");
  return tag;
}

export async function listTags(db: Db, id: string): Promise<string[]> {
  const rows = await db.selectFrom('tags').select('tag').where('resource_id', '=', id).orderBy('tag').execute();
  return rows.map((r: any) => r.tag);
}

export async function hasTag(db: Db, id: string, tag: string): Promise<boolean> {
  return !!await db.selectFrom('tags').select('tag').where('resource_id', '=', id).where('tag', '=', tag).executeTakeFirst();
}

export async function replaceTags(db: Db, table: string, id: string, tags: string[]): Promise<string[]> {
  const unique = [...new Set(tags)];
  return inTransaction(db, async (trx) => {
    await trx.deleteFrom('tags').where('resource_id', '=', id).execute();
    for (const tag of unique) await trx.insertInto('tags').values({ resource_id: id, tag }).execute();
    await bump(trx, table, id);
    return unique;
  });
}

export async function addTag(db: Db, table: string, id: string, tag: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const res = await trx.insertInto('tags').values({ resource_id: id, tag }).onConflict((oc: any) => oc.doNothing()).executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) await bump(trx, table, id);
  });
}

export async function removeTag(db: Db, table: string, id: string, tag: string, resource: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const res = await trx.deleteFrom('tags').where('resource_id', '=', id).where('tag', '=', tag).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound('TagNotFound', `Tag ${tag} could not be found for ${resource} ${id}.`);
    await bump(trx, table, id);
  });
}

export async function removeAllTags(db: Db, table: string, id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const res = await trx.deleteFrom('tags').where('resource_id', '=', id).executeTakeFirst();
    if (Number(res.numDeletedRows) > 0) await bump(trx, table, id);
  });
}

export async function dropTags(db: Db, id: string): Promise<void> {
  await db.deleteFrom('tags').where('resource_id', '=', id).execute();
}
