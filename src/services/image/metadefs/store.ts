// Metadata definitions (Glance's metadefs catalog): namespaces holding objects, properties and
// tags, associated with resource types. Rows of metadef_namespaces / metadef_items /
// metadef_resource_types / metadef_namespace_resource_types.
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { fromDbBool, fromDbJson, isUniqueViolation, toDbJson } from '../../../lib/db/index.ts';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../lib/errors.ts';
import { uuid } from '../../../lib/ids.ts';
import type { Access } from '../service/access.ts';
import { schemaError, type JsonSchema } from '../service/json-schema.ts';
import { isoTime } from '../service/model.ts';

export type ItemKind = 'object' | 'property' | 'tag';

export interface Namespace {
  id: string;
  namespace: string;
  display_name: string | null;
  description: string | null;
  visibility: 'public' | 'private';
  protected: boolean;
  owner: string | null;
  created_at: string;
  updated_at: string;
}

export interface Item { id: string; name: string; body: Record<string, unknown>; created_at: string; updated_at: string }

const nsFromRow = (r: Record<string, any>): Namespace => ({
  id: r.id, namespace: r.namespace, display_name: r.display_name ?? null, description: r.description ?? null,
  visibility: r.visibility, protected: fromDbBool(r.protected), owner: r.owner ?? null, created_at: r.created_at, updated_at: r.updated_at,
});

const itemFromRow = (r: Record<string, any>): Item => ({ id: r.id, name: r.name, body: fromDbJson<Record<string, unknown>>(r.body) ?? {}, created_at: r.created_at, updated_at: r.updated_at });

/** Policy target of a namespace (MetadefAPIPolicy._build_target). */
export const nsTarget = (ns: Namespace) => ({ project_id: ns.owner ?? undefined, visibility: ns.visibility });

/** The namespace when the caller may read it; 404 otherwise (Glance hides what one may not see). */
export async function readableNamespace(db: Kysely<any>, access: Access, ctx: RequestContext, name: string): Promise<Namespace> {
  const r = await db.selectFrom('metadef_namespaces').selectAll().where('namespace', '=', name).executeTakeFirst();
  const ns = r ? nsFromRow(r) : undefined;
  if (!ns || !access.allows('get_metadef_namespace', nsTarget(ns), ctx)) throw new NotFound(`Metadata definition namespace=${name} was not found.`);
  return ns;
}

export async function listNamespaces(db: Kysely<any>, opts: { admin: boolean; project?: string; visibility?: string; resourceTypes?: string[]; limit: number; marker?: Namespace; sortKey: string; sortDir: 'asc' | 'desc' }): Promise<Namespace[]> {
  let q = db.selectFrom('metadef_namespaces').selectAll();
  if (!opts.admin) q = q.where((eb) => eb.or([eb('visibility', '=', 'public'), eb('owner', '=', opts.project ?? '')]));
  if (opts.visibility) q = q.where('visibility', '=', opts.visibility);
  if (opts.resourceTypes?.length) {
    q = q.where((eb) => eb.exists(eb.selectFrom('metadef_namespace_resource_types as a').select('a.namespace_id')
      .whereRef('a.namespace_id', '=', 'metadef_namespaces.id').where('a.resource_type', 'in', opts.resourceTypes!)));
  }
  const key = ['created_at', 'updated_at', 'namespace', 'display_name'].includes(opts.sortKey) ? opts.sortKey : 'created_at';
  if (opts.marker) {
    const mv = (opts.marker as unknown as Record<string, unknown>)[key] ?? '';
    const cmp = opts.sortDir === 'desc' ? '<' : '>';
    q = q.where((eb) => eb.or([eb(key, cmp, mv), eb.and([eb(key, '=', mv), eb('id', cmp, opts.marker!.id)])]));
  }
  const rows = await q.orderBy(key, opts.sortDir).orderBy('id', opts.sortDir).limit(opts.limit).execute();
  return rows.map(nsFromRow);
}

export function validateBody(body: unknown, schema: JsonSchema, what: string, readOnly: string[]): Record<string, unknown> {
  if (body === undefined || body === null) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(`Provided object does not match schema '${what}': ${JSON.stringify(body)} is not of type 'object'`);
  for (const k of readOnly) if (k in (body as object)) throw new Forbidden(`Attribute '${k}' is read-only.`);
  const err = schemaError(body, schema);
  if (err) throw new BadRequest(`Provided object does not match schema '${what}': ${err}`);
  return body as Record<string, unknown>;
}

export async function insertNamespace(db: Kysely<any>, ns: Namespace): Promise<void> {
  try {
    await db.insertInto('metadef_namespaces').values({ ...ns }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`A metadata definition namespace with name=${ns.namespace} already exists.`);
    throw err;
  }
}

