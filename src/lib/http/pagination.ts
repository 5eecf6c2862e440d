// limit/marker pagination shared by every API, and the `next` link builders.
import { BadRequest } from '../errors.ts';

export interface PageParams { limit?: number; marker?: string }

/** Reads `limit` and `marker` from a query; a bad limit is a 400. `maxLimit` caps large pages. */
export function pageParams(query: Record<string, unknown>, maxLimit = 1000): PageParams {
  const out: PageParams = {};
  if (query.limit !== undefined) {
    const s = String(query.limit);
    if (!/^\d+$/.test(s)) throw new BadRequest(`Invalid limit: ${s}`);
    out.limit = Math.min(Number(s), maxLimit);
  }
  if (query.marker !== undefined) out.marker = String(query.marker);
  return out;
}

/** The URL of the next page: the same query with `marker` replaced. */
export function nextPageUrl(url: string, query: Record<string, unknown>, marker: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'marker' || v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  params.set('marker', marker);
  return `${url}?${params}`;
}
