// /v2/metadefs: namespaces, their objects, properties, tags and resource-type associations
// (glance.api.v2.metadef_*). Reads follow get_metadef_* (public namespaces, or the owner's);
// writes are metadef_admin by default.
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { uuid } from '../../../lib/ids.ts';
import type { ImageDeps } from '../deps.ts';
import { isoTime } from '../service/model.ts';
import {
  assertUnprotected, associate, associationView, associations, compact, deleteItems, getItem, insertItem, insertNamespace,
  listItems, listNamespaces, namespaceView, nsTarget, readableNamespace, updateItem, updateNamespace, validateBody,
  type Item, type Namespace,
} from './store.ts';

const NS = Symbol('namespace');
const READ_ONLY = ['self', 'schema', 'created_at', 'updated_at'];
const nsBase = (ns: string) => `/v2/metadefs/namespaces/${ns}`;
const one = (v: unknown) => (v === undefined ? undefined : String(Array.isArray(v) ? v[v.length - 1] : v));

const objectView = (ns: Namespace, o: Item) => compact({
  name: o.name, description: o.body.description, required: o.body.required, properties: o.body.properties,
  schema: '/v2/schemas/metadefs/object', self: `${nsBase(ns.namespace)}/objects/${o.name}`, created_at: isoTime(o.created_at), updated_at: isoTime(o.updated_at),
});
const propertyView = (p: Item, prefix = '') => ({ name: prefix + p.name, ...p.body });
const tagView = (t: Item) => ({ name: t.name, created_at: isoTime(t.created_at), updated_at: isoTime(t.updated_at) });

