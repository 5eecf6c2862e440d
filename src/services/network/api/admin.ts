// /v2.0/rbac-policies, /v2.0/quotas, /v2.0/agents and /v2.0/availability_zones.
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { httpBadRequest, notFound } from '../errors.ts';
import { agentRow, deleteAgent, isAlive, listAgents, renderAgent, updateAgent } from '../service/agents.ts';
import { callerOf } from '../service/caller.ts';
import { QUOTA_RESOURCES, limitsOf, projectsWithLimits, resetLimits, setLimits, usage } from '../service/quotas.ts';
import { createRbac, deleteRbac, getRbacRow, listRbac, renderRbac, updateRbac } from '../service/rbac.ts';
import { DHCP_AGENT, L3_AGENT } from '../service/scheduling.ts';
import type { Net } from '../service/net.ts';
import type { Row } from '../service/std.ts';
import { createItems, prepareCreate, prepareUpdate, requestedProject, updateItem, type AttrMap } from './attributes.ts';
import { filterItems, paginate, parseListQuery, project } from './listing.ts';
import * as v from './validators.ts';

const rbacAttrs: AttrMap = {
  id: { filter: 'string', sort: true },
  project_id: { post: true, filter: 'string', sort: true },
  tenant_id: { post: true, filter: 'string', sort: true },
  object_type: { post: true, required: true, validate: v.values(['network']), filter: 'string', sort: true },
  object_id: { post: true, required: true, validate: v.uuid, filter: 'string', sort: true },
  action: { post: true, required: true, validate: v.values(['access_as_shared', 'access_as_external']), filter: 'string', sort: true },
  target_tenant: { post: true, put: true, validate: v.string(255), filter: 'string', sort: true },
  target_project: { post: true, put: true, validate: v.string(255), filter: 'string', sort: true },
};

function rbacRoutes(net: Net): Route[] {
  const caller = (req: ApiRequest) => callerOf(req.ctx, net.policy);
  const load = async (req: ApiRequest) => {
    const row = await getRbacRow(net, caller(req), req.params.id!);
    return { project_id: row.project_id, tenant_id: row.project_id, row };
  };
  const target = (b: Record<string, unknown>) => (b.target_project ?? b.target_tenant) as string | undefined;
  return [
    {
      method: 'GET', path: '/v2.0/rbac-policies', policy: 'get_rbac_policy', target: (req) => ({ project_id: req.ctx.projectId ?? '' }),
      handler: async (req) => {
        const q = parseListQuery(rbacAttrs, req.query);
        const page = paginate(filterItems(await listRbac(net, caller(req)), q), q, `${req.baseUrl}/v2.0/rbac-policies`, req.query, (id) => notFound('RbacPolicyNotFound', `RBAC policy ${id} not found`));
        return { rbac_policies: page.items.map((i) => project(i, q.fields)), ...(page.links ? { rbac_policies_links: page.links } : {}) };
      },
    },
    {
      method: 'POST', path: '/v2.0/rbac-policies', policy: 'create_rbac_policy',
      target: (req) => {
        const c = caller(req);
        const b = prepareCreate(rbacAttrs, createItems(req.body, 'rbac_policy', '', false)[0]!).values;
        const projectId = requestedProject(b, c.projectId, c.isAdmin);
        const t = target(b);
        if (!t) throw httpBadRequest("Failed to parse request. Required attribute 'target_tenant' not specified");
        return { project_id: projectId, tenant_id: projectId, target_is_wildcard: t === '*', body: { ...b, project_id: projectId, target_project: t } };
      },
      handler: async (req) => {
        const c = caller(req);
        net.policy.authorize('create_rbac_policy:target_tenant', req.target, req.ctx);
        const b = req.target.body as any;
        return reply(201, { rbac_policy: await createRbac(net, c, b) });
      },
    },
    { method: 'GET', path: '/v2.0/rbac-policies/:id', policy: 'get_rbac_policy', target: load, handler: (req) => ({ rbac_policy: renderRbac(req.target.row as Row) }) },
    {
      method: 'PUT', path: '/v2.0/rbac-policies/:id', policy: 'update_rbac_policy', target: load,
      handler: async (req) => {
        const b = prepareUpdate(rbacAttrs, updateItem(req.body, 'rbac_policy')).values;
        const t = target(b);
        if (!t) throw httpBadRequest('Only target_tenant can be updated');
        net.policy.authorize('update_rbac_policy:target_tenant', { ...req.target, target_is_wildcard: t === '*' }, req.ctx);
        return { rbac_policy: await updateRbac(net, req.target.row as Row, t) };
      },
    },
    { method: 'DELETE', path: '/v2.0/rbac-policies/:id', policy: 'delete_rbac_policy', target: load, handler: async (req) => { await deleteRbac(net, req.target.row as Row); } },
  ];
}

