// Reading object data: an object's content is a sequence of blob pieces (one for a plain object,
// one per segment for DLO/SLO); ranges map onto those pieces, so every kind of object serves
// single and multiple ranges the same way, streaming, without loading anything whole.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectBackend } from '../storage/backend.ts';
import { contentRange, type ByteRange } from './ranges.ts';

/** Bytes [start, end) of one blob (id null: an empty object), or of inline data (SLO data segments). */
export interface Piece { id: string | null; start: number; end: number; data?: Buffer }

export interface Assembly {
  size: number;
  /** The pieces covering content bytes [from, to), in order. */
  pieces(from: number, to: number): AsyncIterable<Piece>;
  /**
   * Resolves the segment holding byte `from` now rather than when the stream reaches it, so that
   * a missing or refused first segment fails before any header is sent (Swift validates the
   * first segment so too). Only assemblies of segments have it.
   */
  prime?(from: number): Promise<void>;
}

export function dataAssembly(data: Buffer): Assembly {
  return {
    size: data.length,
    async *pieces(from, to) { if (to > from) yield { id: null, start: from, end: to, data }; },
  };
}

export function plainAssembly(id: string | null, size: number): Assembly {
  return {
    size,
    async *pieces(from, to) { if (to > from) yield { id, start: from, end: to }; },
  };
}

/** Concatenation of parts of known sizes; `open(i)` resolves part i lazily when it is reached. */
export function concatAssembly(sizes: number[], open: (index: number) => Promise<Assembly>): Assembly {
  const size = sizes.reduce((a, b) => a + b, 0);
  // the part prime() opened, handed to the first pieces() that reaches it
  let primed: { index: number; part: Promise<Assembly> } | undefined;
  const openPart = (i: number) => {
    if (primed?.index !== i) return open(i);
    const part = primed.part;
    primed = undefined;
    return part;
  };
  return {
    size,
    async *pieces(from, to) {
      let offset = 0;
      for (let i = 0; i < sizes.length && offset < to; i++) {
        const len = sizes[i]!;
        const s = Math.max(from, offset);
        const e = Math.min(to, offset + len);
        if (e > s) {
          const part = await openPart(i);
          yield* part.pieces(s - offset, e - offset);
        }
        offset += len;
      }
    },
    async prime(from) {
      let offset = 0;
      for (let i = 0; i < sizes.length; offset += sizes[i]!, i++) {
        if (from >= offset + sizes[i]!) continue;
        const part = open(i);
        primed = { index: i, part };
        await (await part).prime?.(from - offset);
        return;
      }
    },
  };
}

async function* bytesOf(backend: ObjectBackend, asm: Assembly, from: number, to: number): AsyncGenerator<Buffer> {
  for await (const p of asm.pieces(from, to)) {
    if (p.data) { yield p.data.subarray(p.start, p.end); continue; }
    if (!p.id || p.end <= p.start) continue;
    const stream = await backend.read(p.id, p.start, p.end - 1);
    for await (const chunk of stream) yield chunk as Buffer;
  }
}

/** Up to this size a plain object is read into one buffer and sent with its headers in one write. */
const SMALL = 64 * 1024;

/** The content bytes [from, to) as a stream (a plain blob is streamed from the file directly). */
export async function streamRange(backend: ObjectBackend, asm: Assembly, from: number, to: number, plainId?: string | null): Promise<Readable> {
  if (plainId !== undefined) {
    if (plainId === null || to <= from) return Readable.from([]);
    return backend.read(plainId, from, to - 1);
  }
  return Readable.from(bytesOf(backend, asm, from, to), { objectMode: false });
}

/** As streamRange, but small plain ranges come back as one buffer. */
export async function bodyRange(backend: ObjectBackend, asm: Assembly, from: number, to: number, plainId?: string | null): Promise<Readable | Buffer> {
  if (plainId !== undefined && to - from <= SMALL) return plainId === null || to <= from ? Buffer.alloc(0) : backend.readBuffer(plainId, from, to - 1);
  return streamRange(backend, asm, from, to, plainId);
}

export interface MultiRange { body: Readable; length: number; contentType: string }

/** multipart/byteranges for several ranges, with its exact Content-Length. */
export function multiRange(backend: ObjectBackend, asm: Assembly, ranges: ByteRange[], partType: string): MultiRange {
  const boundary = randomBytes(16).toString('hex');
  const heads = ranges.map((r) => `--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: ${contentRange(r, asm.size)}\r\n\r\n`);
  const tail = `--${boundary}--`;
  let length = Buffer.byteLength(tail);
  ranges.forEach((r, i) => { length += Buffer.byteLength(heads[i]!) + (r[1] - r[0]) + 2; });
  async function* gen() {
    for (let i = 0; i < ranges.length; i++) {
      yield Buffer.from(heads[i]!);
      yield* bytesOf(backend, asm, ranges[i]![0], ranges[i]![1]);
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(tail);
  }
  return { body: Readable.from(gen(), { objectMode: false }), length, contentType: `multipart/byteranges;boundary=${boundary}` };
}

/** Reads a small blob (an SLO manifest) into memory, refusing more than `max` bytes. */
export async function readSmall(backend: ObjectBackend, id: string | null, size: number, max: number): Promise<Buffer> {
  if (!id || size === 0) return Buffer.alloc(0);
  if (size > max) throw new Error(`blob ${id} is larger than ${max} bytes`);
  const chunks: Buffer[] = [];
  for await (const c of await backend.read(id, 0, size - 1)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
