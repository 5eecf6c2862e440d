// Subnet pools (subnet_allocation, default-subnetpools, subnetpool-prefix-ops): prefixes to
// carve subnets from. An allocation first bumps the pool's revision, which row-locks it on
// PostgreSQL, so two concurrent subnets never get overlapping blocks of one pool.
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { badRequest, conflict, subnetPoolNotFound } from '../errors.ts';
import { firstOf, formatNetwork, lastOf, networkOf, overlaps, parseCidr, type Cidr, type IpVersion } from '../lib/ip.ts';
import type { Caller } from './caller.ts';
import type { Net } from './net.ts';
import { checkQuota } from './quotas.ts';
import { bool, bump, dbJson, json, newStd, ownerAttrs, stdAttrs, tagsOf, type Db, type Row } from './std.ts';
import { dropTags } from './tags.ts';

const BITS = { 4: 32, 6: 128 } as const;
const DEFAULT_MIN = { 4: 8, 6: 64 } as const;

export async function renderPools(db: Db, rows: Row[]) {
  const tags = await tagsOf(db, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id, name: r.name, ...ownerAttrs(r.project_id), prefixes: json<string[]>(r.prefixes, []), ip_version: Number(r.ip_version),
    default_prefixlen: Number(r.default_prefixlen), min_prefixlen: Number(r.min_prefixlen), max_prefixlen: Number(r.max_prefixlen),
    default_quota: r.default_quota === null ? null : Number(r.default_quota), shared: bool(r.shared), is_default: bool(r.is_default),
    address_scope_id: null, ...stdAttrs(r, tags.get(r.id)),
  }));
}

const visible = (caller: Caller, r: Row) => caller.isAdmin || r.project_id === caller.projectId || bool(r.shared);

export async function listPools(net: Net, caller: Caller) {
  const rows = (await net.db.selectFrom('subnetpools').selectAll().execute()).filter((r: Row) => visible(caller, r));
  return renderPools(net.db, rows);
}

export async function poolRow(db: Db, caller: Caller, id: string): Promise<Row> {
  const r = await db.selectFrom('subnetpools').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || !visible(caller, r)) throw subnetPoolNotFound(id);
  return r;
}

/** Sorted, de-overlapped prefixes (a prefix inside another disappears), all one version. */
export function compactPrefixes(prefixes: string[]): { version: IpVersion; cidrs: Cidr[] } {
  if (!prefixes.length) throw badRequest('EmptySubnetPoolPrefixList', 'Empty subnet pool prefix list.');
  const cidrs = prefixes.map((p) => parseCidr(p)!);
  const version = cidrs[0]!.version;
  if (cidrs.some((c) => c.version !== version)) throw badRequest('PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
  const norm = cidrs.map((c) => ({ ...c, ip: networkOf(c) })).sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.prefixlen - b.prefixlen));
  const out: Cidr[] = [];
  for (const c of norm) if (!out.some((o) => overlaps(o, c) && o.prefixlen <= c.prefixlen)) out.push(c);
  return { version, cidrs: out };
}

