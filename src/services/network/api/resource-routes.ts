// The five routes every Neutron resource has (list, create incl. bulk, show, update, delete)
// plus its /tags routes, built from a resource's attribute map and its service functions.
// Policy as Neutron: <action>_<resource> on the route, <action>_<resource>:<attribute> for
// each attribute a request sets, get_<resource>:<attribute> hides attributes in responses.
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { httpBadRequest, notFound } from '../errors.ts';
import { authorizeAttributes, callerOf, type Caller, type NetPolicy } from '../service/caller.ts';
import { addTag, hasTag, listTags, removeAllTags, removeTag, replaceTags, validateTag } from '../service/tags.ts';
import type { Row } from '../service/std.ts';
import type { Net } from '../service/net.ts';
import { createItems, prepareCreate, prepareUpdate, requestedProject, updateItem, type AttrMap, type Body } from './attributes.ts';
import { filterItems, hide, paginate, parseListQuery, project, type Item, type ListQuery } from './listing.ts';

export interface Loaded { row: Row; target: Record<string, unknown> }

export interface ResourceApi {
  resource: string;
  collection: string;
  /** URL segment under /v2.0 (security-groups for security_groups). */
  path: string;
  table: string;
  attrs: AttrMap;
  customFilters?: string[];
  bulk?: boolean;
  tags?: boolean;
  list(caller: Caller, q: ListQuery): Promise<Item[]>;
  load(caller: Caller, id: string): Promise<Loaded>;
  show(caller: Caller, loaded: Loaded): Promise<Item>;
  notFound(id: string): Error;
  /** The policy target of a create: the item with its project, plus parent keys. */
  createTarget?(caller: Caller, values: Body): Promise<Record<string, unknown>>;
  create(caller: Caller, items: Body[]): Promise<Item[]>;
  /** The target attribute policies of an update see (default: the loaded target with the new values). */
  attrTarget?(target: Record<string, unknown>, values: Body): Record<string, unknown>;
  update?(caller: Caller, loaded: Loaded, values: Body, ifMatch?: number): Promise<Item>;
  remove?(caller: Caller, loaded: Loaded, ifMatch?: number): Promise<void>;
}

/** `If-Match: revision_number=N` (the revision-if-match extension). */
export function ifMatch(req: ApiRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined) return undefined;
  const m = /^\s*revision_number=(\d+)\s*$/.exec(String(h).split(',')[0]!);
  if (!m) throw httpBadRequest(`Invalid If-Match header value '${h}': only 'revision_number=<int>' is supported`);
  return Number(m[1]);
}

/**
 * The target list calls and attribute visibility are checked against: "your own project's
 * resource", with every parent-owner key Neutron's rules use set to the caller's project.
 */
export function ownTarget(projectId: string | undefined): Record<string, unknown> {
  const p = projectId ?? '';
  return { project_id: p, tenant_id: p, 'network:project_id': p, 'security_group:project_id': p, 'ext_parent:project_id': p };
}

/** Attributes of `resource` the caller may not see. */
export function hiddenFor(policy: NetPolicy, caller: Caller, resource: string, attrs: AttrMap): string[] {
  const own = ownTarget(caller.projectId);
  return Object.keys(attrs).filter((a) => {
    const rule = `get_${resource}:${a}`;
    return policy.isRegistered(rule) && !policy.allowed(rule, own, caller.ctx);
  });
}

/** Names a request sets, with sub-keys of dicts and lists of dicts (fixed_ips:ip_address…). */
export function explicitNames(values: Body, explicit: Set<string>): string[] {
  const out: string[] = [];
  for (const name of explicit) {
    out.push(name);
    const v = values[name];
    const dicts = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : [];
    const keys = new Set<string>();
    for (const d of dicts) if (d && typeof d === 'object' && !Array.isArray(d)) for (const k of Object.keys(d)) keys.add(k);
    for (const k of keys) out.push(`${name}:${k}`);
  }
  return out;
}