function quotaRoutes(net: Net): Route[] {
  const quotaOf = (projectId: string, limits: Record<string, number>) => ({ ...Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, limits[r]])), project_id: projectId, tenant_id: projectId });
  const quotaDetails = async (req: ApiRequest) => {
    const p = String(req.target.project_id);
    const limits = await limitsOf(net, net.db, p);
    const out: Record<string, unknown> = {};
    for (const r of QUOTA_RESOURCES) out[r] = { limit: limits[r], used: await usage(net.db, p, r), reserved: 0 };
    return { quota: out };
  };
  const projectTarget = (req: ApiRequest) => {
    const id = req.params.project_id === 'tenant' ? req.ctx.projectId ?? '' : req.params.project_id!;
    return { project_id: id, tenant_id: id };
  };
  return [
    {
      method: 'GET', path: '/v2.0/quotas', policy: 'get_quota', target: (req) => ({ project_id: req.ctx.projectId ?? '' }),
      handler: async (req) => {
        const c = callerOf(req.ctx, net.policy);
        const projects = (await projectsWithLimits(net.db)).filter((p) => c.isAdmin || p === c.projectId);
        return { quotas: await Promise.all(projects.map(async (p) => ({ ...quotaOf(p, await limitsOf(net, net.db, p)) }))) };
      },
    },
    { method: 'GET', path: '/v2.0/quotas/:project_id', policy: 'get_quota', target: projectTarget, handler: async (req) => ({ quota: stripProject(quotaOf(String(req.target.project_id), await limitsOf(net, net.db, String(req.target.project_id)))) }) },
    { method: 'GET', path: '/v2.0/quotas/:project_id/default', policy: 'get_quota', target: projectTarget, handler: (req) => ({ quota: stripProject(quotaOf(String(req.target.project_id), net.settings.quotaDefaults)) }) },
    {
      // Tempest (and the old neutronclient) ask for details.json: Neutron accepts a .json suffix.
      method: 'GET', path: '/v2.0/quotas/:project_id/details', policy: 'get_quota', target: projectTarget,
      handler: (req) => quotaDetails(req),
    },
    { method: 'GET', path: '/v2.0/quotas/:project_id/details.json', policy: 'get_quota', target: projectTarget, handler: (req) => quotaDetails(req) },
    {
      method: 'PUT', path: '/v2.0/quotas/:project_id', policy: 'update_quota', target: projectTarget,
      handler: async (req) => {
        const body = (req.body as { quota?: Record<string, unknown> } | undefined)?.quota;
        if (!body || typeof body !== 'object') throw httpBadRequest("Unable to find 'quota' in request body");
        const limits: Record<string, number> = {};
        for (const [k, val] of Object.entries(body)) {
          if (k === 'project_id' || k === 'tenant_id' || k === 'force' || k === 'check_limit') continue;
          if (!(QUOTA_RESOURCES as readonly string[]).includes(k)) throw httpBadRequest(`Unrecognized attribute(s) '${k}'`);
          const n = v.toInt(val);
          if (n < -1) throw httpBadRequest(`Invalid input for ${k}. Reason: '${n}' is too small - must be at least '-1'.`);
          limits[k] = n;
        }
        const p = String(req.target.project_id);
        await setLimits(net.db, p, limits);
        return { quota: stripProject(quotaOf(p, await limitsOf(net, net.db, p))) };
      },
    },
    {
      method: 'DELETE', path: '/v2.0/quotas/:project_id', policy: 'delete_quota', target: projectTarget,
      handler: async (req) => {
        const p = String(req.target.project_id);
        if (!await resetLimits(net.db, p)) throw notFound('ProjectQuotaNotFound', `Quota for project ${p} could not be found.`);
      },
    },
  ];
}

