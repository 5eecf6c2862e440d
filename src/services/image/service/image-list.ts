// GET /v2/images: Glance's filters, sorting and keyset pagination (RequestDeserializer.index,
// db.sqlalchemy.api._image_get_all / _make_conditions_from_filters / _paginate_query).
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { BadRequest } from '../../../lib/errors.ts';
import { withChildren } from './image-repo.ts';
import type { Image } from './model.ts';

const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];
const NUMERIC = new Set(['size', 'virtual_size', 'min_disk', 'min_ram']);
const BOOLEAN = new Set(['protected', 'os_hidden']);
const OP_COLUMNS = new Set(['name', 'id', 'status', 'container_format', 'disk_format']);
const TIME_COLUMNS = new Set(['created_at', 'updated_at']);
/** Columns a plain `key=value` filter compares directly (everything else is an extra property). */
const COLUMNS = new Set(['id', 'name', 'status', 'visibility', 'owner', 'size', 'virtual_size', 'checksum', 'os_hash_algo',
  'os_hash_value', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'protected', 'os_hidden']);
const MEMBER_STATUSES = ['pending', 'accepted', 'rejected', 'all'];
const VISIBILITY_FILTERS = ['community', 'public', 'private', 'shared', 'all'];
const TIME_OPS: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=', neq: '<>', eq: '=' };

export interface ListQuery {
  limit: number;
  marker?: string;
  memberStatus: string;
  tags: string[];
  sortKeys: string[];
  sortDirs: Array<'asc' | 'desc'>;
  visibility?: string;
  filters: Record<string, string>;
}

const one = (v: unknown): string => String(Array.isArray(v) ? v[v.length - 1] : v);
const all = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** Parses the query string of a list call; 400 on anything Glance refuses. */
export function parseListQuery(query: Record<string, unknown>, limits: { defaultLimit: number; maxLimit: number }): ListQuery {
  const q = { ...query };
  let limit = limits.defaultLimit;
  if (q.limit !== undefined) {
    const s = one(q.limit).trim();
    if (!/^[+-]?\d+$/.test(s)) throw new BadRequest('limit param must be an integer');
    limit = Number(s);
    if (limit < 0) throw new BadRequest('limit param must be positive');
  }
  limit = Math.min(limit, limits.maxLimit);
  const marker = q.marker === undefined ? undefined : one(q.marker);
  const memberStatus = q.member_status === undefined ? 'accepted' : one(q.member_status);
  if (!MEMBER_STATUSES.includes(memberStatus)) throw new BadRequest(`Invalid status: ${memberStatus}`);
  const tags = all(q.tag).map((t) => t.trim());
  const { sortKeys, sortDirs } = sorting(q);
  for (const k of ['limit', 'marker', 'member_status', 'tag', 'sort', 'sort_key', 'sort_dir']) delete q[k];
  if (q['changes-since'] !== undefined) throw new BadRequest('The "changes-since" filter is no longer available on v2.');
  const visibility = q.visibility === undefined ? undefined : one(q.visibility);
  if (visibility && !VISIBILITY_FILTERS.includes(visibility)) throw new BadRequest(`Invalid visibility value: ${visibility}`);
  delete q.visibility;
  const filters: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) filters[k] = one(v);
  return { limit, marker, memberStatus, tags, sortKeys, sortDirs, visibility: visibility || undefined, filters };
}