export function resourceRoutes(net: Net, api: ResourceApi): Route[] {
  const policy = net.policy;
  const base = `/v2.0/${api.path}`;
  const callers = new WeakMap<object, Caller>();
  const caller = (req: ApiRequest) => {
    let c = callers.get(req.raw);
    if (!c) { c = callerOf(req.ctx, policy); callers.set(req.raw, c); }
    return c;
  };
  const loaded = new WeakMap<object, Loaded>();
  const load = async (req: ApiRequest) => {
    const l = await api.load(caller(req), req.params.id!);
    loaded.set(req.raw, l);
    return l.target;
  };
  const got = async (req: ApiRequest) => loaded.get(req.raw) ?? await api.load(caller(req), req.params.id!);

  interface Planned { values: Body; target: Record<string, unknown>; names: string[] }
  const planned = new WeakMap<object, Planned[]>();
  const plan = async (req: ApiRequest): Promise<Planned[]> => {
    const c = caller(req);
    const out: Planned[] = [];
    for (const item of createItems(req.body, api.resource, api.collection, api.bulk !== false)) {
      const p = prepareCreate(api.attrs, item);
      const projectId = requestedProject(p.values, c.projectId, c.isAdmin || c.isService);
      const values = { ...p.values, project_id: projectId, tenant_id: projectId };
      const target = api.createTarget ? await api.createTarget(c, values) : { project_id: projectId, tenant_id: projectId };
      out.push({ values, target, names: explicitNames(values, p.explicit).filter((n) => n !== 'project_id' && n !== 'tenant_id') });
    }
    planned.set(req.raw, out);
    return out;
  };

  const routes: Route[] = [
    {
      method: 'GET', path: base, policy: `get_${api.resource}`, target: (req) => ownTarget(req.ctx.projectId),
      handler: async (req) => {
        const c = caller(req);
        const q = parseListQuery(api.attrs, req.query, api.customFilters);
        const items = filterItems(await api.list(c, q), q);
        const hidden = hiddenFor(policy, c, api.resource, api.attrs);
        const page = paginate(items, q, `${req.baseUrl}${base}`, req.query, api.notFound);
        return {
          [api.collection]: page.items.map((i) => project(hide(i, hidden), q.fields)),
          ...(page.links ? { [`${api.collection}_links`]: page.links } : {}),
        };
      },
    },
    {
      method: 'POST', path: base, policy: `create_${api.resource}`,
      target: async (req) => (await plan(req))[0]!.target,
      handler: async (req) => {
        const c = caller(req);
        const items = planned.get(req.raw) ?? await plan(req);
        items.forEach((it, i) => {
          if (i > 0) policy.authorize(`create_${api.resource}`, it.target, req.ctx);
          authorizeAttributes(c, `create_${api.resource}`, it.names, it.target);
        });
        const isBulk = api.bulk !== false && !!req.body && typeof req.body === 'object' && api.collection in (req.body as object);
        const created = await api.create(c, items.map((i) => i.values));
        const hidden = hiddenFor(policy, c, api.resource, api.attrs);
        const shown = created.map((x) => hide(x, hidden));
        return reply(201, isBulk ? { [api.collection]: shown } : { [api.resource]: shown[0] });
      },
    },
    {
      method: 'GET', path: `${base}/:id`, policy: `get_${api.resource}`, target: load,
      handler: async (req) => {
        const c = caller(req);
        const fields = [req.query.fields ?? []].flat().flatMap((f: string) => String(f).split(',')).filter(Boolean);
        const item = hide(await api.show(c, await got(req)), hiddenFor(policy, c, api.resource, api.attrs));
        return { [api.resource]: project(item, fields.length ? fields : undefined) };
      },
    },
  ];
  if (api.update) {
    const update = api.update;
    routes.push({
      method: 'PUT', path: `${base}/:id`, policy: `update_${api.resource}`, target: load,
      handler: async (req) => {
        const c = caller(req);
        const l = await got(req);
        const p = prepareUpdate(api.attrs, updateItem(req.body, api.resource));
        authorizeAttributes(c, `update_${api.resource}`, explicitNames(p.values, p.explicit), api.attrTarget ? api.attrTarget(l.target, p.values) : { ...l.target, ...p.values });
        const item = await update(c, l, p.values, ifMatch(req));
        return { [api.resource]: hide(item, hiddenFor(policy, c, api.resource, api.attrs)) };
      },
    });
  }
  if (api.remove) {
    const remove = api.remove;
    routes.push({
      method: 'DELETE', path: `${base}/:id`, policy: `delete_${api.resource}`, target: load,
      handler: async (req) => { await remove(caller(req), await got(req), ifMatch(req)); },
    });
  }
  if (api.tags) routes.push(...tagRoutes(net, api, load, got));
  return routes;
}

function tagRoutes(net: Net, api: ResourceApi, load: (req: ApiRequest) => Promise<Record<string, unknown>>, got: (req: ApiRequest) => Promise<Loaded>): Route[] {
  const base = `/v2.0/${api.path}/:id/tags`;
  const get = `get_${api.resource}`; const upd = `update_${api.resource}`;
  return [
    { method: 'GET', path: base, policy: get, target: load, handler: async (req) => ({ tags: await listTags(net.db, (await got(req)).row.id) }) },
    {
      method: 'GET', path: `${base}/:tag`, policy: get, target: load,
      handler: async (req) => {
        const id = (await got(req)).row.id;
        if (!await hasTag(net.db, id, req.params.tag!)) throw notFound('TagNotFound', `Tag ${req.params.tag} could not be found for ${api.resource} ${id}.`);
        return undefined;
      },
    },
    {
      method: 'PUT', path: base, policy: upd, target: load,
      handler: async (req) => {
        const body = req.body as { tags?: unknown } | undefined;
        if (!body || !Array.isArray(body.tags)) throw httpBadRequest("Invalid input for tags. Reason: 'tags' must be a list of strings.");
        const tags = body.tags.map(validateTag);
        return { tags: await replaceTags(net.db, api.table, (await got(req)).row.id, tags) };
      },
    },
    {
      method: 'PUT', path: `${base}/:tag`, policy: upd, target: load,
      handler: async (req) => { await addTag(net.db, api.table, (await got(req)).row.id, validateTag(req.params.tag)); return reply(201); },
    },
    { method: 'DELETE', path: base, policy: upd, target: load, handler: async (req) => { await removeAllTags(net.db, api.table, (await got(req)).row.id); } },
    { method: 'DELETE', path: `${base}/:tag`, policy: upd, target: load, handler: async (req) => { await removeTag(net.db, api.table, (await got(req)).row.id, req.params.tag!, api.resource); } },
  ];
}