export async function updateNamespace(db: Kysely<any>, id: string, values: Partial<Namespace>): Promise<void> {
  try {
    await db.updateTable('metadef_namespaces').set({ ...values, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`A metadata definition namespace with name=${values.namespace} already exists.`);
    throw err;
  }
}

export function assertUnprotected(ns: Namespace): void {
  if (ns.protected) throw new Forbidden(`Metadata definition namespace ${ns.namespace} is protected and cannot be deleted.`);
}

export async function listItems(db: Kysely<any>, ns: Namespace, kind: ItemKind): Promise<Item[]> {
  return (await db.selectFrom('metadef_items').selectAll().where('namespace_id', '=', ns.id).where('kind', '=', kind).orderBy('created_at').orderBy('name').execute()).map(itemFromRow);
}

export async function getItem(db: Kysely<any>, ns: Namespace, kind: ItemKind, name: string): Promise<Item> {
  const r = await db.selectFrom('metadef_items').selectAll().where('namespace_id', '=', ns.id).where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
  if (!r) throw new NotFound(`Metadata definition ${kind} not found for namespace=${ns.namespace} and ${kind}=${name}.`);
  return itemFromRow(r);
}

export async function insertItem(db: Kysely<any>, ns: Namespace, kind: ItemKind, name: string, body: Record<string, unknown>): Promise<Item> {
  const now = new Date().toISOString();
  const item: Item = { id: uuid(), name, body, created_at: now, updated_at: now };
  try {
    await db.insertInto('metadef_items').values({ id: item.id, namespace_id: ns.id, kind, name, body: toDbJson(body), created_at: now, updated_at: now }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`A metadata definition ${kind} with name=${name} already exists in namespace=${ns.namespace}.`);
    throw err;
  }
  return item;
}

export async function updateItem(db: Kysely<any>, ns: Namespace, kind: ItemKind, item: Item, name: string, body: Record<string, unknown>): Promise<Item> {
  const now = new Date().toISOString();
  try {
    await db.updateTable('metadef_items').set({ name, body: toDbJson(body), updated_at: now }).where('id', '=', item.id).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`A metadata definition ${kind} with name=${name} already exists in namespace=${ns.namespace}.`);
    throw err;
  }
  return { ...item, name, body, updated_at: now };
}

export async function deleteItems(db: Kysely<any>, ns: Namespace, kind: ItemKind, name?: string): Promise<void> {
  let q = db.deleteFrom('metadef_items').where('namespace_id', '=', ns.id).where('kind', '=', kind);
  if (name !== undefined) q = q.where('name', '=', name);
  await q.execute();
}

export interface Association { name: string; prefix: string | null; properties_target: string | null; created_at: string; updated_at: string }

export async function associations(db: Kysely<any>, nsIds: string[]): Promise<Map<string, Association[]>> {
  const out = new Map<string, Association[]>();
  if (nsIds.length === 0) return out;
  const rows = await db.selectFrom('metadef_namespace_resource_types').selectAll().where('namespace_id', 'in', nsIds).orderBy('created_at').execute();
  for (const r of rows) {
    const list = out.get(r.namespace_id) ?? [];
    list.push({ name: r.resource_type, prefix: r.prefix ?? null, properties_target: r.properties_target ?? null, created_at: r.created_at, updated_at: r.updated_at });
    out.set(r.namespace_id, list);
  }
  return out;
}

/** Associates a resource type (created on first use, as Glance does) with a namespace. */
export async function associate(db: Kysely<any>, ns: Namespace, a: { name: string; prefix?: string; properties_target?: string }): Promise<Association> {
  const now = new Date().toISOString();
  const exists = await db.selectFrom('metadef_resource_types').select('name').where('name', '=', a.name).executeTakeFirst();
  if (!exists) await db.insertInto('metadef_resource_types').values({ name: a.name, protected: 0, created_at: now, updated_at: now }).execute().catch(() => undefined);
  try {
    await db.insertInto('metadef_namespace_resource_types').values({ namespace_id: ns.id, resource_type: a.name, prefix: a.prefix ?? null, properties_target: a.properties_target ?? null, created_at: now, updated_at: now }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`The metadata definition resource-type association of resource-type=${a.name} to namespace=${ns.namespace}, already exists.`);
    throw err;
  }
  return { name: a.name, prefix: a.prefix ?? null, properties_target: a.properties_target ?? null, created_at: now, updated_at: now };
}

/** Drops keys whose value is null (WSME leaves unset attributes out of its JSON). */
export function compact(v: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null && x !== undefined));
}

export function associationView(a: Association): Record<string, unknown> {
  return compact({ name: a.name, prefix: a.prefix, properties_target: a.properties_target, created_at: isoTime(a.created_at), updated_at: isoTime(a.updated_at) });
}

export function namespaceView(ns: Namespace, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return compact({
    namespace: ns.namespace, display_name: ns.display_name, description: ns.description, visibility: ns.visibility,
    protected: ns.protected, owner: ns.owner, created_at: isoTime(ns.created_at), updated_at: isoTime(ns.updated_at),
    ...extra, self: `/v2/metadefs/namespaces/${ns.namespace}`, schema: '/v2/schemas/metadefs/namespace',
  });
}
