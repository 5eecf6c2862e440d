// /v3/OS-TRUST/trusts (keystone/api/trusts.py): create, list, show, delete, and the trust's roles.
import type { IdentityDeps } from '../deps.ts';
import { NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Method, type Route } from '../../../lib/http/routes.ts';
import { getRole, rolesById, type Role } from '../service/roles.ts';
import { assertNotRestrictedAppCred, createTrust, deleteTrust, getTrust, listTrusts, type Trust, type TrustRequest } from '../service/trusts.ts';
import { collection, splitExtra } from './common.ts';
import { lastValue } from './list-filters.ts';
import { renderRole } from './roles.ts';

const KNOWN = ['id', 'trustor_user_id', 'trustee_user_id', 'impersonation', 'project_id', 'remaining_uses', 'expires_at',
  'allow_redelegation', 'redelegation_count', 'roles', 'deleted_at', 'redelegated_trust_id'];

const externalId = { type: 'string', minLength: 1, maxLength: 64 };
const idString = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' };
const trustCreate = {
  type: 'object',
  properties: {
    trust: {
      type: 'object',
      properties: {
        trustor_user_id: externalId, trustee_user_id: externalId, impersonation: { type: 'boolean' },
        project_id: { ...idString, type: ['string', 'null'] },
        remaining_uses: { type: ['integer', 'null'], minimum: 1 },
        expires_at: { type: ['null', 'string'] },
        allow_redelegation: { type: ['boolean', 'null'] },
        redelegation_count: { type: ['integer', 'null'], minimum: 0 },
        roles: {
          type: 'array',
          items: { type: 'object', properties: { id: idString, name: { type: 'string', minLength: 1, maxLength: 255, pattern: '[\\S]+' } }, minProperties: 1, maxProperties: 1, additionalProperties: false },
        },
      },
      required: ['trustor_user_id', 'trustee_user_id', 'impersonation'],
    },
  },
  required: ['trust'],
};

/** Keystone's isotime(subsecond=True): microseconds always rendered as zero. */
const isotime = (iso: string | null) => (iso === null ? null : new Date(iso).toISOString().replace(/\.\d{3}Z$/, '.000000Z'));

/** A trust as Keystone renders it; `roles` given for show/create, left out of lists. */
export function renderTrust(req: ApiRequest, t: Trust, roles?: Role[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...t.extra, id: t.id, trustor_user_id: t.trustor_user_id, trustee_user_id: t.trustee_user_id, project_id: t.project_id,
    impersonation: t.impersonation, expires_at: isotime(t.expires_at), remaining_uses: t.remaining_uses, deleted_at: t.deleted_at,
    redelegated_trust_id: t.redelegated_trust_id, redelegation_count: t.redelegation_count,
  };
  if (roles) {
    out.roles = roles.map((r) => renderRole(req, r));
    // Keystone builds this link as base_url('/<id>/roles'), without OS-TRUST/trusts; kept as it renders it.
    out.roles_links = { self: `${req.baseUrl}/v3/${t.id}/roles`, next: null, previous: null };
  }
  out.links = { self: `${req.baseUrl}/v3/OS-TRUST/trusts/${t.id}` };
  return out;
}

/** The trust's roles that still exist, in the trust's order. */
async function trustRoleObjects(deps: IdentityDeps, t: Trust): Promise<Role[]> {
  const roles = await rolesById(deps.db, t.roles.map((r) => r.id));
  return t.roles.map((r) => roles.get(r.id)).filter((r): r is Role => !!r);
}

const policyView = (t: Trust) => ({ id: t.id, trustor_user_id: t.trustor_user_id, trustee_user_id: t.trustee_user_id, project_id: t.project_id });
const callerOf = (req: ApiRequest) => ({ userId: req.ctx.userId, trustId: req.ctx.trustId, appCredId: req.ctx.appCredId });

export function trustRoutes(deps: IdentityDeps): Route[] {
  const { db, revocations } = deps;
  // A missing, expired or used-up trust is a 404 before any policy check (lp#1840288).
  const target = async (req: ApiRequest) => ({ trust: policyView(await getTrust(db, req.params.trust_id!)) });
  return [
    {
      method: 'POST', path: '/v3/OS-TRUST/trusts', policy: 'identity:create_trust',
      target: (req) => ({ trust: (req.body as any)?.trust ?? {} }),
      body: trustCreate,
      handler: async (req) => {
        const b = (req.body as { trust: Record<string, any> }).trust;
        const t = await createTrust(db, { ...(b as TrustRequest), extra: splitExtra(b, KNOWN) }, callerOf(req));
        return reply(201, { trust: renderTrust(req, t, await trustRoleObjects(deps, t)) });
      },
    },
    {
      method: ['GET', 'HEAD'] as Method[], path: '/v3/OS-TRUST/trusts',
      // Keystone picks list_trusts_for_trustor, …_for_trustee or list_trusts from the query;
      // this rule dispatches on target.filter.
      policy: 'stratus:identity:list_trusts',
      target: (req) => {
        const q = { trustor_user_id: lastValue(req.query.trustor_user_id), trustee_user_id: lastValue(req.query.trustee_user_id) };
        if (q.trustor_user_id) return { filter: 'trustor', trust: { trustor_user_id: q.trustor_user_id } };
        if (q.trustee_user_id) return { filter: 'trustee', trust: { trustee_user_id: q.trustee_user_id } };
        return { filter: 'all' };
      },
      handler: async (req) => {
        const q = { trustor_user_id: lastValue(req.query.trustor_user_id), trustee_user_id: lastValue(req.query.trustee_user_id) };
        let trusts: Trust[] = [];
        if (!Object.keys(req.query).length) trusts = await listTrusts(db);
        else if (q.trustor_user_id) trusts = await listTrusts(db, { trustorUserId: q.trustor_user_id });
        else if (q.trustee_user_id) trusts = await listTrusts(db, { trusteeUserId: q.trustee_user_id });
        return collection(req, 'trusts', trusts.map((t) => renderTrust(req, t)));
      },
    },
    {
      method: ['GET', 'HEAD'] as Method[], path: '/v3/OS-TRUST/trusts/:trust_id', policy: 'identity:get_trust', target,
      handler: async (req) => {
        const t = await getTrust(db, req.params.trust_id!);
        return { trust: renderTrust(req, t, await trustRoleObjects(deps, t)) };
      },
    },
    {
      method: 'DELETE', path: '/v3/OS-TRUST/trusts/:trust_id', policy: 'identity:delete_trust', target,
      handler: async (req) => {
        await assertNotRestrictedAppCred(db, callerOf(req));
        await deleteTrust(db, revocations, req.params.trust_id!);
      },
    },
    {
      method: ['GET', 'HEAD'] as Method[], path: '/v3/OS-TRUST/trusts/:trust_id/roles', policy: 'identity:list_roles_for_trust', target,
      handler: async (req) => {
        const t = await getTrust(db, req.params.trust_id!);
        const body = renderTrust(req, t, await trustRoleObjects(deps, t));
        return { roles: body.roles, links: body.roles_links };
      },
    },
    {
      method: ['GET', 'HEAD'] as Method[], path: '/v3/OS-TRUST/trusts/:trust_id/roles/:role_id', policy: 'identity:get_role_for_trust', target,
      handler: async (req) => {
        const t = await getTrust(db, req.params.trust_id!);
        const roleId = req.params.role_id!;
        if (!t.roles.some((r) => r.id === roleId)) throw new NotFound(`Could not find role: ${roleId}.`, { type: 'role' });
        return { role: renderRole(req, await getRole(db, roleId)) };
      },
    },
  ];
}
