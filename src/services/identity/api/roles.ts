// /v3/roles, /v3/roles/{prior}/implies[/{implied}] and /v3/role_inferences (keystone/api/roles.py,
// role_inferences.py). Keystone enforces get_domain_role & co. for domain roles; a route names
// one rule, so the global-role rule guards both (their defaults are the same).
import type { IdentityDeps } from '../deps.ts';
import { BadRequest } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import {
  createImpliedRole, createRole, deleteImpliedRole, deleteRole, getImpliedRole, getRole, listImpliedRules, listRoles, rolesById, updateRole,
  type Role,
} from '../service/roles.ts';
import { revokeRemovedAssignments } from '../service/assignments.ts';
import { collection, entity, links, s, splitExtra, wrap } from './common.ts';
import { applyInexactFilters, lastValue } from './list-filters.ts';

const KNOWN = ['id', 'name', 'domain_id', 'description', 'options'];

export function renderRole(req: ApiRequest, r: Role) {
  return { ...r.extra, id: r.id, name: r.name, domain_id: r.domainId, description: r.description, options: r.options, links: links(req, `roles/${r.id}`) };
}

/** {id, links, name}: how inference rules show a role. */
const brief = (req: ApiRequest, r: Role) => ({ id: r.id, links: links(req, `roles/${r.id}`), name: r.name });

const roleProps = {
  name: s.name, description: s.description, domain_id: s.idOrNull,
  options: { type: 'object', properties: { immutable: { type: ['boolean', 'null'] } }, additionalProperties: false },
};

/** Keystone's _normalize_dict: ':' and '-' in property names become '_'. */
const normalize = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[:-]/g, '_'), v]));

