// A readable byte range of an open file. Read as an ordinary stream it allocates a buffer per
// chunk; piped (what the HTTP layer does with a response body) it instead reads into a few
// buffers it reuses once the destination has flushed them. A large GET then allocates nothing
// per megabyte, which spares V8 the full garbage collections that external-memory churn causes.
import { Readable, type Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';

const CHUNK = 1 << 20;
const POOL = 4;

export class FileRangeStream extends Readable {
  readonly #fh: FileHandle;
  #pos: number;
  readonly #end: number;
  #closed = false;
  #piped = false;

  /** Bytes [start, end] (inclusive) of `fh`; the handle is closed when the stream ends. */
  constructor(fh: FileHandle, start: number, end: number) {
    super({ highWaterMark: Math.min(CHUNK, end - start + 1) });
    this.#fh = fh;
    this.#pos = start;
    this.#end = end;
  }

  override _read(size: number): void {
    if (this.#piped) return;
    const len = Math.min(Math.max(size, CHUNK), this.#end - this.#pos + 1);
    if (len <= 0) { this.push(null); return; }
    const buf = Buffer.allocUnsafe(len);
    this.#fh.read(buf, 0, len, this.#pos).then(({ bytesRead }) => {
      if (bytesRead === 0) { this.push(null); return; }
      this.#pos += bytesRead;
      this.push(bytesRead === len ? buf : buf.subarray(0, bytesRead));
    }, (err) => this.destroy(err));
  }

  override pipe<T extends NodeJS.WritableStream>(dest: T, opts?: { end?: boolean }): T {
    this.#piped = true;
    void this.#pump(dest as unknown as Writable, opts?.end !== false);
    return dest;
  }

  async #pump(dest: Writable, end: boolean): Promise<void> {
    const free: Buffer[] = Array.from({ length: Math.min(POOL, Math.ceil((this.#end - this.#pos + 1) / CHUNK)) }, () => Buffer.allocUnsafe(Math.min(CHUNK, this.#end - this.#pos + 1)));
    let waiting: (() => void) | undefined;
    const wake = () => { const w = waiting; waiting = undefined; w?.(); };
    const release = (buf: Buffer) => { free.push(buf); wake(); };
    // a client that goes away never flushes what is queued: stop waiting for the pool then
    dest.once('close', wake);
    try {
      while (this.#pos <= this.#end && !this.destroyed && !dest.destroyed) {
        if (free.length === 0) await new Promise<void>((r) => { waiting = r; });
        if (this.destroyed || dest.destroyed) break;
        const buf = free.pop()!;
        const len = Math.min(buf.length, this.#end - this.#pos + 1);
        const { bytesRead } = await this.#fh.read(buf, 0, len, this.#pos);
        if (bytesRead === 0) break;
        this.#pos += bytesRead;
        // the buffer goes back to the pool only when the socket has taken the bytes
        dest.write(buf.subarray(0, bytesRead), () => release(buf));
      }
      if (end && !dest.destroyed) dest.end();
      this.push(null);
      this.resume(); // lets 'end' fire for whoever watches this stream
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#close().then(() => cb(err), () => cb(err));
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fh.close();
  }

  override push(chunk: unknown): boolean {
    if (chunk === null) void this.#close();
    return super.push(chunk);
  }
}
