// List queries as Neutron reads them (neutron/api/api_common.py): every attribute is a filter
// (repeated values OR), `fields=` projects, sort_key/sort_dir sort, limit/marker/page_reverse
// paginate with `<collection>_links`, tags / tags-any / not-tags / not-tags-any and
// changed_since narrow. Unknown filters are a 400 (the filter-validation extension).
import { httpBadRequest } from '../errors.ts';
import type { AttrMap, FilterKind } from './attributes.ts';
import { toBoolean } from './validators.ts';

export type Item = Record<string, unknown>;

const RESERVED = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any', 'changed_since']);

export interface ListQuery {
  /** attribute → accepted values (already converted to the attribute's kind). */
  filters: Map<string, unknown[]>;
  /** Filters a resource interprets itself (e.g. ports' fixed_ips). */
  custom: Map<string, string[]>;
  fields?: string[];
  sorts: Array<[string, 'asc' | 'desc']>;
  limit?: number;
  marker?: string;
  pageReverse: boolean;
  tags: string[]; tagsAny: string[]; notTags: string[]; notTagsAny: string[];
  changedSince?: string;
}

const all = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));
const csv = (v: unknown): string[] => all(v).flatMap((s) => s.split(',')).filter((s) => s !== '');

function convertFilter(kind: FilterKind | undefined, value: string): unknown {
  if (kind === 'bool') return toBoolean(value);
  return value;
}

