// Reserved os_glance_* properties the import machinery keeps on an image (Glance's names, so
// clients and Tempest's waiters read them as they would from Glance):
//   os_glance_import_task          the task holding the import lock (set atomically)
//   os_glance_importing_to_stores  stores still to do, comma-separated
//   os_glance_failed_import        stores that failed, comma-separated
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../lib/db/index.ts';

export const IMPORT_TASK = 'os_glance_import_task';
export const IMPORTING = 'os_glance_importing_to_stores';
export const FAILED = 'os_glance_failed_import';

/** Sets the property unless present; false when another value already holds it. */
export async function claimProperty(db: Kysely<any>, imageId: string, name: string, value: string): Promise<boolean> {
  try {
    await db.insertInto('image_properties').values({ image_id: imageId, name, value }).execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export async function setProperty(db: Kysely<any>, imageId: string, name: string, value: string): Promise<void> {
  const r = await db.updateTable('image_properties').set({ value }).where('image_id', '=', imageId).where('name', '=', name).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) await claimProperty(db, imageId, name, value);
}

/** Removes the property (only while it still has `value`, when given). */
export async function dropProperty(db: Kysely<any>, imageId: string, name: string, value?: string): Promise<void> {
  let q = db.deleteFrom('image_properties').where('image_id', '=', imageId).where('name', '=', name);
  if (value !== undefined) q = q.where('value', '=', value);
  await q.execute();
}

export async function getProperty(db: Kysely<any>, imageId: string, name: string): Promise<string | undefined> {
  const r = await db.selectFrom('image_properties').select('value').where('image_id', '=', imageId).where('name', '=', name).executeTakeFirst();
  return r?.value ?? undefined;
}
