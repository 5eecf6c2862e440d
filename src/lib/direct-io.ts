// Large files written and read around the page cache (O_DIRECT), through reused page-aligned
// buffers. Streaming hundreds of MB through the page cache costs the kernel a copy into pages it
// must first find and fault in; on this machine class (a VM whose freed memory goes back to the
// host) that copy was the largest CPU cost of an upload, ~2.5 s/GB, and a GET of data that had
// left the cache paid it again. Direct I/O moves the bytes by DMA from a buffer we reuse, and
// leaves the page cache to small objects and metadata (Swift's object server likewise drops the
// cache behind large writes).
//
// O_DIRECT wants aligned memory, offsets and lengths. JavaScript cannot align a Buffer, but
// WebAssembly memory starts on a page boundary, so the buffers are 1 MiB slices of it. Files
// are written in whole buffers; the last one is padded to the alignment and the file truncated
// to its size. A filesystem without O_DIRECT gets the same code with buffered I/O.
// The memory is shared, so a hashing thread reads each block where it lies (a writer's `tap`):
// the request thread copies a chunk into the block (one memcpy, see copyIntoShared) and no
// thread copies it again.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export const ALIGN = 4096;
/** One I/O: the size of every buffer. */
export const BLOCK = 1 << 20;
/** Buffers per WebAssembly memory: each memory reserves address space, so take several at once. */
const PER_SLAB = 4;
/** Writes in flight per file: the socket keeps being read while the disk takes the last MiB. */
const IN_FLIGHT = 3;

/** Idle buffers kept for the next transfer; past this, returned ones are left to the GC. */
const MAX_IDLE = 16;

const free: Buffer[] = [];

/**
 * A page-aligned BLOCK-sized buffer, for as long as the caller holds it. The pool grows with
 * the number of transfers at once (4 MiB each) and keeps up to MAX_IDLE buffers when they end;
 * a slab is freed once none of its buffers is held or kept.
 */
export function takeBuffer(): Buffer {
  if (free.length === 0) {
    const mem = new WebAssembly.Memory({ initial: (PER_SLAB * BLOCK) >> 16, maximum: (PER_SLAB * BLOCK) >> 16, shared: true });
    for (let i = 0; i < PER_SLAB; i++) free.push(Buffer.from(mem.buffer, i * BLOCK, BLOCK));
  }
  return free.pop()!;
}

export function giveBuffer(buf: Buffer): void {
  if (free.length < MAX_IDLE) free.push(buf);
}

/**
 * Copies `chunk` into `target` at `at`. JavaScript's copies into shared memory (TypedArray set,
 * Buffer copy) go through V8's relaxed atomic memmove: a word at a time when source and target
 * are equally aligned, a byte at a time otherwise (1.9–2.6 against ~9 GB/s here, a quarter of
 * a large upload's request-thread time). Buffer fill is Node's own C++, and with a value as
 * long as the range it is one memcpy. The hashing thread reads the block only after a message
 * that follows the copy, so a plain copy is safe.
 */
function copyIntoShared(target: Buffer, at: number, chunk: Uint8Array): void {
  target.fill(chunk, at, at + chunk.length);
}

