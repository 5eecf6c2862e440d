// Range requests as swob handles them (swob.Range): a syntactically bad header is ignored (200),
// an unsatisfiable one is 416, several ranges make a multipart/byteranges body.
const MAX_RANGES = 50;
const MAX_RANGE_OVERLAPS = 2;
const MAX_NONASCENDING_RANGES = 8;

/** Half-open [start, end) byte ranges. */
export type ByteRange = [number, number];

type Spec = [number | null, number | null];

function parseSpecs(header: string): Spec[] | undefined {
  const v = header.replaceAll(' ', '');
  if (!v.toLowerCase().startsWith('bytes=')) return undefined;
  const specs: Spec[] = [];
  for (const rng of v.slice(6).split(',')) {
    const dash = rng.indexOf('-');
    if (dash < 0) return undefined;
    const s = rng.slice(0, dash);
    const e = rng.slice(dash + 1);
    if (s && !/^\d+$/.test(s)) return undefined;
    if (e && !/^\d+$/.test(e)) return undefined;
    const start = s ? Number(s) : null;
    const end = e ? Number(e) : null;
    if (start === null && end === null) return undefined;
    if (start !== null && end !== null && end < start) return undefined;
    specs.push([start, end]);
  }
  return specs;
}

/**
 * The ranges to serve for content of `length`: undefined = ignore the header (serve it all),
 * [] = unsatisfiable (416).
 */
export function rangesFor(header: string | undefined, length: number): ByteRange[] | undefined {
  if (!header) return undefined;
  const specs = parseSpecs(header);
  if (!specs || specs.length === 0) return undefined;
  const all: ByteRange[] = [];
  for (const [begin, end] of specs) {
    if (begin === null) {
      if (end === 0) continue;
      all.push(end! > length ? [0, length] : [length - end!, length]);
      continue;
    }
    if (end === null) {
      if (begin < length) all.push([begin, length]);
      continue;
    }
    if (begin < length) all.push([begin, Math.min(end + 1, length)]);
  }
  if (all.length > MAX_RANGES) return [];
  let overlaps = 0;
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [s1, e1] = all[i]!;
      const [s2, e2] = all[j]!;
      if ((s1 < s2 && s2 < e1) || (s1 < e2 && e2 < e1) || (s2 < s1 && s1 < e2) || (s2 < e1 && e1 < e2)) {
        if (++overlaps > MAX_RANGE_OVERLAPS) return [];
      }
    }
  }
  const ascending = all.every((r, i) => i === 0 || all[i - 1]![0] <= r[0]);
  if (!ascending && all.length >= MAX_NONASCENDING_RANGES) return [];
  return all;
}

export const contentRange = ([start, end]: ByteRange, length: number) => `bytes ${start}-${end - 1}/${length}`;
