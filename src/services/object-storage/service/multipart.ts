// A streaming multipart/form-data reader for FormPost: parts are yielded one at a time, each
// with its headers and a body stream that ends at the next boundary. Only a boundary's worth of
// bytes is held back while scanning.

export interface MimePart {
  headers: Record<string, string>;
  body: AsyncIterable<Buffer>;
}

export class MultipartError extends Error {}

export async function* multipartParts(src: AsyncIterable<Buffer>, boundary: string): AsyncGenerator<MimePart> {
  const it = src[Symbol.asyncIterator]();
  let buf: Buffer = Buffer.alloc(0);
  let ended = false;
  const more = async () => {
    if (ended) return false;
    const r = await it.next();
    if (r.done) { ended = true; return false; }
    buf = buf.length ? Buffer.concat([buf, r.value]) : r.value;
    return true;
  };
  const first = Buffer.from(`--${boundary}`);
  const delim = Buffer.from(`\r\n--${boundary}`);
  // preamble up to the first boundary
  for (;;) {
    const i = buf.indexOf(first);
    if (i >= 0) { buf = buf.subarray(i + first.length); break; }
    if (!(await more())) throw new MultipartError('no multipart boundary');
  }
  for (;;) {
    while (buf.length < 2 && await more()) { /* need the two bytes after the boundary */ }
    if (buf.subarray(0, 2).toString() === '--') return;
    // part headers
    let headEnd: number;
    while ((headEnd = buf.indexOf('\r\n\r\n')) < 0) if (!(await more())) throw new MultipartError('truncated part headers');
    const headers: Record<string, string> = {};
    for (const line of buf.subarray(0, headEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    buf = buf.subarray(headEnd + 4);
    let done = false;
    const body: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        while (!done) {
          const i = buf.indexOf(delim);
          if (i >= 0) {
            const out = buf.subarray(0, i);
            buf = buf.subarray(i + delim.length);
            done = true;
            if (out.length) yield out;
            return;
          }
          const keep = Math.min(buf.length, delim.length - 1);
          if (buf.length > keep) {
            const out = buf.subarray(0, buf.length - keep);
            buf = buf.subarray(buf.length - keep);
            yield out;
          }
          if (!(await more())) throw new MultipartError('truncated multipart body');
        }
      },
    };
    yield { headers, body };
    // whatever the consumer did not read of this part
    for await (const _ of body) { /* skip */ }
  }
}

/** Content-Disposition: form-data; name="x"; filename="y" → {type, attrs}. */
export function parseDisposition(value: string): { type: string; attrs: Record<string, string> } {
  const [type, ...rest] = value.split(';');
  const attrs: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    attrs[p.slice(0, eq).trim().toLowerCase()] = v;
  }
  return { type: (type ?? '').trim().toLowerCase(), attrs };
}