function sorting(q: Record<string, unknown>): { sortKeys: string[]; sortDirs: Array<'asc' | 'desc'> } {
  const keys: string[] = [];
  const dirs: Array<'asc' | 'desc'> = [];
  const key = (k: string) => {
    if (!SORT_KEYS.includes(k)) throw new BadRequest(`Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
    return k;
  };
  const dir = (d: string) => {
    if (d !== 'asc' && d !== 'desc') throw new BadRequest(`Invalid sort direction: ${d}`);
    return d;
  };
  if (q.sort !== undefined) {
    if (q.sort_key !== undefined || q.sort_dir !== undefined) throw new BadRequest('Old and new sorting syntax cannot be combined');
    for (const part of one(q.sort).trim().split(',')) {
      const [k = '', d] = part.split(':');
      keys.push(key(k.trim()));
      dirs.push(dir((d ?? 'desc').trim() || 'desc'));
    }
  } else {
    for (const k of all(q.sort_key)) keys.push(key(k.trim()));
    for (const d of all(q.sort_dir)) dirs.push(dir(d.trim()));
    if (dirs.length > 1 && dirs.length !== keys.length) throw new BadRequest('Number of sort dirs does not match the number of sort keys');
  }
  if (keys.length === 0) keys.push('created_at');
  if (dirs.length === 0) dirs.push('desc');
  const fallback = dirs.length === 1 ? dirs[0]! : 'desc';
  while (dirs.length < keys.length) dirs.push(fallback);
  for (const k of ['created_at', 'id']) if (!keys.includes(k)) { keys.push(k); dirs.push(fallback); }
  return { sortKeys: keys, sortDirs: dirs };
}

/** A sort column with NULL folded to the type's default, so order and marker comparisons agree. */
const NULLABLE = new Set(['name', 'container_format', 'disk_format', 'size']);
const sortExpr = (k: string) => (!NULLABLE.has(k) ? sql.ref(k) : NUMERIC.has(k) ? sql`coalesce(${sql.ref(k)}, 0)` : sql`coalesce(${sql.ref(k)}, '')`);

function filterConditions(eb: ExpressionBuilder<any, any>, filters: Record<string, string>): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  const osHidden = (filters.os_hidden ?? 'false').toLowerCase();
  if (osHidden !== 'true' && osHidden !== 'false') throw new BadRequest(`Invalid value '${filters.os_hidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
  out.push(eb('os_hidden', '=', osHidden === 'true' ? 1 : 0));
  for (const [key, value] of Object.entries(filters)) {
    if (key === 'os_hidden') continue;
    if (key === 'protected') {
      if (value !== 'true' && value !== 'false') throw new BadRequest(`Invalid value '${value}' for 'protected' filter. Valid values are 'true' or 'false'.`);
      out.push(eb('protected', '=', value === 'true' ? 1 : 0));
    } else if ((key.endsWith('_min') || key.endsWith('_max')) && NUMERIC.has(key.slice(0, -4))) {
      if (!/^[+-]?\d+$/.test(value.trim())) throw new BadRequest('Unable to filter on a range with a non-numeric value.');
      out.push(eb(key.slice(0, -4), key.endsWith('_min') ? '>=' : '<=', Number(value)));
    } else if (TIME_COLUMNS.has(key)) {
      const [op, when] = splitOp(value);
      const t = Date.parse(when);
      if (Number.isNaN(t) || !/^\d{4}-\d\d-\d\d/.test(when)) throw new BadRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
      if (!TIME_OPS[op]) throw new BadRequest('Unable to filter on a unknown operator.');
      out.push(eb(key, TIME_OPS[op] as any, new Date(t).toISOString()));
    } else if (OP_COLUMNS.has(key)) {
      const [op, v] = splitOp(value);
      if (op === 'in') out.push(eb(key, 'in', splitQuoted(v)));
      else if (op === 'eq') out.push(eb(key, '=', v));
      else throw new BadRequest(`Unable to filter by unknown operator '${op}'.`);
    } else if (COLUMNS.has(key)) {
      if (NUMERIC.has(key)) {
        if (!/^[+-]?\d+$/.test(value.trim())) throw new BadRequest(`Invalid value '${value}' for '${key}' filter.`);
        out.push(eb(key, '=', Number(value)));
      } else if (BOOLEAN.has(key)) out.push(eb(key, '=', value === 'true' ? 1 : 0));
      else out.push(eb(key, '=', value));
    } else {
      out.push(eb.exists(eb.selectFrom('image_properties as p').select('p.image_id')
        .whereRef('p.image_id', '=', 'images.id').where('p.name', '=', key).where('p.value', '=', value)));
    }
  }
  return out;
}

/** Glance's split_filter_op: `op:value`, except that an ISO date is a plain value. */
function splitOp(expr: string): [string, string] {
  const i = expr.indexOf(':');
  if (i < 0) return ['eq', expr];
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(expr) && !Number.isNaN(Date.parse(expr))) return ['eq', expr];
  return [expr.slice(0, i), expr.slice(i + 1)];
}

/** Glance's split_filter_value_for_quotes: `a,"b,c",d` → [a, "b,c", d]. */
function splitQuoted(v: string): string[] {
  const out: string[] = [];
  const re = /"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) out.push(m[1] ?? m[2] ?? '');
  return out;
}

export interface ListScope {
  ctx: RequestContext;
  isAdmin: boolean;
}

/** One page of images; `more` says whether the page was full (Glance then gives a next link). */
export async function listImages(db: Kysely<any>, query: ListQuery, scope: ListScope, marker?: Record<string, unknown>): Promise<{ images: Image[]; full: boolean }> {
  const project = scope.ctx.projectId;
  let q = db.selectFrom('images').selectAll('images').where('deleted', '=', 0).where('status', '<>', 'killed')
    .where((eb) => eb.and(filterConditions(eb, query.filters)));
  for (const tag of query.tags) {
    q = q.where((eb) => eb.exists(eb.selectFrom('image_tags as t').select('t.image_id').whereRef('t.image_id', '=', 'images.id').where('t.value', '=', tag)));
  }
  if (!scope.isAdmin) {
    q = q.where((eb) => {
      const alts: Expression<SqlBool>[] = [eb('visibility', 'in', ['public', 'community'])];
      if (project) {
        alts.push(eb('owner', '=', project));
        let member = eb.selectFrom('image_members as m').select('m.image_id').whereRef('m.image_id', '=', 'images.id').where('m.member', '=', project);
        if (query.memberStatus !== 'all') member = member.where('m.status', '=', query.memberStatus);
        alts.push(eb.and([eb('visibility', '=', 'shared'), eb.exists(member)]));
      }
      return eb.or(alts);
    });
  }
  if (query.visibility && query.visibility !== 'all') q = q.where('visibility', '=', query.visibility);
  else if (!query.visibility) {
    q = project ? q.where((eb) => eb.or([eb('owner', '=', project), eb('visibility', '<>', 'community')])) : q.where('visibility', '<>', 'community');
  }
  if (marker) {
    q = q.where((eb) => eb.or(query.sortKeys.map((k, i) => eb.and([
      ...query.sortKeys.slice(0, i).map((pk) => eb(sortExpr(pk) as any, '=', markerValue(marker, pk))),
      eb(sortExpr(k) as any, query.sortDirs[i] === 'desc' ? '<' : '>', markerValue(marker, k)),
    ]))));
  }
  query.sortKeys.forEach((k, i) => { q = q.orderBy(sortExpr(k) as any, query.sortDirs[i]); });
  const rows = await q.limit(query.limit).execute();
  return { images: await withChildren(db, rows), full: rows.length === query.limit && rows.length > 0 };
}

function markerValue(marker: Record<string, unknown>, k: string): unknown {
  const v = marker[k];
  if (v === null || v === undefined) return NUMERIC.has(k) ? 0 : '';
  return NUMERIC.has(k) ? Number(v) : v;
}
