// Conditional GET/HEAD (swob Response._get_conditional_response_status): If-None-Match → 304,
// If-Match → 412, If-Modified-Since → 304, If-Unmodified-Since → 412, in that order.
import type { HeaderMap } from './metadata.ts';
import { parseHttpDate } from './timestamp.ts';

export const normalizeEtag = (tag: string) => (tag.length > 1 && tag.startsWith('"') && tag.endsWith('"') ? tag.slice(1, -1) : tag);

/** Whether an If-Match / If-None-Match header value matches `etag` ('*' matches anything). */
export function etagMatches(header: string, etag: string): boolean {
  const tags = header.split(',').map((t) => normalizeEtag(t.trim())).filter(Boolean);
  return tags.includes('*') || tags.includes(normalizeEtag(etag));
}

/** 304, 412 or undefined (serve normally) for an existing object. `lastModified` in seconds (ceil). */
export function conditionalStatus(headers: HeaderMap, etag: string, lastModified: number): 304 | 412 | undefined {
  const inm = headers['if-none-match'];
  if (inm && etagMatches(inm, etag)) return 304;
  const im = headers['if-match'];
  if (im && !etagMatches(im, etag)) return 412;
  const ims = headers['if-modified-since'];
  if (ims) {
    const t = parseHttpDate(ims);
    if (t !== undefined && lastModified <= t) return 304;
  }
  const ius = headers['if-unmodified-since'];
  if (ius) {
    const t = parseHttpDate(ius);
    if (t !== undefined && lastModified > t) return 412;
  }
  return undefined;
}