function bounds(version: IpVersion, v: { min?: number | null; max?: number | null; dflt?: number | null }) {
  const min = v.min ?? DEFAULT_MIN[version];
  const max = v.max ?? BITS[version];
  const dflt = v.dflt ?? min;
  const illegal = (t: string, n: number, bt: string, bn: number) => badRequest('IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: ${t}=${n}, ${bt}=${bn}.`);
  if (min < 0 || min > BITS[version]) throw illegal('min_prefixlen', min, 'max_prefixlen', BITS[version]);
  if (max > BITS[version]) throw illegal('max_prefixlen', max, 'max_prefixlen', BITS[version]);
  if (min > max) throw illegal('min_prefixlen', min, 'max_prefixlen', max);
  if (dflt < min || dflt > max) throw illegal('default_prefixlen', dflt, dflt < min ? 'min_prefixlen' : 'max_prefixlen', dflt < min ? min : max);
  return { min, max, dflt };
}

export interface PoolCreate {
  project_id: string; name: string; description: string; prefixes: string[]; default_prefixlen: number | null;
  min_prefixlen: number | null; max_prefixlen: number | null; default_quota: number | null; shared: boolean; is_default: boolean;
}

async function clearOtherDefault(db: Db, version: number, except: string): Promise<void> {
  const other = await db.selectFrom('subnetpools').select('id').where('is_default', '=', true).where('ip_version', '=', version).where('id', '!=', except).executeTakeFirst();
  if (other) throw conflict('InvalidInput', `Invalid input for operation: A default subnetpool for this IP family has already been set. Only one default may exist per IP family.`);
}

export async function createPools(net: Net, items: PoolCreate[]) {
  const ids = await inTransaction(net.db, async (trx) => {
    const out: string[] = [];
    for (const it of items) {
      await checkQuota(net, trx, it.project_id, 'subnetpool');
      const { version, cidrs } = compactPrefixes(it.prefixes);
      const b = bounds(version, { min: it.min_prefixlen, max: it.max_prefixlen, dflt: it.default_prefixlen });
      const id = uuid();
      if (it.is_default) await clearOtherDefault(trx, version, id);
      await trx.insertInto('subnetpools').values({
        id, project_id: it.project_id, name: it.name, ip_version: version, default_prefixlen: b.dflt, min_prefixlen: b.min, max_prefixlen: b.max,
        default_quota: it.default_quota, shared: it.shared, is_default: it.is_default, prefixes: dbJson(cidrs.map(formatNetwork)), ...newStd(it.description),
      }).execute();
      out.push(id);
    }
    return out;
  });
  const rows = await net.db.selectFrom('subnetpools').selectAll().where('id', 'in', ids).execute();
  const byId = new Map((await renderPools(net.db, rows)).map((p) => [p.id, p]));
  return ids.map((id) => byId.get(id)!);
}

async function allocatedCidrs(db: Db, poolId: string): Promise<Cidr[]> {
  return (await db.selectFrom('subnets').select('cidr').where('subnetpool_id', '=', poolId).execute()).map((s: Row) => parseCidr(s.cidr)!);
}

/** New prefixes must keep covering what the pool already allocated. */
async function checkPrefixUpdate(db: Db, row: Row, cidrs: Cidr[]): Promise<void> {
  for (const old of json<string[]>(row.prefixes, []).map((p) => parseCidr(p)!)) {
    if (!cidrs.some((c) => overlaps(c, old) && c.prefixlen <= old.prefixlen)) {
      throw badRequest('IllegalSubnetPoolPrefixUpdate', `Illegal update to prefixes: Existing prefix ${formatNetwork(old)} must be a subset of the new prefixes.`);
    }
  }
}

export async function updatePool(net: Net, row: Row, ch: Record<string, unknown>, ifMatch?: number) {
  await inTransaction(net.db, async (trx) => {
    const set: Row = {};
    for (const k of ['name', 'description', 'default_quota']) if (ch[k] !== undefined) set[k] = ch[k];
    const version = Number(row.ip_version) as IpVersion;
    if (ch.prefixes !== undefined) {
      const { version: v, cidrs } = compactPrefixes(ch.prefixes as string[]);
      if (v !== version) throw badRequest('PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
      await checkPrefixUpdate(trx, row, cidrs);
      set.prefixes = dbJson(cidrs.map(formatNetwork));
    }
    if (ch.min_prefixlen !== undefined || ch.max_prefixlen !== undefined || ch.default_prefixlen !== undefined) {
      const b = bounds(version, {
        min: (ch.min_prefixlen as number | undefined) ?? Number(row.min_prefixlen), max: (ch.max_prefixlen as number | undefined) ?? Number(row.max_prefixlen),
        dflt: (ch.default_prefixlen as number | undefined) ?? Number(row.default_prefixlen),
      });
      Object.assign(set, { min_prefixlen: b.min, max_prefixlen: b.max, default_prefixlen: b.dflt });
    }
    if (ch.is_default !== undefined) {
      if (ch.is_default) await clearOtherDefault(trx, version, row.id);
      set.is_default = ch.is_default;
    }
    if (await bump(trx, 'subnetpools', row.id, ifMatch, set) === undefined) throw subnetPoolNotFound(row.id);
  });
  const fresh = await net.db.selectFrom('subnetpools').selectAll().where('id', '=', row.id).execute();
  return (await renderPools(net.db, fresh))[0]!;
}

export async function changePrefixes(net: Net, row: Row, prefixes: string[], add: boolean): Promise<string[]> {
  const current = json<string[]>(row.prefixes, []);
  let next: string[];
  if (add) {
    next = [...current, ...prefixes];
  } else {
    const gone = prefixes.map((p) => parseCidr(p)!);
    const used = await allocatedCidrs(net.db, row.id);
    for (const g of gone) {
      if (used.some((u) => overlaps(u, g))) throw badRequest('IllegalSubnetPoolPrefixUpdate', `Illegal update to prefixes: Prefix ${formatNetwork(g)} is in use by a subnet and cannot be removed.`);
    }
    next = current.filter((c) => !gone.some((g) => formatNetwork(g) === c));
  }
  const { cidrs } = compactPrefixes(next);
  await bump(net.db, 'subnetpools', row.id, undefined, { prefixes: dbJson(cidrs.map(formatNetwork)) });
  return cidrs.map(formatNetwork);
}

export async function deletePool(net: Net, row: Row, ifMatch?: number): Promise<void> {
  await inTransaction(net.db, async (trx) => {
    if (ifMatch !== undefined) await bump(trx, 'subnetpools', row.id, ifMatch);
    if (await trx.selectFrom('subnets').select('id').where('subnetpool_id', '=', row.id).executeTakeFirst()) {
      throw conflict('SubnetPoolInUse', `Unable to complete operation on subnet pool ${row.id}. Subnets are allocated from this pool.`);
    }
    await dropTags(trx, row.id);
    await trx.deleteFrom('subnetpools').where('id', '=', row.id).execute();
  });
}

export async function defaultPoolId(db: Db, version: number): Promise<string> {
  const r = await db.selectFrom('subnetpools').select('id').where('is_default', '=', true).where('ip_version', '=', version).executeTakeFirst();
  if (!r) throw badRequest('BadRequest', `Bad subnets request: No default subnetpool found for IPv${version}.`);
  return r.id;
}

/** A block for a new subnet: the requested CIDR if free, else the first free /prefixlen. */
export async function allocateFromPool(db: Db, caller: Caller, poolId: string, version: number, cidr: string | undefined, prefixlen: number | undefined): Promise<string> {
  const pool = await poolRow(db, caller, poolId);
  await bump(db, 'subnetpools', poolId);
  if (Number(pool.ip_version) !== version) throw badRequest('BadRequest', `Bad subnets request: Cannot allocate IPv${version} subnet from IPv${pool.ip_version} subnet pool.`);
  const prefixes = json<string[]>(pool.prefixes, []).map((p) => parseCidr(p)!);
  const used = await allocatedCidrs(db, poolId);
  const min = Number(pool.min_prefixlen); const max = Number(pool.max_prefixlen);
  if (cidr !== undefined) {
    const want = parseCidr(cidr)!;
    if (want.prefixlen < min) throw badRequest('MinPrefixSubnetAllocationError', `Unable to allocate subnet with prefix length ${want.prefixlen}, minimum allowed prefix is ${min}.`);
    if (want.prefixlen > max) throw badRequest('MaxPrefixSubnetAllocationError', `Unable to allocate subnet with prefix length ${want.prefixlen}, maximum allowed prefix is ${max}.`);
    if (!prefixes.some((p) => overlaps(p, want) && p.prefixlen <= want.prefixlen)) throw badRequest('SubnetAllocationError', 'Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.');
    if (used.some((u) => overlaps(u, want))) throw conflict('SubnetAllocationError', 'Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.');
    return formatNetwork(want);
  }
  const len = prefixlen ?? Number(pool.default_prefixlen);
  if (len < min) throw badRequest('MinPrefixSubnetAllocationError', `Unable to allocate subnet with prefix length ${len}, minimum allowed prefix is ${min}.`);
  if (len > max) throw badRequest('MaxPrefixSubnetAllocationError', `Unable to allocate subnet with prefix length ${len}, maximum allowed prefix is ${max}.`);
  const bits = BigInt(BITS[version as IpVersion]);
  const step = 1n << (bits - BigInt(len));
  const sortedUsed = [...used].sort((a, b) => (networkOf(a) < networkOf(b) ? -1 : 1));
  for (const p of prefixes) {
    if (p.prefixlen > len) continue;
    let at = firstOf(p);
    while (at + step - 1n <= lastOf(p)) {
      const candidate: Cidr = { version: version as IpVersion, ip: at, prefixlen: len };
      const clash = sortedUsed.find((u) => overlaps(u, candidate));
      if (!clash) return formatNetwork(candidate);
      // Jump past the clashing block, aligned to the block size.
      const next = lastOf(clash) + 1n;
      at = next > at ? ((next + step - 1n) / step) * step : at + step;
    }
  }
  throw conflict('SubnetAllocationError', `Failed to allocate subnet: Insufficient prefix space to allocate subnet size /${len}.`);
}
