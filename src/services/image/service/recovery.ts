// What a transfer whose process died leaves behind, removed when the sweeper finds it
// (service/transfers.ts): staged data, store data never recorded as a location (it would make
// the next upload of the image a 409), and the import lock and task of an import.
import type { Kysely } from 'kysely';
import type { ImageStore, StoreSet } from '../stores/index.ts';
import { IMPORT_TASK, dropProperty } from './image-props.ts';

export async function cleanupDeadTransfer(db: Kysely<any>, stores: StoreSet, staging: ImageStore, imageId: string): Promise<void> {
  await staging.delete(staging.locate(imageId)).catch(() => undefined);
  const recorded = new Set((await db.selectFrom('image_locations').select('url').where('image_id', '=', imageId).execute()).map((l) => l.url));
  for (const store of stores.all) {
    if (!recorded.has(store.locate(imageId))) await store.delete(store.locate(imageId)).catch(() => undefined);
  }
  const held = await db.selectFrom('image_properties').select('value').where('image_id', '=', imageId).where('name', '=', IMPORT_TASK).executeTakeFirst();
  if (held?.value) {
    await db.updateTable('tasks').set({ status: 'failure', message: 'The image service handling this task stopped', updated_at: new Date().toISOString() })
      .where('id', '=', held.value).where('status', 'in', ['pending', 'processing']).execute();
    await dropProperty(db, imageId, IMPORT_TASK, held.value);
  }
}