export function parseListQuery(attrs: AttrMap, query: Record<string, unknown>, customFilters: readonly string[] = []): ListQuery {
  const q: ListQuery = {
    filters: new Map(), custom: new Map(), sorts: [], pageReverse: false,
    tags: csv(query.tags), tagsAny: csv(query['tags-any']), notTags: csv(query['not-tags']), notTagsAny: csv(query['not-tags-any']),
  };
  for (const [key, raw] of Object.entries(query)) {
    if (RESERVED.has(key)) continue;
    if (customFilters.includes(key)) { q.custom.set(key, all(raw)); continue; }
    const spec = attrs[key];
    if (!spec?.filter) throw httpBadRequest(`${key} is invalid attribute for filtering`);
    const name = key === 'tenant_id' ? 'project_id' : key;
    const values = all(raw).map((v) => convertFilter(spec.filter, v));
    q.filters.set(name, [...(q.filters.get(name) ?? []), ...values]);
  }
  const fields = csv(query.fields);
  if (fields.length) q.fields = fields;
  const keys = all(query.sort_key); const dirs = all(query.sort_dir);
  if (dirs.length && dirs.length !== keys.length) throw httpBadRequest('The number of sort_keys and sort_dirs must be same');
  keys.forEach((k, i) => {
    if (!attrs[k]?.sort) throw httpBadRequest(`${k} is an invalid attribute for sort_keys`);
    const d = dirs[i] ?? 'asc';
    if (d !== 'asc' && d !== 'desc') throw httpBadRequest(`${d} is an invalid value for sort_dirs, valid values are: asc, desc`);
    q.sorts.push([k === 'tenant_id' ? 'project_id' : k, d]);
  });
  if (query.limit !== undefined) {
    const l = String(all(query.limit)[0]);
    if (!/^-?\d+$/.test(l)) throw httpBadRequest(`Invalid input for limit: '${l}' is not an integer`);
    const n = Number(l);
    if (n < 0) throw httpBadRequest(`Limit must be an integer 0 or greater and not '${l}'`);
    if (n > 0) q.limit = n;
  }
  if (query.marker !== undefined) q.marker = all(query.marker)[0];
  if (query.page_reverse !== undefined) q.pageReverse = toBoolean(all(query.page_reverse)[0]);
  if (query.changed_since !== undefined) {
    const s = all(query.changed_since)[0]!;
    const t = Date.parse(s);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s) || Number.isNaN(t)) {
      throw httpBadRequest(`The filter changed_since is invalid: ${s} is not a valid timestamp (YYYY-MM-DDTHH:MM:SS)`);
    }
    q.changedSince = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`).toISOString();
  }
  return q;
}

function matches(value: unknown, accepted: unknown[]): boolean {
  for (const a of accepted) {
    if (typeof a === 'boolean') { if (value === a) return true; continue; }
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) { if (value.map(String).includes(String(a))) return true; continue; }
    if (String(value) === a) return true;
  }
  return false;
}

/** Applies filters, tag filters and changed_since. */
export function filterItems(items: Item[], q: ListQuery): Item[] {
  const filters = [...q.filters];
  const tagged = q.tags.length || q.tagsAny.length || q.notTags.length || q.notTagsAny.length;
  return items.filter((item) => {
    for (const [name, accepted] of filters) if (!matches(item[name], accepted)) return false;
    if (tagged) {
      const tags = new Set((item.tags as string[] | undefined) ?? []);
      if (q.tags.length && !q.tags.every((t) => tags.has(t))) return false;
      if (q.tagsAny.length && !q.tagsAny.some((t) => tags.has(t))) return false;
      if (q.notTags.length && q.notTags.every((t) => tags.has(t))) return false;
      if (q.notTagsAny.length && q.notTagsAny.some((t) => tags.has(t))) return false;
    }
    if (q.changedSince && typeof item.updated_at === 'string' && item.updated_at < q.changedSince.replace(/\.\d+Z$/, 'Z')) return false;
    return true;
  });
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a); const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export interface Page { items: Item[]; links?: Array<{ href: string; rel: string }> }

/** Sorts (by the sort keys, then id), then cuts the page at `marker` and `limit`. */
export function paginate(items: Item[], q: ListQuery, linkBase: string, query: Record<string, unknown>, markerNotFound: (id: string) => Error): Page {
  const sorts = [...q.sorts, ['id', 'asc'] as [string, 'asc']];
  const sorted = q.sorts.length || q.limit || q.marker ? [...items].sort((x, y) => {
    for (const [k, d] of sorts) {
      const c = compare(x[k], y[k]);
      if (c) return d === 'asc' ? c : -c;
    }
    return 0;
  }) : items;
  if (q.limit === undefined && q.marker === undefined) return { items: sorted };
  const ordered = q.pageReverse ? [...sorted].reverse() : sorted;
  let start = 0;
  if (q.marker !== undefined) {
    const at = ordered.findIndex((i) => i.id === q.marker);
    if (at < 0) throw markerNotFound(q.marker);
    start = at + 1;
  }
  const end = q.limit === undefined ? ordered.length : start + q.limit;
  let page = ordered.slice(start, end);
  const more = end < ordered.length;
  if (q.pageReverse) page = page.reverse();
  const links: Array<{ href: string; rel: string }> = [];
  const href = (marker: string, reverse: boolean) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (k === 'marker' || k === 'page_reverse') continue;
      for (const x of all(v)) params.append(k, x);
    }
    params.set('marker', marker);
    if (reverse) params.set('page_reverse', 'True');
    return `${linkBase}?${params}`;
  };
  const first = page[0]; const last = page.at(-1);
  if (q.pageReverse) {
    if (more && first) links.push({ href: href(String(first.id), true), rel: 'previous' });
    if (q.marker !== undefined && last) links.push({ href: href(String(last.id), false), rel: 'next' });
  } else {
    if (more && last) links.push({ href: href(String(last.id), false), rel: 'next' });
    if (q.marker !== undefined && first) links.push({ href: href(String(first.id), true), rel: 'previous' });
  }
  return { items: page, links };
}

/** Only the requested fields (all when none were asked for). */
export function project(item: Item, fields: string[] | undefined): Item {
  if (!fields) return item;
  const out: Item = {};
  for (const f of fields) if (f in item) out[f] = item[f];
  return out;
}

/** Drops attributes the caller may not see (Neutron's get_<resource>:<attr> rules). */
export function hide(item: Item, hidden: readonly string[]): Item {
  if (!hidden.length) return item;
  const out = { ...item };
  for (const h of hidden) delete out[h];
  return out;
}
