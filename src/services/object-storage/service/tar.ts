// A streaming tar reader (ustar, GNU long names, pax path/size records) for extract-archive:
// entries are yielded one at a time with a body stream that must be consumed (or skipped by
// moving on) before the next; nothing is buffered beyond one chunk.

export interface TarEntry {
  name: string;
  size: number;
  /** '0' file, '5' directory, … (ustar typeflag) */
  type: string;
  body: AsyncIterable<Buffer>;
}

export class TarError extends Error {}

/** Exact-size reads over an async iterable of chunks. */
class ByteReader {
  private readonly it: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0) as Buffer;
  private done = false;
  constructor(src: AsyncIterable<Buffer>) { this.it = src[Symbol.asyncIterator](); }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) { this.done = true; return false; }
    this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    return true;
  }

  /** Exactly n bytes, or fewer at the end of input. */
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n && await this.fill()) { /* keep filling */ }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  /** Between 1 and max bytes (what is buffered, or the next chunk). */
  async some(max: number): Promise<Buffer> {
    if (this.buf.length === 0 && !(await this.fill())) throw new TarError('Unexpected end of archive');
    const out = this.buf.subarray(0, Math.min(max, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  async readAll(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let left = n; left > 0;) { const c = await this.some(left); parts.push(c); left -= c.length; }
    return Buffer.concat(parts);
  }

  async skip(n: number): Promise<void> { for (let left = n; left > 0;) left -= (await this.some(left)).length; }
}

const str = (b: Buffer) => { const z = b.indexOf(0); return (z < 0 ? b : b.subarray(0, z)).toString('utf8'); };

function size(field: Buffer): number {
  if (field[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const s = str(field).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError('Invalid tar header');
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = str(h.subarray(148, 156)).trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === parseInt(stored, 8);
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(data.subarray(off, sp).toString());
    if (!len) break;
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

export async function* tarEntries(src: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(src);
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    const h = await r.read(512);
    if (h.length === 0) return;
    if (h.length < 512) throw new TarError('Unexpected end of archive');
    if (h.every((b) => b === 0)) return;
    if (!checksumOk(h)) throw new TarError('Invalid tar header');
    const type = String.fromCharCode(h[156] || 0x30);
    let n = size(h.subarray(124, 136));
    const pad = (512 - (n % 512)) % 512;
    if (type === 'L' || type === 'x' || type === 'g') {
      const data = await r.readAll(n);
      await r.skip(pad);
      if (type === 'L') longName = str(data);
      if (type === 'x') pax = paxRecords(data);
      continue;
    }
    const magic = h.subarray(257, 263).toString('latin1');
    const prefix = magic.startsWith('ustar') ? str(h.subarray(345, 500)) : '';
    let name = longName ?? pax['path'] ?? (prefix ? `${prefix}/${str(h.subarray(0, 100))}` : str(h.subarray(0, 100)));
    if (pax['size'] !== undefined) n = Number(pax['size']);
    longName = undefined;
    pax = {};
    name = name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
    // `remaining` is decremented before each chunk is handed out, so whatever the consumer left
    // unread (it may stop early) is skipped exactly.
    let remaining = n;
    const body: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        while (remaining > 0) {
          const chunk = await r.some(remaining);
          remaining -= chunk.length;
          yield chunk;
        }
      },
    };
    yield { name, size: n, type, body };
    await r.skip(remaining);
    await r.skip((512 - (n % 512)) % 512);
  }
}