/** Opens with O_DIRECT where the filesystem allows it (one that cannot refuses with EINVAL). */
export async function openDirect(path: string, flags: number, mode?: number): Promise<{ fh: FileHandle; direct: boolean }> {
  try {
    return { fh: await open(path, flags | constants.O_DIRECT, mode), direct: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
    return { fh: await open(path, flags, mode), direct: false };
  }
}

/**
 * Sees every block a writer writes, in order: its bytes stay as they are until the returned
 * promise resolves (a hasher's hashBlock).
 */
export type BlockTap = (block: Buffer) => Promise<void> | undefined;

export interface WriterOptions {
  mode?: number;
  tap?: BlockTap;
  /**
   * Sync the data written so far, in the background, each time this many more bytes have been
   * written, for a file that will be synced at the end. A disk with a write cache (a VM's
   * virtual disk) otherwise takes the whole file at the final sync: 150 ms for 256 MiB here,
   * the disk busy while the upload waits. Synced as it goes, the cache is emptied while the
   * request thread is still receiving, and the last sync has little left to do.
   */
  syncEvery?: number;
}

/** A new file filled from a stream of chunks, in whole aligned buffers. */
export class DirectWriter {
  readonly #fh: FileHandle;
  readonly #direct: boolean;
  readonly #tap: BlockTap | undefined;
  #buf: Buffer | undefined;
  #fill = 0;
  /** File offset of the current buffer's first byte: always a multiple of BLOCK. */
  #pos = 0;
  readonly #inFlight: Array<Promise<void>> = [];
  readonly #syncEvery: number;
  /** The running early sync (see WriterOptions.syncEvery), if any. */
  #syncing: Promise<void> | undefined;
  #syncedTo = 0;
  #failed: Error | undefined;
  #closed = false;

  private constructor(fh: FileHandle, direct: boolean, opts: WriterOptions) {
    this.#fh = fh;
    this.#direct = direct;
    this.#tap = opts.tap;
    this.#syncEvery = opts.syncEvery ?? Infinity;
  }

  /** Creates `path`, which must not exist. */
  static async create(path: string, opts: WriterOptions = {}): Promise<DirectWriter> {
    const { fh, direct } = await openDirect(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o600);
    return new DirectWriter(fh, direct, opts);
  }

  /** Copies `chunk` in. Returns a promise when the disk is behind: await it before the next. */
  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#failed) throw this.#failed;
    let off = 0;
    let wait: Promise<void> | undefined;
    while (off < chunk.length) {
      this.#buf ??= takeBuffer();
      const n = Math.min(chunk.length - off, BLOCK - this.#fill);
      copyIntoShared(this.#buf, this.#fill, chunk.subarray(off, off + n));
      this.#fill += n;
      off += n;
      if (this.#fill === BLOCK) wait = this.#flush(BLOCK) ?? wait;
    }
    return wait;
  }

  /** Writes what is left and sets the file's size. Returns the size. */
  async finish(): Promise<number> {
    if (this.#failed) throw this.#failed;
    const size = this.#pos + this.#fill;
    if (this.#fill > 0) {
      // O_DIRECT writes whole aligned blocks: pad the last one, then cut the file to size
      const len = this.#direct ? Math.ceil(this.#fill / ALIGN) * ALIGN : this.#fill;
      this.#flush(len);
    }
    await this.#drain();
    if (this.#failed) throw this.#failed;
    if (this.#direct && size % ALIGN !== 0) await this.#fh.truncate(size);
    return size;
  }

  /** Flushes the file's data and size to stable storage (after finish). */
  async datasync(): Promise<void> {
    await this.#syncing;
    if (this.#failed) throw this.#failed;
    await this.#fh.datasync();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#drain();
    if (this.#buf) { giveBuffer(this.#buf); this.#buf = undefined; }
    await this.#fh.close();
  }

  /** Waits for the writes in flight, then closes; the caller removes the file. */
  async abort(): Promise<void> {
    this.#failed ??= new Error('aborted');
    await this.close().catch(() => undefined);
  }

  /** Hands the current buffer to the disk; returns a promise when IN_FLIGHT writes are pending. */
  #flush(len: number): Promise<void> | undefined {
    const buf = this.#buf!;
    const pos = this.#pos;
    const tapped = this.#tap?.(buf.subarray(0, this.#fill));
    this.#buf = undefined;
    this.#pos += this.#fill;
    this.#fill = 0;
    // the buffer is free again once the disk and the tap are both done with it
    const done = Promise.all([writeFully(this.#fh, buf, len, pos), tapped])
      .then(() => undefined, (err: Error) => { this.#failed ??= err; })
      .finally(() => giveBuffer(buf));
    this.#inFlight.push(done);
    void done.finally(() => { const i = this.#inFlight.indexOf(done); if (i >= 0) this.#inFlight.splice(i, 1); });
    if (this.#pos - this.#syncedTo >= this.#syncEvery && !this.#syncing) this.#syncEarly();
    return this.#inFlight.length >= IN_FLIGHT ? this.#inFlight[0] : undefined;
  }

  /** Syncs what is written so far, in the background, once the writes in flight are done. */
  #syncEarly(): void {
    const upTo = this.#pos;
    const written = Promise.all(this.#inFlight);
    this.#syncing = written
      .then(() => (this.#failed ? undefined : this.#fh.datasync()))
      .then(() => { this.#syncedTo = upTo; }, (err: Error) => { this.#failed ??= err; })
      .finally(() => { this.#syncing = undefined; });
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.length) await this.#inFlight[0];
    await this.#syncing;
  }
}

/** Regular files practically never write short, but the contract allows it. */
async function writeFully(fh: FileHandle, buf: Buffer, len: number, pos: number): Promise<void> {
  let done = 0;
  while (done < len) done += (await fh.write(buf, done, len - done, pos + done)).bytesWritten;
}