export function roleRoutes({ db, revocations }: IdentityDeps): Route[] {
  const target = async (req: ApiRequest) => ({ role: snake(await getRole(db, req.params.role_id!)) });
  const inferenceTarget = async (req: ApiRequest) => ({
    prior_role: snake(await getRole(db, req.params.prior_role_id!)),
    ...(req.params.implied_role_id ? { implied_role: snake(await getRole(db, req.params.implied_role_id)) } : {}),
  });
  const inference = async (req: ApiRequest, priorId: string, impliedId: string) => {
    await getImpliedRole(db, priorId, impliedId);
    const [prior, implied] = [await getRole(db, priorId), await getRole(db, impliedId)];
    return { role_inference: { prior_role: brief(req, prior), implies: brief(req, implied) }, links: links(req, `roles/${priorId}/implies/${impliedId}`) };
  };
  return [
    {
      method: 'POST', path: '/v3/roles', policy: 'identity:create_role',
      body: wrap('role', { type: 'object', properties: roleProps, required: ['name'] }),
      handler: async (req) => {
        const b = normalize(entity<Record<string, any>>(req, 'role')) as Record<string, any>;
        const r = await createRole(db, { name: b.name, domainId: b.domain_id ?? null, description: b.description, options: b.options, extra: splitExtra(b, KNOWN) });
        return reply(201, { role: renderRole(req, r) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/roles', policy: 'identity:list_roles',
      target: (req) => ({ domain_id: lastValue(req.query.domain_id) }),
      handler: async (req) => {
        // Without a domain_id filter Keystone lists the global roles only.
        const q = req.query;
        const roles = await listRoles(db, { name: lastValue(q.name), domainId: lastValue(q.domain_id) || null });
        return collection(req, 'roles', applyInexactFilters(roles, q, { name: (r) => r.name }).map((r) => renderRole(req, r)));
      },
    },
    { method: ['GET', 'HEAD'], path: '/v3/roles/:role_id', policy: 'identity:get_role', target, handler: async (req) => ({ role: renderRole(req, await getRole(db, req.params.role_id!)) }) },
    {
      method: 'PATCH', path: '/v3/roles/:role_id', policy: 'identity:update_role', target,
      body: wrap('role', { type: 'object', properties: roleProps, minProperties: 1 }),
      handler: async (req) => {
        const b = normalize(entity<Record<string, any>>(req, 'role')) as Record<string, any>;
        if (b.id !== undefined && b.id !== null && b.id !== req.params.role_id) throw new BadRequest('Cannot change ID');
        const patch: Record<string, any> = {};
        if ('name' in b) patch.name = b.name;
        if ('description' in b) patch.description = b.description;
        if ('domain_id' in b) patch.domainId = b.domain_id;
        if ('options' in b) patch.options = b.options;
        const extra = splitExtra(b, KNOWN);
        if (Object.keys(extra).length) patch.extra = extra;
        return { role: renderRole(req, await updateRole(db, req.params.role_id!, patch)) };
      },
    },
    {
      method: 'DELETE', path: '/v3/roles/:role_id', policy: 'identity:delete_role', target,
      handler: async (req) => {
        const removed = await deleteRole(db, req.params.role_id!);
        await revokeRemovedAssignments(revocations, req.params.role_id!, removed);
      },
    },
    // implied roles
    {
      method: ['GET', 'HEAD'], path: '/v3/roles/:prior_role_id/implies', policy: 'identity:list_implied_roles', target: inferenceTarget,
      handler: async (req) => {
        const priorId = req.params.prior_role_id!;
        const prior = await getRole(db, priorId);
        const rules = await listImpliedRules(db, priorId);
        const roles = await rolesById(db, rules.map((r) => r.impliedRoleId));
        const implies = rules.map((r) => roles.get(r.impliedRoleId)).filter((r): r is Role => !!r).map((r) => brief(req, r));
        return { role_inference: { prior_role: brief(req, prior), implies }, links: links(req, `roles/${priorId}/implies`) };
      },
    },
    {
      method: 'GET', path: '/v3/roles/:prior_role_id/implies/:implied_role_id', policy: 'identity:get_implied_role', target: inferenceTarget,
      handler: (req) => inference(req, req.params.prior_role_id!, req.params.implied_role_id!),
    },
    {
      // Keystone answers HEAD with 204 (its own note says that breaks the HTTP spec; kept for the contract).
      method: 'HEAD', path: '/v3/roles/:prior_role_id/implies/:implied_role_id', policy: 'identity:check_implied_role', target: inferenceTarget,
      handler: async (req) => { await getImpliedRole(db, req.params.prior_role_id!, req.params.implied_role_id!); return reply(204); },
    },
    {
      method: 'PUT', path: '/v3/roles/:prior_role_id/implies/:implied_role_id', policy: 'identity:create_implied_role', target: inferenceTarget,
      handler: async (req) => {
        await createImpliedRole(db, req.params.prior_role_id!, req.params.implied_role_id!);
        return reply(201, await inference(req, req.params.prior_role_id!, req.params.implied_role_id!));
      },
    },
    {
      method: 'DELETE', path: '/v3/roles/:prior_role_id/implies/:implied_role_id', policy: 'identity:delete_implied_role', target: inferenceTarget,
      handler: async (req) => { await deleteImpliedRole(db, req.params.prior_role_id!, req.params.implied_role_id!); },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/role_inferences', policy: 'identity:list_role_inference_rules',
      handler: async (req) => {
        const rules = await listImpliedRules(db);
        const roles = await rolesById(db, rules.flatMap((r) => [r.priorRoleId, r.impliedRoleId]));
        const byPrior = new Map<string, Role[]>();
        for (const r of rules) {
          const implied = roles.get(r.impliedRoleId);
          if (implied && roles.has(r.priorRoleId)) byPrior.set(r.priorRoleId, [...(byPrior.get(r.priorRoleId) ?? []), implied]);
        }
        const inferences = [...byPrior].map(([priorId, implied]) => ({ prior_role: brief(req, roles.get(priorId)!), implies: implied.map((r) => brief(req, r)) }));
        return { role_inferences: inferences };
      },
    },
  ];
}

/** The role as policy rules see it (target.role.domain_id …). */
const snake = (r: Role) => ({ id: r.id, name: r.name, domain_id: r.domainId, description: r.description, options: r.options });
