// The filesystem backend. A write goes to tmp/<id>, MD5 computed on the way, is renamed to
// data/<aa>/<id>, and then its data and its directory entry are fsynced together. Blobs written
// within the same tenth of a second share a directory (<aa> is taken from the clock), so
// concurrent writes share one directory fsync (group-sync.ts) rather than paying one each.
// A blob is an object only once a committed row names it, and the row is written after both
// fsyncs: a crash at any point leaves either a complete object or none (a partial blob is an
// orphan, which recovery removes). Large blobs are written around the page cache (direct-io.ts).
// Blobs are immutable; a copy is a hard link. One process owns a data directory (recover()
// empties tmp/).
import { randomUUID } from 'node:crypto';
import { closeSync, constants, fdatasync, openSync, readSync, renameSync, writeSync, writevSync } from 'node:fs';
import { link, mkdir, open, readdir, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BlobNotFound, BlobTooLarge, type BlobInfo, type ObjectBackend, type WriteOptions } from './backend.ts';
import { FileRangeStream } from '../../../lib/file-range-stream.ts';
import { BLOCK, DirectWriter, openDirect } from '../../../lib/direct-io.ts';
import { createHasherPool, type HasherPool } from '../../../lib/hashing.ts';
import { groupSync } from '../../../lib/group-sync.ts';

export interface FsBackendOptions {
  root: string;
  /** fsync data and directories before a blob counts as written (default true). */
  fsync?: boolean;
  /** Hashing threads for the MD5 of large writes (default 1; 0 hashes on the request thread,
   * which bounds a large PUT near 390 MB/s here: MD5 alone costs ~1.5 s/GB). */
  hashWorkers?: number;
}

/** Objects smaller than this are written from memory in one go; larger ones stream. */
const BATCH = 1 << 20;
/** A streamed blob's data is synced as it is written, every this many bytes (direct-io.ts). */
const SYNC_EVERY = 16 << 20;

