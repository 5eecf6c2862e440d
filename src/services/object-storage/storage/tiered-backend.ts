// Small objects in the database, the rest in a backend of their own (the filesystem): a write
// holds up to SMALL_MAX bytes; if the body ends there, it becomes a database blob
// (db-blobs.ts, one log sync for data and row), otherwise the held bytes and the rest of the body
// stream into the large backend. Ids say where a blob lives, so reads, links and removal go
// straight to it.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobNotFound, BlobTooLarge, type BlobInfo, type ObjectBackend } from './backend.ts';
import type { DbBlobs } from './db-blobs.ts';

/**
 * The largest object kept in the database. Past a few pages a file costs little more to write
 * while every byte in the database is written twice (the log, then the checkpoint) and read
 * back through the page cache of SQLite too.
 */
export const SMALL_MAX = 64 * 1024;

export function createTieredBackend(small: DbBlobs, large: ObjectBackend): ObjectBackend {
  const stored = async (id: string) => {
    const data = await small.get(id);
    if (!data) throw new BlobNotFound(id);
    return data;
  };
  return {
    async write(source, opts): Promise<BlobInfo> {
      const body = source[Symbol.asyncIterator]();
      const held: Buffer[] = [];
      let size = 0;
      for (;;) {
        const next = await body.next();
        if (next.done) break;
        size += next.value.length;
        if (size > opts.maxSize) { await body.return?.(); throw new BlobTooLarge(); }
        held.push(next.value);
        if (size > SMALL_MAX) {
          // the large backend reads what was held, then the rest of the body (and closes it)
          const rest = (async function* () { yield* held; yield* { [Symbol.asyncIterator]: () => body }; })();
          return large.write(rest, opts);
        }
      }
      const data = held.length === 1 ? held[0]! : Buffer.concat(held, size);
      const md5 = createHash('md5').update(data).digest('hex');
      return { id: size === 0 ? null : await small.put(data), size, md5 };
    },
    async read(id, start, end) {
      return small.owns(id) ? Readable.from([(await stored(id)).subarray(start, end + 1)]) : large.read(id, start, end);
    },
    async readBuffer(id, start, end) {
      return small.owns(id) ? (await stored(id)).subarray(start, end + 1) : large.readBuffer(id, start, end);
    },
    async link(id) {
      if (!small.owns(id)) return large.link(id);
      const copy = await small.copy(id);
      if (!copy) throw new BlobNotFound(id);
      return copy;
    },
    async remove(id) {
      return small.owns(id) ? small.remove(id) : large.remove(id);
    },
    async *ids() {
      yield* small.ids();
      yield* large.ids();
    },
    recover: () => large.recover(),
    close: async () => large.close?.(),
  };
}
