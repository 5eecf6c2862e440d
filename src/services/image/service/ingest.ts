// Moving bytes into a store while counting, hashing, inspecting and enforcing limits on the way:
// the one data path behind upload, stage and every import method. Nothing is buffered beyond a
// chunk; when anything fails the store discards the partial data (its add() is atomic).
import { PayloadTooLarge } from '../../../lib/errors.ts';
import type { ImageStore } from '../stores/index.ts';
import { FormatInspector, type Inspection } from './format-inspector.ts';
import type { Digests, HasherPool } from '../../../lib/hashing.ts';
import type { Reservation } from './quotas.ts';

export interface IngestOptions {
  imageId: string;
  source: AsyncIterable<Buffer>;
  store: ImageStore;
  reservation: Reservation;
  /** Largest acceptable size in bytes (image_size_cap). */
  sizeCap: number;
  /** Compute MD5 + SHA-512 (not needed for staging: import hashes when it copies). */
  hashers?: HasherPool;
  inspect?: boolean;
  signal?: AbortSignal;
  /** Called every `progressEvery` bytes with the running total (heartbeats, task messages). */
  onProgress?: (bytes: number) => void;
}

export interface Ingested {
  url: string;
  size: number;
  digests?: Digests;
  inspection?: Inspection;
}

const PROGRESS_EVERY = 64 << 20;

export async function ingest(opts: IngestOptions): Promise<Ingested> {
  const hasher = opts.hashers?.hasher();
  const inspector = opts.inspect ? new FormatInspector() : undefined;
  let size = 0;
  let nextProgress = PROGRESS_EVERY;
  async function* metered(): AsyncGenerator<Buffer> {
    for await (const raw of opts.source) {
      const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
      size += chunk.length;
      if (size > opts.sizeCap) throw new PayloadTooLarge(`The incoming image is too large: more than ${opts.sizeCap} bytes`);
      opts.reservation.add(chunk.length);
      inspector?.feed(chunk);
      if (size >= nextProgress) { nextProgress += PROGRESS_EVERY; opts.onProgress?.(size); }
      yield chunk;
    }
  }
  try {
    // the store hands the hasher each block it writes: the bytes are copied once, into the block
    const added = await opts.store.add(opts.imageId, metered(), { signal: opts.signal, tap: hasher && ((block) => hasher.hashBlock(block)) });
    const digests = hasher ? await hasher.digest() : undefined;
    return { url: added.url, size: added.size, digests, inspection: inspector?.inspect(added.size) };
  } catch (err) {
    hasher?.abort();
    throw err;
  }
}

