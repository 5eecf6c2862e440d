// Digests of a stream, computed while it streams: MD5 and SHA-512 for image data (`checksum`,
// `os_hash_value`), MD5 alone for object data (the ETag). One thread does ~362 MB/s for both
// (measured: bench/image/README.md) and ~650 MB/s for MD5 alone, less than a request thread
// can receive, so large streams hash on worker threads.
// - Blocks in shared memory (hashBlock, fed by direct-io.ts's writer) are read by the workers
//   where they lie: both digests on one worker, or a worker each when there are enough.
// - Chunks (update) are batched and copied to the workers: for both digests with one worker,
//   SHA-512 runs there and MD5 on the request thread (one copy fewer); with two or more each
//   digest gets its own thread; MD5 alone goes to a worker. Small streams (under INLINE_LIMIT)
//   hash inline: posting to a thread costs more than hashing a few hundred KiB.
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Digests { md5: string; sha512: string }

export interface StreamHasher<D = Digests> {
  /** Feeds a chunk. Returns a promise when the hashing threads are behind: await it. */
  update(chunk: Buffer): Promise<void> | undefined;
  /**
   * Feeds bytes the caller will overwrite once the returned promise resolves. A block in shared
   * memory (direct-io.ts's buffers) reaches the hashing threads without a copy. A stream is fed
   * by update() or by hashBlock(), not both.
   */
  hashBlock(block: Buffer): Promise<void> | undefined;
  digest(): Promise<D>;
  abort(): void;
}

export interface HasherPool {
  /** MD5 and SHA-512. */
  hasher(): StreamHasher;
  /** MD5 alone. */
  md5Hasher(): StreamHasher<{ md5: string }>;
  close(): Promise<void>;
}

const INLINE_LIMIT = 1 << 20;
const BATCH = 512 << 10;
const HIGH_WATER = 8 << 20;
const LOW_WATER = 4 << 20;
const ALGOS = ['md5', 'sha512'] as const;

