// Where image data lives: Glance's glance_store drivers behind one interface. A store takes
// plain data and never touches the database; the image service above it records locations.
// Every implementation passes test/image/store-conformance.ts.
import type { Readable } from 'node:stream';
import type { BlockTap } from '../../../lib/direct-io.ts';

export interface StoreAddResult {
  /** Opaque location URL to hand back to get/delete (e.g. file:///…/<image id>). */
  url: string;
  /** Bytes written. */
  size: number;
}

export interface ByteRange {
  /** First byte, 0-based. */
  offset: number;
  /** Bytes to read from offset (to the end when absent). */
  length?: number;
}

export interface ImageStore {
  /** The store's id as clients see it (`stores` on images, /v2/info/stores). */
  readonly id: string;
  /** Driver type, e.g. 'file'. */
  readonly type: string;
  readonly description?: string;
  readonly readOnly: boolean;
  /** Prepares the store (creates directories, removes leftovers of crashed writes). */
  init(): Promise<void>;
  /**
   * Writes `data` as the content of `imageId`. Atomic: the data becomes readable only once it
   * is complete; when `data` errors, `signal` aborts or writing fails, nothing is left behind
   * and the promise rejects with that error. A second add for the same id rejects with
   * Conflict while the first data exists. `tap` sees every byte written, in order, in blocks
   * that stay unchanged until the promise it returns resolves (the upload's hasher).
   */
  add(imageId: string, data: AsyncIterable<Buffer>, opts?: { signal?: AbortSignal; tap?: BlockTap }): Promise<StoreAddResult>;
  /** A stream of the data at `url` (a byte range of it); NotFound when there is none. */
  get(url: string, range?: ByteRange): Promise<Readable>;
  /** Size in bytes of the data at `url`; NotFound when there is none. */
  size(url: string): Promise<number>;
  /** Removes the data at `url`; NotFound when there is none. */
  delete(url: string): Promise<void>;
  /** The URL the data of `imageId` has (or would have) in this store. */
  locate(imageId: string): string;
  /** Does `url` name data of this store (whatever its existence)? */
  owns(url: string): boolean;
  /** Driver details for /v2/info/stores/detail. */
  properties(): Record<string, unknown>;
}

export type StoreFactory = (id: string, opts: { dir: string; description?: string }) => ImageStore;