/** Single-project quota documents carry only the resources (as Neutron's). */
const stripProject = (q: Record<string, unknown>) => { const { project_id: _p, tenant_id: _t, ...rest } = q; return rest; };

const agentAttrs: AttrMap = {
  id: { filter: 'string', sort: true }, agent_type: { filter: 'string', sort: true }, binary: { filter: 'string', sort: true },
  topic: { filter: 'string' }, host: { filter: 'string', sort: true }, admin_state_up: { put: true, convert: v.toBoolean, filter: 'bool' },
  alive: { filter: 'bool' }, availability_zone: { filter: 'string' }, description: { put: true, validate: v.stringOrNull(255), filter: 'string' },
};

function agentRoutes(net: Net): Route[] {
  const load = async (req: ApiRequest) => {
    const c = callerOf(req.ctx, net.policy);
    const row = await agentRow(net.db, req.params.id!);
    if (!net.policy.allowed('get_agent', { project_id: req.ctx.projectId ?? '' }, c.ctx)) throw notFound('AgentNotFound', `Agent ${req.params.id} could not be found.`);
    return { row };
  };
  return [
    {
      // Listing is open; as in Neutron, the get_agent rule filters the result (non-admins see none).
      method: 'GET', path: '/v2.0/agents', policy: 'regular_user',
      handler: async (req) => {
        const q = parseListQuery(agentAttrs, req.query);
        const ok = net.policy.allowed('get_agent', { project_id: req.ctx.projectId ?? '' }, req.ctx);
        const items = ok ? filterItems(await listAgents(net), q) : [];
        return { agents: items.map((i) => project(i, q.fields)) };
      },
    },
    { method: 'GET', path: '/v2.0/agents/:id', policy: 'regular_user', target: load, handler: (req) => ({ agent: renderAgent(net, req.target.row as Row) }) },
    {
      method: 'PUT', path: '/v2.0/agents/:id', policy: 'update_agent', target: load,
      handler: async (req) => ({ agent: await updateAgent(net, req.target.row as Row, prepareUpdate(agentAttrs, updateItem(req.body, 'agent')).values) }),
    },
    { method: 'DELETE', path: '/v2.0/agents/:id', policy: 'delete_agent', target: load, handler: async (req) => { await deleteAgent(net, req.target.row as Row); } },
    {
      method: 'GET', path: '/v2.0/availability_zones', policy: 'get_availability_zone', target: (req) => ({ project_id: req.ctx.projectId ?? '' }),
      handler: async () => {
        const rows = await net.db.selectFrom('agents').selectAll().where('agent_type', 'in', [DHCP_AGENT, L3_AGENT]).execute();
        const zones = new Map<string, { name: string; resource: string; state: string }>();
        for (const r of rows) {
          const name = r.availability_zone ?? 'nova';
          const resource = r.agent_type === DHCP_AGENT ? 'network' : 'router';
          const key = `${name}|${resource}`;
          const up = isAlive(net, r) && !!r.admin_state_up;
          if (!zones.has(key) || up) zones.set(key, { name, resource, state: up ? 'available' : 'unavailable' });
        }
        return { availability_zones: [...zones.values()] };
      },
    },
  ];
}

export function adminRoutes(net: Net): Route[] {
  return [...rbacRoutes(net), ...quotaRoutes(net), ...agentRoutes(net)];
}