/** The digests on the calling thread. */
function inlineHasher<D>(algos: readonly string[]): StreamHasher<D> {
  const hashes = algos.map((a) => [a, createHash(a)] as const);
  const update = (chunk: Buffer) => { for (const [, h] of hashes) h.update(chunk); return undefined; };
  return {
    update,
    hashBlock: update,
    async digest() { return Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')])) as D; },
    abort() { /* nothing held */ },
  };
}

interface Lane {
  worker: Worker;
  waiters: Map<number, (msg: any) => void>;
  /** Callers waiting for this worker's answer: while any does, the worker keeps the process alive. */
  awaited: number;
}

/** An idle hashing thread must not keep the process alive; one a caller waits for must. */
function hold(l: Lane): void { if (l.awaited++ === 0) l.worker.ref(); }
function letGo(l: Lane): void { if (--l.awaited === 0) l.worker.unref(); }

export function createHasherPool(opts: { workers: number }): HasherPool {
  const lanes: Lane[] = [];
  let nextId = 1;
  let rr = 0;

  function lane(i: number): Lane {
    if (!lanes[i]) {
      const worker = new Worker(new URL('./hash-worker.ts', import.meta.url));
      const l: Lane = { worker, waiters: new Map(), awaited: 0 };
      worker.on('message', (msg: { id: number }) => l.waiters.get(msg.id)?.(msg));
      worker.on('error', (err) => { for (const w of l.waiters.values()) w({ op: 'error', err }); l.waiters.clear(); lanes[i] = undefined as never; });
      // After the listeners: adding a 'message' listener refs the worker's port again.
      worker.unref();
      lanes[i] = l;
    }
    return lanes[i]!;
  }

  /** One digest stream on a worker, with flow control. */
  function remote(l: Lane, algos: string[]) {
    const id = nextId++;
    let outstanding = 0;
    let resume: (() => void) | undefined;
    let blocked: Promise<void> | undefined;
    let failed: Error | undefined;
    let done: ((hex: Record<string, string>) => void) | undefined;
    let fail: ((err: Error) => void) | undefined;
    const wake = () => { if (resume) { const r = resume; resume = undefined; blocked = undefined; letGo(l); r(); } };
    let ending = false;
    const ended = () => { if (ending) { ending = false; letGo(l); } };
    // shared blocks the worker has not read yet, by sequence number
    const reading = new Map<number, () => void>();
    let seq = 0;
    const readAll = () => { for (const done of reading.values()) done(); reading.clear(); };
    l.waiters.set(id, (msg) => {
      if (msg.op === 'ack' && msg.seq) {
        reading.get(msg.seq)?.();
        reading.delete(msg.seq);
      } else if (msg.op === 'ack') {
        outstanding -= msg.n;
        if (outstanding <= LOW_WATER) wake();
      } else if (msg.op === 'digest') {
        l.waiters.delete(id);
        ended();
        done?.(msg.hex);
      } else if (msg.op === 'error') {
        failed = msg.err;
        ended();
        fail?.(msg.err);
        wake();
        readAll();
      }
    });
    l.worker.postMessage({ id, op: 'start', algos });
    return {
      post(buf: Buffer): Promise<void> | undefined {
        if (failed) throw failed;
        // Buffer.concat / slices of large chunks own their ArrayBuffer only when no pool is
        // involved; copy into a fresh one so the transfer moves exactly these bytes.
        const ab = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && !(buf.buffer instanceof SharedArrayBuffer)
          ? buf.buffer as ArrayBuffer : buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
        outstanding += ab.byteLength;
        l.worker.postMessage({ id, op: 'data', buf: ab }, [ab]);
        // every caller while the worker is behind gets the same promise, resolved when it catches up
        if (outstanding > HIGH_WATER) blocked ??= new Promise<void>((ok) => { hold(l); resume = ok; });
        return blocked;
      },
      /** A view of shared memory: the worker reads it in place; resolves once it has. */
      postShared(view: Buffer): Promise<void> {
        if (failed) throw failed;
        const n = ++seq;
        hold(l);
        const read = new Promise<void>((ok) => reading.set(n, ok)).finally(() => letGo(l));
        l.worker.postMessage({ id, op: 'data', view, seq: n });
        return read;
      },
      end(): Promise<Record<string, string>> {
        if (failed) return Promise.reject(failed);
        return new Promise((ok, ko) => { done = ok; fail = ko; ending = true; hold(l); l.worker.postMessage({ id, op: 'end' }); });
      },
      abort() { l.waiters.delete(id); wake(); ended(); readAll(); l.worker.postMessage({ id, op: 'abort' }); },
    };
  }

  function threadedHasher<D>(algos: readonly string[]): StreamHasher<D> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    // Until INLINE_LIMIT bytes were seen the stream may still turn out small: keep references.
    let started = false;
    let md5Inline: Hash | undefined;
    let lanesUsed: Array<ReturnType<typeof remote>> = [];

    // shared blocks need no copy per thread: a digest per worker while there are enough of them
    let shared = false;
    const startShared = () => {
      started = shared = true;
      const first = rr++;
      lanesUsed = opts.workers >= algos.length
        ? algos.map((a, i) => remote(lane((first + i) % opts.workers), [a]))
        : [remote(lane(first % opts.workers), [...algos])];
    };
    const start = () => {
      started = true;
      if (algos.length === 2 && opts.workers === 1) {
        md5Inline = createHash('md5');
        lanesUsed = [remote(lane(0), ['sha512'])];
      } else {
        const first = rr++;
        lanesUsed = algos.map((a, i) => remote(lane((first + i) % opts.workers), [a]));
      }
    };
    const flush = (): Promise<void> | undefined => {
      if (pendingBytes === 0) return undefined;
      // A concatenated batch is ours alone; a single chunk is still on its way to the store.
      const owned = pending.length > 1;
      const batch = owned ? Buffer.concat(pending, pendingBytes) : pending[0]!;
      pending = [];
      pendingBytes = 0;
      md5Inline?.update(batch);
      // Each lane needs bytes of its own: a transferred buffer is gone from this thread.
      const waits = lanesUsed.map((r, i) => r.post(owned && i === lanesUsed.length - 1 ? batch : Buffer.from(batch)));
      const blocking = waits.filter(Boolean);
      return blocking.length ? Promise.all(blocking).then(() => undefined) : undefined;
    };

    const update = (chunk: Buffer): Promise<void> | undefined => {
      total += chunk.length;
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (!started) {
        if (total <= INLINE_LIMIT) return undefined;
        start();
      }
      return pendingBytes >= BATCH ? flush() : undefined;
    };

    return {
      update,
      hashBlock(block) {
        if (!started && pending.length === 0 && block.buffer instanceof SharedArrayBuffer) startShared();
        if (!shared || !(block.buffer instanceof SharedArrayBuffer)) return update(Buffer.from(block));
        const reads = lanesUsed.map((r) => r.postShared(block));
        return reads.length === 1 ? reads[0] : Promise.all(reads).then(() => undefined);
      },
      async digest() {
        if (!started) {
          const h = inlineHasher<D>(algos);
          for (const c of pending) h.update(c);
          pending = [];
          return h.digest();
        }
        await flush();
        const results = await Promise.all(lanesUsed.map((r) => r.end()));
        const hex = Object.assign({}, ...results) as Record<string, string>;
        if (md5Inline) hex.md5 = md5Inline.digest('hex');
        return hex as D;
      },
      abort() { pending = []; for (const r of lanesUsed) r.abort(); },
    };
  }

  const hasherFor = <D>(algos: readonly string[]) => (opts.workers <= 0 ? inlineHasher<D>(algos) : threadedHasher<D>(algos));
  return {
    hasher: () => hasherFor<Digests>(ALGOS),
    md5Hasher: () => hasherFor<{ md5: string }>(['md5']),
    async close() {
      await Promise.all(lanes.filter(Boolean).map((l) => l.worker.terminate()));
      lanes.length = 0;
    },
  };
}
