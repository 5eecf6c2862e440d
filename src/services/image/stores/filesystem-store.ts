// The filesystem store (glance_store's "file" driver): one file per image in a directory. Data
// is written to a temporary file in the same directory and renamed into place when complete,
// so a reader never sees half an image and a crash leaves at most a temporary file, which
// init() removes. Image data is written and read around the page cache (src/lib/direct-io.ts).
import { constants } from 'node:fs';
import { link, mkdir, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Conflict, NotFound } from '../../../lib/errors.ts';
import { FileRangeStream } from '../../../lib/file-range-stream.ts';
import { BLOCK, DirectWriter, openDirect } from '../../../lib/direct-io.ts';
import type { ByteRange, ImageStore, StoreAddResult } from './image-store.ts';

const TMP_PREFIX = '.partial-';

export function filesystemStore(id: string, opts: { dir: string; description?: string }): ImageStore {
  const dir = resolve(opts.dir);
  const fileUrl = (imageId: string) => pathToFileURL(join(dir, imageId)).href;
  const pathOf = (url: string): string => {
    if (!owns(url)) throw new NotFound(`Location ${url} is not in store ${id}`);
    return fileURLToPath(url);
  };
  const owns = (url: string): boolean => {
    if (!url.startsWith('file://')) return false;
    try {
      const p = fileURLToPath(url);
      return resolve(p) === p && p.startsWith(dir + '/') && !p.slice(dir.length + 1).includes('/');
    } catch { return false; }
  };
  const missing = (url: string) => new NotFound(`Image data not found at ${url}`);
  const isMissing = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

  return {
    id, type: 'file', description: opts.description, readOnly: false,

    async init() {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      for (const name of await readdir(dir)) if (name.startsWith(TMP_PREFIX)) await rm(join(dir, name), { force: true });
    },

    async add(imageId, data, addOpts = {}): Promise<StoreAddResult> {
      if (!/^[A-Za-z0-9._-]+$/.test(imageId) || imageId.startsWith('.')) throw new NotFound(`Bad image id ${imageId}`);
      const final = join(dir, imageId);
      const tmp = join(dir, `${TMP_PREFIX}${imageId}-${randomBytes(6).toString('hex')}`);
      const signal = addOpts.signal;
      signal?.throwIfAborted();
      const file = await DirectWriter.create(tmp, { tap: addOpts.tap });
      let size = 0;
      try {
        for await (const chunk of abortable(data, signal)) {
          const disk = file.write(chunk);
          if (disk) await disk;
        }
        size = await file.finish();
        await file.close();
        // link() fails when the final name exists, so two writers cannot both win.
        await link(tmp, final).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST' ? new Conflict(`Image ${imageId} already has data in store ${id}`) : err;
        });
      } catch (err) {
        await file.abort();
        throw err;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      return { url: fileUrl(imageId), size };
    },

    async get(url, range?: ByteRange) {
      // Opened here, so a vanished file is NotFound before the caller commits to a 200.
      const { fh, direct } = await openDirect(pathOf(url), constants.O_RDONLY).catch((err) => { throw isMissing(err) ? missing(url) : err; });
      const size = (await fh.stat()).size;
      const start = range?.offset ?? 0;
      const end = range?.length !== undefined ? start + range.length - 1 : size - 1;
      if (end < start) { await fh.close(); return Readable.from([]); }
      // Piped to the response it reuses a few buffers: a large download allocates nothing per MiB.
      return new FileRangeStream(fh, start, end, { direct });
    },

    async size(url) {
      const st = await stat(pathOf(url)).catch((err) => { throw isMissing(err) ? missing(url) : err; });
      return st.size;
    },

    async delete(url) {
      await unlink(pathOf(url)).catch((err) => { throw isMissing(err) ? missing(url) : err; });
    },

    owns,
    locate: fileUrl,

    properties() {
      return { data_dir: dir, chunk_size: BLOCK, thin_provisioning: false };
    },
  };
}

/** The chunks of `data` until `signal` aborts: then the wait for the next chunk ends at once. */
async function* abortable(data: AsyncIterable<Buffer>, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (!signal) { yield* data; return; }
  const it = data[Symbol.asyncIterator]();
  // a fresh promise per chunk: racing every chunk against one long-lived promise would keep
  // each chunk reachable from it until the upload ends
  let stop: ((reason: unknown) => void) | undefined;
  const onAbort = () => stop?.(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal.throwIfAborted();
      const stopped = new Promise<never>((_, reject) => { stop = reject; });
      const r = await Promise.race([it.next(), stopped]);
      stop = undefined;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    void it.return?.()?.catch?.(() => undefined);
  }
}