export function metadefRoutes(deps: ImageDeps): Route[] {
  const { db, access } = deps;
  const schema = (name: string) => deps.schemas.all[`metadefs/${name}`]!;
  const target = async (req: ApiRequest) => {
    const ns = await readableNamespace(db, access, req.ctx, req.params.namespace!);
    return Object.assign(nsTarget(ns), { [NS]: ns });
  };
  const nsOf = (req: ApiRequest): Namespace => (req.target as Record<symbol, Namespace>)[NS]!;
  const projectTarget = (req: ApiRequest) => ({ project_id: req.ctx.projectId });

  /** Objects, properties and tags given inline when a namespace is created. */
  async function createChildren(ns: Namespace, b: Record<string, any>) {
    for (const a of b.resource_type_associations ?? []) await associate(db, ns, a);
    for (const o of b.objects ?? []) { const { name, ...rest } = o; await insertItem(db, ns, 'object', name, rest); }
    for (const [name, p] of Object.entries(b.properties ?? {})) { const { name: _n, ...rest } = p as Record<string, unknown>; await insertItem(db, ns, 'property', name, rest); }
    for (const t of b.tags ?? []) await insertItem(db, ns, 'tag', t.name, {});
  }

  async function detail(ns: Namespace, resourceType?: string): Promise<Record<string, unknown>> {
    const [objects, props, tags, assoc] = await Promise.all([listItems(db, ns, 'object'), listItems(db, ns, 'property'), listItems(db, ns, 'tag'), associations(db, [ns.id])]);
    const rts = assoc.get(ns.id) ?? [];
    const prefix = (resourceType && rts.find((a) => a.name === resourceType)?.prefix) || '';
    const extra: Record<string, unknown> = {};
    if (rts.length) extra.resource_type_associations = rts.map(associationView);
    if (props.length) extra.properties = Object.fromEntries(props.map((p) => [prefix + p.name, p.body]));
    if (objects.length) {
      extra.objects = objects.map((o) => {
        const v = objectView(ns, o);
        if (prefix && v.properties) v.properties = Object.fromEntries(Object.entries(v.properties as object).map(([k, x]) => [prefix + k, x]));
        if (prefix && Array.isArray(v.required)) v.required = v.required.map((r: string) => prefix + r);
        return v;
      });
    }
    if (tags.length) extra.tags = tags.map((t) => ({ name: t.name }));
    return namespaceView(ns, extra);
  }

  const validateProperty = (p: unknown) => validateBody(p, { ...schema('property'), required: ['type', 'title'] }, 'property', []);

  return [
    // namespaces
    {
      method: 'GET', path: '/v2/metadefs/namespaces', policy: 'get_metadef_namespaces', target: projectTarget,
      handler: async (req) => {
        const limitRaw = one(req.query.limit);
        if (limitRaw !== undefined && !/^\d+$/.test(limitRaw)) throw new BadRequest('limit param must be an integer');
        const limit = Math.min(limitRaw === undefined ? deps.settings.defaultLimit : Number(limitRaw), deps.settings.maxLimit);
        const sortDir = one(req.query.sort_dir) ?? 'desc';
        if (sortDir !== 'asc' && sortDir !== 'desc') throw new BadRequest(`Invalid sort direction: ${sortDir}`);
        const visibility = one(req.query.visibility);
        if (visibility && !['public', 'private'].includes(visibility)) throw new BadRequest(`Invalid visibility value: ${visibility}`);
        const markerName = one(req.query.marker);
        const marker = markerName ? await readableNamespace(db, access, req.ctx, markerName) : undefined;
        const list = await listNamespaces(db, {
          admin: access.isAdmin(req.ctx), project: req.ctx.projectId, visibility, limit, marker, sortDir,
          sortKey: one(req.query.sort_key) ?? 'created_at', resourceTypes: one(req.query.resource_types)?.split(',').map((s) => s.trim()).filter(Boolean),
        });
        const assoc = await associations(db, list.map((n) => n.id));
        const namespaces = list.map((ns) => { const a = assoc.get(ns.id); return namespaceView(ns, a?.length ? { resource_type_associations: a.map(associationView) } : {}); });
        const params = new URLSearchParams(Object.entries(req.query).filter(([k]) => k !== 'marker').map(([k, v]) => [k, String(Array.isArray(v) ? v[v.length - 1] : v)]));
        const body: Record<string, unknown> = { namespaces, first: `/v2/metadefs/namespaces${params.size ? `?${params}` : ''}`, schema: '/v2/schemas/metadefs/namespaces' };
        if (list.length > 0 && list.length === limit) { params.set('marker', list[list.length - 1]!.namespace); body.next = `/v2/metadefs/namespaces?${params}`; }
        return body;
      },
    },
    {
      method: 'POST', path: '/v2/metadefs/namespaces', policy: 'add_metadef_namespace',
      handler: async (req) => {
        const b = validateBody(req.body, schema('namespace'), 'namespace', READ_ONLY) as Record<string, any>;
        for (const p of Object.values(b.properties ?? {})) validateProperty(p);
        const now = new Date().toISOString();
        const ns: Namespace = {
          id: uuid(), namespace: b.namespace, display_name: b.display_name ?? null, description: b.description ?? null,
          visibility: b.visibility ?? 'private', protected: b.protected ?? false, owner: b.owner ?? req.ctx.projectId ?? null, created_at: now, updated_at: now,
        };
        await insertNamespace(db, ns);
        try {
          await createChildren(ns, b);
        } catch (err) {
          await db.deleteFrom('metadef_namespaces').where('id', '=', ns.id).execute();
          throw err;
        }
        return reply(201, await detail(ns), { Location: `${req.baseUrl}${nsBase(ns.namespace)}` });
      },
    },
    { method: 'GET', path: '/v2/metadefs/namespaces/:namespace', policy: 'get_metadef_namespace', target, handler: async (req) => detail(nsOf(req), one(req.query.resource_type)) },
    {
      method: 'PUT', path: '/v2/metadefs/namespaces/:namespace', policy: 'modify_metadef_namespace', target,
      handler: async (req) => {
        const b = validateBody(req.body, schema('namespace'), 'namespace', READ_ONLY) as Record<string, any>;
        const ns = nsOf(req);
        const values = {
          namespace: b.namespace, display_name: b.display_name ?? null, description: b.description ?? null,
          visibility: b.visibility ?? 'private', protected: b.protected ?? false, owner: b.owner ?? req.ctx.projectId ?? null,
        } as const;
        await updateNamespace(db, ns.id, values);
        return namespaceView({ ...ns, ...values, updated_at: new Date().toISOString() });
      },
    },
    {
      method: 'DELETE', path: '/v2/metadefs/namespaces/:namespace', policy: 'delete_metadef_namespace', target,
      handler: async (req) => { const ns = nsOf(req); assertUnprotected(ns); await db.deleteFrom('metadef_namespaces').where('id', '=', ns.id).execute(); },
    },
    ...(['objects', 'properties', 'tags'] as const).map((kind): Route => ({
      method: 'DELETE', path: `/v2/metadefs/namespaces/:namespace/${kind}`, policy: kind === 'tags' ? 'delete_metadef_tags' : 'delete_metadef_namespace', target,
      handler: async (req) => {
        const ns = nsOf(req);
        if (kind === 'tags') access.enforce('delete_metadef_namespace', nsTarget(ns), req.ctx);
        assertUnprotected(ns);
        await deleteItems(db, ns, kind === 'objects' ? 'object' : kind === 'properties' ? 'property' : 'tag');
      },
    })),
    // objects
    {
      method: 'GET', path: '/v2/metadefs/namespaces/:namespace/objects', policy: 'get_metadef_objects', target,
      handler: async (req) => ({ objects: (await listItems(db, nsOf(req), 'object')).map((o) => objectView(nsOf(req), o)), schema: '/v2/schemas/metadefs/objects' }),
    },
    {
      method: 'POST', path: '/v2/metadefs/namespaces/:namespace/objects', policy: 'add_metadef_object', target,
      handler: async (req) => {
        const { name, ...rest } = validateBody(req.body, schema('object'), 'object', READ_ONLY);
        for (const p of Object.values((rest.properties ?? {}) as object)) validateProperty(p);
        const ns = nsOf(req);
        return reply(201, objectView(ns, await insertItem(db, ns, 'object', name as string, rest)));
      },
    },
    {
      method: 'GET', path: '/v2/metadefs/namespaces/:namespace/objects/:name', policy: 'get_metadef_object', target,
      handler: async (req) => objectView(nsOf(req), await getItem(db, nsOf(req), 'object', req.params.name!)),
    },
    {
      method: 'PUT', path: '/v2/metadefs/namespaces/:namespace/objects/:name', policy: 'modify_metadef_object', target,
      handler: async (req) => {
        const { name, ...rest } = validateBody(req.body, schema('object'), 'object', READ_ONLY);
        const ns = nsOf(req);
        const item = await getItem(db, ns, 'object', req.params.name!);
        return objectView(ns, await updateItem(db, ns, 'object', item, name as string, rest));
      },
    },
    {
      method: 'DELETE', path: '/v2/metadefs/namespaces/:namespace/objects/:name', policy: 'delete_metadef_object', target,
      handler: async (req) => { const ns = nsOf(req); await getItem(db, ns, 'object', req.params.name!); await deleteItems(db, ns, 'object', req.params.name!); },
    },
    // properties
    {
      method: 'GET', path: '/v2/metadefs/namespaces/:namespace/properties', policy: 'get_metadef_properties', target,
      handler: async (req) => ({ properties: Object.fromEntries((await listItems(db, nsOf(req), 'property')).map((p) => [p.name, p.body])), schema: '/v2/schemas/metadefs/properties' }),
    },
    {
      method: 'POST', path: '/v2/metadefs/namespaces/:namespace/properties', policy: 'add_metadef_property', target,
      handler: async (req) => {
        const { name, ...rest } = validateBody(req.body, schema('property'), 'property', READ_ONLY);
        return reply(201, propertyView(await insertItem(db, nsOf(req), 'property', name as string, rest)));
      },
    },
    {
      method: 'GET', path: '/v2/metadefs/namespaces/:namespace/properties/:name', policy: 'get_metadef_property', target,
      handler: async (req) => {
        const ns = nsOf(req);
        let name = req.params.name!;
        let prefix = '';
        const rt = one(req.query.resource_type);
        if (rt) {
          access.enforce('get_metadef_resource_type', nsTarget(ns), req.ctx);
          prefix = (await associations(db, [ns.id])).get(ns.id)?.find((a) => a.name === rt)?.prefix ?? '';
          if (prefix && name.startsWith(prefix)) name = name.slice(prefix.length);
        }
        return propertyView(await getItem(db, ns, 'property', name), prefix);
      },
    },
    {
      method: 'PUT', path: '/v2/metadefs/namespaces/:namespace/properties/:name', policy: 'modify_metadef_property', target,
      handler: async (req) => {
        const { name, ...rest } = validateBody(req.body, schema('property'), 'property', READ_ONLY);
        const ns = nsOf(req);
        const item = await getItem(db, ns, 'property', req.params.name!);
        return propertyView(await updateItem(db, ns, 'property', item, name as string, rest));
      },
    },
    {
      method: 'DELETE', path: '/v2/metadefs/namespaces/:namespace/properties/:name', policy: 'remove_metadef_property', target,
      handler: async (req) => { const ns = nsOf(req); await getItem(db, ns, 'property', req.params.name!); await deleteItems(db, ns, 'property', req.params.name!); },
    },
    // tags
    {
      method: 'GET', path: '/v2/metadefs/namespaces/:namespace/tags', policy: 'get_metadef_tags', target,
      handler: async (req) => ({ tags: (await listItems(db, nsOf(req), 'tag')).map((t) => ({ name: t.name })) }),
    },
    {
      method: 'POST', path: '/v2/metadefs/namespaces/:namespace/tags', policy: 'add_metadef_tags', target,
      handler: async (req) => {
        const b = req.body as Record<string, unknown> | undefined;
        if (!b || typeof b !== 'object' || !Array.isArray(b.tags)) throw new BadRequest("Provided object does not match schema 'tags': 'tags' is a required property");
        const names = b.tags.map((t) => validateBody(t, schema('tag'), 'tag', READ_ONLY).name as string);
        if (new Set(names).size !== names.length) throw new BadRequest('Duplicate tags in request');
        const ns = nsOf(req);
        const append = ['1', 'true', 'yes', 'on', 'y'].includes(String(req.headers['x-openstack-append'] ?? '').toLowerCase());
        if (!append) await deleteItems(db, ns, 'tag');
        for (const n of names) await insertItem(db, ns, 'tag', n, {});
        return reply(201, { tags: names.map((name) => ({ name })) });
      },
    },
    {
      method: 'POST', path: '/v2/metadefs/namespaces/:namespace/tags/:name', policy: 'add_metadef_tag', target,
      handler: async (req) => {
        const name = validateBody({ name: req.params.name }, schema('tag'), 'tag', []).name as string;
        return reply(201, tagView(await insertItem(db, nsOf(req), 'tag', name, {})));
      },
    },
    {
      method: 'GET', path: '/v2/metadefs/namespaces/:namespace/tags/:name', policy: 'get_metadef_tag', target,
      handler: async (req) => tagView(await getItem(db, nsOf(req), 'tag', req.params.name!)),
    },
    {
      method: 'PUT', path: '/v2/metadefs/namespaces/:namespace/tags/:name', policy: 'modify_metadef_tag', target,
      handler: async (req) => {
        const { name } = validateBody(req.body, schema('tag'), 'tag', READ_ONLY);
        const ns = nsOf(req);
        const item = await getItem(db, ns, 'tag', req.params.name!);
        return tagView(await updateItem(db, ns, 'tag', item, name as string, {}));
      },
    },
    {
      method: 'DELETE', path: '/v2/metadefs/namespaces/:namespace/tags/:name', policy: 'delete_metadef_tag', target,
      handler: async (req) => { const ns = nsOf(req); await getItem(db, ns, 'tag', req.params.name!); await deleteItems(db, ns, 'tag', req.params.name!); },
    },
    // resource types
    {
      method: 'GET', path: '/v2/metadefs/resource_types', policy: 'list_metadef_resource_types', target: projectTarget,
      handler: async () => ({
        resource_types: (await db.selectFrom('metadef_resource_types').selectAll().orderBy('name').execute())
          .map((r) => ({ name: r.name, created_at: isoTime(r.created_at), updated_at: isoTime(r.updated_at) })),
      }),
    },
    {
      method: 'GET', path: '/v2/metadefs/namespaces/:namespace/resource_types', policy: 'list_metadef_resource_types', target,
      handler: async (req) => ({ resource_type_associations: ((await associations(db, [nsOf(req).id])).get(nsOf(req).id) ?? []).map(associationView) }),
    },
    {
      method: 'POST', path: '/v2/metadefs/namespaces/:namespace/resource_types', policy: 'add_metadef_resource_type_association', target,
      handler: async (req) => {
        const b = validateBody(req.body, schema('resource_type'), 'resource_type_association', READ_ONLY) as { name: string; prefix?: string; properties_target?: string };
        return reply(201, associationView(await associate(db, nsOf(req), b)));
      },
    },
    {
      method: 'DELETE', path: '/v2/metadefs/namespaces/:namespace/resource_types/:name', policy: 'remove_metadef_resource_type_association', target,
      handler: async (req) => {
        const ns = nsOf(req);
        const r = await db.deleteFrom('metadef_namespace_resource_types').where('namespace_id', '=', ns.id).where('resource_type', '=', req.params.name!).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw new NotFound(`Failed to find resource type ${req.params.name} in namespace ${ns.namespace}.`);
      },
    },
  ];
}
