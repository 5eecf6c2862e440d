// Small blobs in the service's database, as rows of `small_blob`. Why: a small object written as
// a file costs three syncs before its reply (the file, its directory entry, then the commit of
// its row), two of them one after the other; in the database its data is one more commit
// written to the same log just before the row's, and the one sync of the log that the reply
// waits for anyway makes both durable. Commits reach the log in order, so a crash can lose the
// row with its data, or the row alone (an orphan, swept at start), never the data alone.
// Ids are "db:<n>" with n increasing (never reused: a garbage entry names one blob only), so the
// table is appended to in key order.
import type { Kysely } from 'kysely';
import { rawSql, runRaw } from '../db/raw.ts';

const PREFIX = 'db:';
const insertBlob = rawSql('INSERT INTO "small_blob" ("id", "data") VALUES (?, ?)');
const selectBlob = rawSql('SELECT "data" FROM "small_blob" WHERE "id" = ?');
const copyBlob = rawSql('INSERT INTO "small_blob" ("id", "data") SELECT ?, "data" FROM "small_blob" WHERE "id" = ?');
const deleteBlob = rawSql('DELETE FROM "small_blob" WHERE "id" = ?');
const maxId = rawSql('SELECT max("id") AS "id" FROM "small_blob"');
const idsAfter = rawSql('SELECT "id" FROM "small_blob" WHERE "id" > ? ORDER BY "id" LIMIT 1000');

export interface DbBlobs {
  /** Whether a blob id is one of these. */
  owns(id: string): boolean;
  put(data: Buffer): Promise<string>;
  /** The blob's bytes, or undefined when there is no such blob. */
  get(id: string): Promise<Buffer | undefined>;
  /** A new blob with the same bytes, or undefined when there is no such blob. */
  copy(id: string): Promise<string | undefined>;
  remove(id: string): Promise<void>;
  ids(): AsyncIterable<string>;
}

export async function createDbBlobs(db: Kysely<any>): Promise<DbBlobs> {
  // microseconds since the epoch, or one past the last id: increasing across restarts too
  const top = Number((await runRaw<{ id: number | string | null }>(db, maxId, [])).rows[0]?.id ?? 0);
  let last = Math.max(top, Date.now() * 1000);
  const nextId = () => (last = Math.max(last + 1, Date.now() * 1000));
  const key = (id: string) => Number(id.slice(PREFIX.length));
  // node:sqlite gives a Uint8Array, pg a Buffer: a Buffer view either way, no copy
  const asBuffer = (u: Uint8Array) => Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);

  return {
    owns: (id) => id.startsWith(PREFIX),
    async put(data) {
      const n = nextId();
      await runRaw(db, insertBlob, [n, data]);
      return PREFIX + n;
    },
    async get(id) {
      const row = (await runRaw<{ data: Uint8Array }>(db, selectBlob, [key(id)])).rows[0];
      return row && asBuffer(row.data);
    },
    async copy(id) {
      const n = nextId();
      const done = await runRaw(db, copyBlob, [n, key(id)]);
      return Number(done.numAffectedRows ?? 0n) > 0 ? PREFIX + n : undefined;
    },
    async remove(id) {
      await runRaw(db, deleteBlob, [key(id)]);
    },
    async *ids() {
      for (let after = 0; ;) {
        const rows = (await runRaw<{ id: number | string }>(db, idsAfter, [after])).rows;
        if (rows.length === 0) return;
        for (const r of rows) yield PREFIX + r.id;
        after = Number(rows.at(-1)!.id);
      }
    },
  };
}
