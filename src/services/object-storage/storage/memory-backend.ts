// An in-memory backend: the reference semantics of ObjectBackend for tests, and a way to inject
// failures (a write that dies after N bytes) without a filesystem.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobNotFound, BlobTooLarge, type BlobInfo, type ObjectBackend } from './backend.ts';

export interface MemoryBackend extends ObjectBackend {
  /** Number of stored blobs (tests check nothing leaks). */
  readonly size: number;
  /** The next write fails after receiving this many bytes (once). */
  failNextWriteAfter(bytes: number): void;
}

export function createMemoryBackend(): MemoryBackend {
  const blobs = new Map<string, Buffer>();
  let failAfter: number | undefined;
  return {
    get size() { return blobs.size; },
    failNextWriteAfter(bytes) { failAfter = bytes; },
    async write(source, opts): Promise<BlobInfo> {
      const chunks: Buffer[] = [];
      const hash = createHash('md5');
      let size = 0;
      const limit = failAfter;
      failAfter = undefined;
      for await (const chunk of source) {
        size += chunk.length;
        if (size > opts.maxSize) throw new BlobTooLarge();
        if (limit !== undefined && size > limit) throw new Error('injected write failure');
        hash.update(chunk);
        chunks.push(chunk);
      }
      if (size === 0) return { id: null, size, md5: hash.digest('hex') };
      const id = randomBytes(16).toString('hex');
      blobs.set(id, Buffer.concat(chunks));
      return { id, size, md5: hash.digest('hex') };
    },
    async read(id, start, end) {
      const data = blobs.get(id);
      if (!data) throw new BlobNotFound(id);
      return Readable.from([data.subarray(start, end + 1)]);
    },
    async readBuffer(id, start, end) {
      const data = blobs.get(id);
      if (!data) throw new BlobNotFound(id);
      return Buffer.from(data.subarray(start, end + 1));
    },
    async link(id) {
      const data = blobs.get(id);
      if (!data) throw new BlobNotFound(id);
      const nid = randomBytes(16).toString('hex');
      blobs.set(nid, data);
      return nid;
    },
    async remove(id) { blobs.delete(id); },
    async *ids() { yield* [...blobs.keys()]; },
    async recover() {},
  };
}