export function createFsBackend(opts: FsBackendOptions): ObjectBackend {
  const dataDir = join(opts.root, 'data');
  const tmpDir = join(opts.root, 'tmp');
  const fsync = opts.fsync ?? true;
  const hashers: HasherPool = createHasherPool({ workers: opts.hashWorkers ?? 1 });
  // 256 directories (data/00 … data/ff), each opened once: a placed blob costs one fsync of its
  // directory, not an open/fsync/close, and shares it with the blobs placed there meanwhile.
  const dirHandles = new Map<string, Promise<FileHandle>>();
  const dirSyncs = new Map<string, () => Promise<void>>();

  const pathOf = (id: string) => join(dataDir, id.slice(0, 2), id);
  const newId = () => randomUUID().replaceAll('-', '');
  // a placed blob's id: its directory changes every 100 ms (so all 256 fill evenly over time),
  // and writes in flight together land in the same one
  const placedId = () => (Math.floor(Date.now() / 100) & 0xff).toString(16).padStart(2, '0') + newId().slice(2);

  function dirHandle(dir: string): Promise<FileHandle> {
    let h = dirHandles.get(dir);
    if (!h) {
      h = mkdir(dir, { recursive: true }).then(() => open(dir, constants.O_RDONLY));
      h.catch(() => dirHandles.delete(dir));
      dirHandles.set(dir, h);
    }
    return h;
  }

  async function syncDir(dir: string) {
    if (!fsync) return;
    let sync = dirSyncs.get(dir);
    if (!sync) dirSyncs.set(dir, (sync = groupSync(async () => (await dirHandle(dir)).sync())));
    await sync();
  }

  /**
   * A small blob (all of it in memory already): create, write and close are page-cache
   * operations done synchronously, a few microseconds each instead of a thread-pool round trip
   * apiece; only the fsyncs go to the thread pool.
   */
  async function writeSmall(tmp: string, bufs: Buffer[]): Promise<string> {
    const fd = openSync(tmp, 'wx');
    try {
      const total = bufs.reduce((n, b) => n + b.length, 0);
      let done = writevSync(fd, bufs);
      if (done < total) {
        const all = Buffer.concat(bufs);
        while (done < total) done += writeSync(fd, all, done, total - done);
      }
      return await place(tmp, () => new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve()))));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Moves a written temp file into place under a fresh id, then syncs its data and its directory
   * entry together: two fsyncs at once rather than one after the other. Until a row names the
   * blob it is nobody's object, so a crash before both are done leaves at worst an orphan, which
   * recovery removes; the row is committed only after this returns.
   */
  async function place(tmp: string, syncData: () => Promise<void>): Promise<string> {
    const id = placedId();
    const dest = pathOf(id);
    const dir = join(dest, '..');
    await dirHandle(dir); // makes the directory, the first time
    renameSync(tmp, dest);
    try {
      await Promise.all([fsync ? syncData() : undefined, syncDir(dir)]);
    } catch (err) {
      await rm(dest, { force: true });
      throw err;
    }
    return id;
  }

  return {
    async write(source, wopts: WriteOptions): Promise<BlobInfo> {
      const tmp = join(tmpDir, newId());
      const hash = hashers.md5Hasher();
      let size = 0;
      // The first BATCH bytes are held: an object smaller than that is written in one go, in
      // the page cache; a larger one streams to a file around it (direct-io.ts), and the hashing
      // thread reads each block of that file where it lies.
      let file: DirectWriter | undefined;
      const batch: Buffer[] = [];
      try {
        for await (const chunk of source) {
          if (chunk.length === 0) continue;
          size += chunk.length;
          if (size > wopts.maxSize) throw new BlobTooLarge();
          if (!file) {
            batch.push(chunk);
            if (size < BATCH) continue;
            file = await DirectWriter.create(tmp, { tap: (block) => hash.hashBlock(block), syncEvery: fsync ? SYNC_EVERY : undefined });
            for (const held of batch.splice(0)) await file.write(held);
            continue;
          }
          const disk = file.write(chunk);
          if (disk) await disk;
        }
        if (!file) for (const held of batch) hash.update(held);
        if (size === 0) return { id: null, size: 0, md5: (await hash.digest()).md5 };
        if (!file) return { id: await writeSmall(tmp, batch), size, md5: (await hash.digest()).md5 };
        await file.finish();
        const { md5 } = await hash.digest();
        const id = await place(tmp, () => file!.datasync());
        await file.close();
        return { id, size, md5 };
      } catch (err) {
        hash.abort();
        await file?.abort();
        await rm(tmp, { force: true });
        throw err;
      }
    },

    async read(id, start, end): Promise<Readable> {
      // a large range is read around the page cache, as it was written
      const large = end - start + 1 >= BLOCK;
      let opened: { fh: FileHandle; direct: boolean };
      try {
        opened = large ? await openDirect(pathOf(id), constants.O_RDONLY) : { fh: await open(pathOf(id), constants.O_RDONLY), direct: false };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFound(id);
        throw err;
      }
      // Once open, the data stays readable even if a newer write unlinks the blob meanwhile.
      return new FileRangeStream(opened.fh, start, end, { direct: opened.direct });
    },

    async readBuffer(id, start, end): Promise<Buffer> {
      // only small ranges come here: a synchronous read from the page cache beats three
      // thread-pool round trips (open, read, close)
      let fd: number;
      try {
        fd = openSync(pathOf(id), constants.O_RDONLY);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFound(id);
        throw err;
      }
      try {
        const len = end - start + 1;
        const buf = Buffer.allocUnsafe(len);
        let off = 0;
        while (off < len) {
          const n = readSync(fd, buf, off, len - off, start + off);
          if (n === 0) break;
          off += n;
        }
        return buf.subarray(0, off);
      } finally {
        closeSync(fd);
      }
    },

    async link(id) {
      const nid = placedId();
      const dest = pathOf(nid);
      const dir = join(dest, '..');
      await dirHandle(dir);
      try {
        await link(pathOf(id), dest);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFound(id);
        throw err;
      }
      await syncDir(dir);
      return nid;
    },

    async remove(id) {
      await unlink(pathOf(id)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
    },

    async *ids() {
      for (const a of await readdir(dataDir).catch(() => [] as string[])) {
        for (const f of await readdir(join(dataDir, a)).catch(() => [] as string[])) yield f;
      }
    },

    async recover() {
      await rm(tmpDir, { recursive: true, force: true });
      await mkdir(tmpDir, { recursive: true });
      await mkdir(dataDir, { recursive: true });
    },

    async close() {
      await hashers.close();
      for (const h of dirHandles.values()) await (await h.catch(() => undefined))?.close();
      dirHandles.clear();
      dirSyncs.clear();
    },
  };
}
