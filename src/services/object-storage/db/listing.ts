// Listings with marker, end_marker, prefix, delimiter, path and reverse, exactly as Swift's
// container and account brokers walk them (swift/container/backend.py list_objects_iter): a
// delimiter rolls every name below the next delimiter into one "subdir" entry and jumps the
// marker past it, so a listing costs one indexed range query per entry returned at most.

export interface ListParams {
  limit: number;
  marker?: string;
  endMarker?: string;
  prefix?: string;
  delimiter?: string;
  /** Container listings only: the children of a pseudo-directory (implies delimiter '/'). */
  path?: string;
  reverse?: boolean;
}

/** One indexed range query: names in (gt | gte, lt), ascending or not, at most `limit` rows. */
export interface RangeQuery { gt?: string; gte?: string; lt?: string; desc: boolean; limit: number }

export type ListEntry<R> = { row: R } | { subdir: string };

const bump = (s: string) => s.slice(0, -1) + String.fromCodePoint(s.codePointAt(s.length - 1)! + 1);

/**
 * Rows are fetched at most this many at a time: a long listing's rows then die young, a page
 * at a time, instead of all living until the whole answer is built (young-generation GC copies
 * what is alive, and 10,000 rows alive at once made it most of a listing's cost).
 */
const PAGE = 1000;

/** Visits a listing's entries in order, at most `params.limit` of them. */
export async function eachListed<R extends { name: string }>(
  params: ListParams,
  query: (q: RangeQuery) => Promise<R[]>,
  visit: (entry: ListEntry<R>) => void,
): Promise<void> {
  const reverse = params.reverse ?? false;
  const limit = params.limit;
  let marker = reverse ? params.endMarker ?? '' : params.marker ?? '';
  let endMarker = reverse ? params.marker ?? '' : params.endMarker ?? '';
  let prefix = params.prefix;
  let delimiter = params.delimiter;
  let path = params.path;
  if (path !== undefined) {
    prefix = path;
    if (path) prefix = path = path.replace(/\/+$/, '') + '/';
    delimiter = '/';
  } else if (delimiter && !prefix) {
    prefix = '';
  }
  const endPrefix = prefix ? bump(prefix) : undefined;
  const origMarker = marker;
  let count = 0;
  let forceGte = false;

  while (count < limit) {
    const q: RangeQuery = { desc: reverse, limit: Math.min(PAGE, limit - count) };
    if (endMarker && (!prefix || endMarker < endPrefix!)) q.lt = endMarker;
    else if (prefix) q.lt = endPrefix;
    if (forceGte) { q.gte = marker; forceGte = false; }
    else if (marker && (!prefix || marker >= prefix)) q.gt = marker;
    else if (prefix) q.gte = prefix;
    const rows = await query(q);
    // a delimiter that rolls names up into a subdir jumps the marker past them and asks again
    let jumped = false;
    for (const row of rows) {
      const name = row.name;
      if (reverse) endMarker = name; else marker = name;
      if (count >= limit) return;
      const end = delimiter ? name.indexOf(delimiter, prefix!.length) : -1;
      if (path !== undefined) {
        if (name === path) continue;
        if (end >= 0 && name.length > end + delimiter!.length) {
          if (reverse) endMarker = name.slice(0, end + delimiter!.length);
          else marker = name.slice(0, end) + bump(delimiter!);
          jumped = true;
          break;
        }
      } else if (end >= 0) {
        if (reverse) endMarker = name.slice(0, end + delimiter!.length);
        else { marker = name.slice(0, end) + bump(delimiter!); forceGte = true; }
        const dir = name.slice(0, end + delimiter!.length);
        if (dir !== origMarker) { visit({ subdir: dir }); count++; }
        jumped = true;
        break;
      }
      visit({ row });
      count++;
    }
    if (!jumped && rows.length < q.limit) break;
  }
}

/** A listing's entries, in order. */
export async function walkListing<R extends { name: string }>(
  params: ListParams,
  query: (q: RangeQuery) => Promise<R[]>,
): Promise<Array<ListEntry<R>>> {
  const entries: Array<ListEntry<R>> = [];
  await eachListed(params, query, (e) => entries.push(e));
  return entries;
}
