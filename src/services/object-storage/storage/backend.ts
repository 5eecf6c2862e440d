// Where object data lives. A backend stores immutable blobs by id; which blob is an object's
// current data is decided by the database row (service/), never by the backend. That split is
// what makes writes atomic: a blob is complete and durable before any row that points at it is
// (a file is synced before its row is committed; a database blob is committed just before its
// row, and the log keeps that order), and a row switches from one blob to another in one
// transaction.
import type { Readable } from 'node:stream';

export interface BlobInfo {
  /** The new blob's id; null for an empty object (nothing is stored). */
  id: string | null;
  size: number;
  /** MD5 of the data, hex, computed while streaming. */
  md5: string;
}

export interface WriteOptions {
  /** Refuse (BlobTooLarge) as soon as more bytes than this arrive. */
  maxSize: number;
}

export interface ObjectBackend {
  /**
   * Streams `source` into a new blob and resolves once it is complete (and, when the backend is
   * configured so, durable by the time a row committed after it is). Until then nothing of it
   * is visible; on any error nothing remains.
   */
  write(source: AsyncIterable<Buffer>, opts: WriteOptions): Promise<BlobInfo>;
  /** Bytes [start, end] (inclusive) of a blob; rejects with BlobNotFound when it is gone. */
  read(id: string, start: number, end: number): Promise<Readable>;
  /** The same into one buffer, for small ranges only (no stream machinery; may block briefly). */
  readBuffer(id: string, start: number, end: number): Promise<Buffer>;
  /** A new blob with the same content (a hard link on a filesystem: O(1)). */
  link(id: string): Promise<string>;
  /** Removes a blob; removing a missing one is not an error. */
  remove(id: string): Promise<void>;
  /** Every blob id, for recovery after a crash. */
  ids(): AsyncIterable<string>;
  /** Drops half-written data left by a crash (called once at start, before serving). */
  recover(): Promise<void>;
  /** Releases what the backend holds open. */
  close?(): Promise<void>;
}

export class BlobNotFound extends Error {
  constructor(id: string) { super(`blob ${id} not found`); this.name = 'BlobNotFound'; }
}

export class BlobTooLarge extends Error {
  constructor() { super('Your request is too large.'); this.name = 'BlobTooLarge'; }
}
