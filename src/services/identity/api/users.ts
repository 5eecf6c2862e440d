// /v3/users, /v3/users/{id}/password, /v3/users/{id}/projects, /v3/users/{id}/groups
import type { IdentityDeps } from '../deps.ts';
import { NotFound } from '../../../lib/errors.ts';
import { PUBLIC, reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import {
  changePassword, createUser, deleteUser, getUser, listUserProjectIds, listUsers, parseTimeFilter, updateUser,
} from '../service/users.ts';
import { userOptionsSchema } from '../service/password-policy.ts';
import { listGroups } from '../service/groups.ts';
import { DEFAULT_DOMAIN, listProjects } from '../service/projects.ts';
import { boolFilter, collection, entity, splitExtra, wrap } from './common.ts';
import { renderProject } from './projects.ts';
import { idString, renderGroup, renderUser, userTarget } from './identity-render.ts';
import { applyInexactFilters, lastValue } from './list-filters.ts';

// Keystone keeps every other property in `extra`; these it knows (or ignores: id, links, federated).
const KNOWN = ['id', 'name', 'domain_id', 'enabled', 'default_project_id', 'password', 'options', 'password_expires_at', 'federated', 'links'];

// keystone/identity/schema.py
const identityName = { type: 'string', minLength: 1, maxLength: 255, pattern: '[\\S]+' };
const userProperties = {
  default_project_id: { ...idString, type: ['string', 'null'] },
  description: { type: ['string', 'null'] },
  domain_id: idString,
  enabled: { type: 'boolean' },
  federated: { type: 'array' },
  name: identityName,
  password: { type: ['string', 'null'] },
  options: userOptionsSchema,
};
const userCreate = { type: 'object', properties: userProperties, required: ['name'] };
const userUpdate = { type: 'object', properties: userProperties, minProperties: 1 };
const passwordChange = {
  type: 'object', required: ['user'],
  properties: { user: { type: 'object', properties: { original_password: { type: 'string' }, password: { type: 'string' } }, required: ['original_password', 'password'], additionalProperties: false } },
};

export function userRoutes({ db, config, revocations }: IdentityDeps): Route[] {
  // As Keystone, an unknown user leaves the target empty: admins then get the 404, others a 403.
  const target = async (req: ApiRequest) => {
    const user = await getUser(db, req.params.user_id!).catch((e) => { if (e instanceof NotFound) return undefined; throw e; });
    return user ? { user: userTarget(user) } : {};
  };
  return [
    {
      method: ['GET', 'HEAD'], path: '/v3/users', policy: 'identity:list_users',
      target: (req) => (req.ctx.domainId ? { domain_id: req.ctx.domainId } : {}),
      handler: async (req) => {
        const q = req.query;
        const expires = lastValue(q.password_expires_at);
        let users = await listUsers(db, {
          name: lastValue(q.name), domainId: req.ctx.domainId ?? lastValue(q.domain_id), enabled: boolFilter(lastValue(q.enabled)),
          passwordExpiresAt: expires !== undefined ? parseTimeFilter(expires) : undefined,
        });
        // A domain-scoped caller sees only their domain's users, whatever they filter on.
        if (req.ctx.domainId && q.domain_id !== undefined && lastValue(q.domain_id) !== req.ctx.domainId) users = [];
        users = applyInexactFilters(users, q, { name: (u) => u.name, domain_id: (u) => u.domainId });
        return collection(req, 'users', users.map((u) => renderUser(req, u)));
      },
    },
    {
      method: 'POST', path: '/v3/users', policy: 'identity:create_user',
      target: (req) => ({ user: (req.body as any)?.user ?? {} }),
      body: wrap('user', userCreate),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'user');
        const user = await createUser(db, config, {
          name: b.name, domainId: b.domain_id ?? req.ctx.domainId ?? DEFAULT_DOMAIN, enabled: b.enabled,
          defaultProjectId: b.default_project_id, password: b.password, options: b.options, extra: splitExtra(b, KNOWN),
        });
        return reply(201, { user: renderUser(req, user) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id', policy: 'identity:get_user', target,
      handler: async (req) => ({ user: renderUser(req, await getUser(db, req.params.user_id!)) }),
    },
    {
      method: 'PATCH', path: '/v3/users/:user_id', policy: 'identity:update_user', target,
      body: wrap('user', userUpdate),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'user');
        const extra = splitExtra(b, KNOWN);
        const user = await updateUser(db, config, req.params.user_id!, {
          id: b.id, name: b.name, domainId: b.domain_id, enabled: b.enabled, defaultProjectId: b.default_project_id,
          password: b.password, options: b.options, extra: Object.keys(extra).length ? extra : undefined,
        }, revocations);
        return { user: renderUser(req, user) };
      },
    },
    {
      method: 'DELETE', path: '/v3/users/:user_id', policy: 'identity:delete_user', target,
      handler: async (req) => { await deleteUser(db, req.params.user_id!, revocations); },
    },
    {
      // Keystone does not enforce policy here: a user whose password expired has no token.
      method: 'POST', path: '/v3/users/:user_id/password', policy: PUBLIC, body: passwordChange,
      handler: async (req) => {
        const b = entity<{ original_password: string; password: string }>(req, 'user');
        await changePassword(db, config, req.params.user_id!, b.original_password, b.password, revocations);
        return reply(204);
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id/projects', policy: 'identity:list_user_projects', target,
      handler: async (req) => {
        await getUser(db, req.params.user_id!);
        const q = req.query;
        const ids = await listUserProjectIds(db, req.params.user_id!);
        let projects = await listProjects(db, { ids, name: lastValue(q.name), domainId: lastValue(q.domain_id), enabled: boolFilter(lastValue(q.enabled)) });
        projects = applyInexactFilters(projects, q, { name: (p) => p.name });
        return collection(req, 'projects', projects.map((p) => renderProject(req, p)));
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id/groups', policy: 'identity:list_groups_for_user', target,
      handler: async (req) => {
        await getUser(db, req.params.user_id!);
        let groups = await listGroups(db, { userId: req.params.user_id!, name: lastValue(req.query.name) });
        if (req.ctx.domainId) groups = groups.filter((g) => g.domainId === req.ctx.domainId);
        groups = applyInexactFilters(groups, req.query, { name: (g) => g.name });
        return collection(req, 'groups', groups.map((g) => ({ ...renderGroup(req, g), membership_expires_at: null })));
      },
    },
  ];
}
