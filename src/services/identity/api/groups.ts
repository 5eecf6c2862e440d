// /v3/groups and group membership (/v3/groups/{id}/users[/{user_id}])
import type { IdentityDeps } from '../deps.ts';
import { NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import {
  addUserToGroup, checkUserInGroup, createGroup, deleteGroup, getGroup, listGroups, removeUserFromGroup, updateGroup,
} from '../service/groups.ts';
import { getUser, listUsers, parseTimeFilter } from '../service/users.ts';
import { DEFAULT_DOMAIN } from '../service/projects.ts';
import { boolFilter, collection, entity, splitExtra, wrap } from './common.ts';
import { groupTarget, idString, renderGroup, renderUser, userTarget } from './identity-render.ts';
import { applyInexactFilters, lastValue } from './list-filters.ts';

const KNOWN = ['id', 'name', 'domain_id', 'description', 'links'];

const groupProperties = {
  description: { type: ['string', 'null'] },
  domain_id: idString,
  name: { type: 'string', minLength: 1, maxLength: 255, pattern: '[\\S]+' },
};

const orUndefined = <T>(p: Promise<T>) => p.catch((e) => { if (e instanceof NotFound) return undefined; throw e; });

export function groupRoutes({ db, revocations }: IdentityDeps): Route[] {
  // Keystone leaves out of the target what does not exist; the handler then says 404.
  const target = async (req: ApiRequest) => {
    const group = await orUndefined(getGroup(db, req.params.group_id!));
    const user = req.params.user_id ? await orUndefined(getUser(db, req.params.user_id)) : undefined;
    return { ...(group ? { group: groupTarget(group) } : {}), ...(user ? { user: userTarget(user) } : {}) };
  };
  return [
    {
      method: ['GET', 'HEAD'], path: '/v3/groups', policy: 'identity:list_groups',
      target: (req) => (req.ctx.domainId ? { group: { domain_id: req.ctx.domainId } } : {}),
      handler: async (req) => {
        const q = req.query;
        let groups = await listGroups(db, { name: lastValue(q.name), domainId: lastValue(q.domain_id) });
        if (req.ctx.domainId) groups = groups.filter((g) => g.domainId === req.ctx.domainId);
        groups = applyInexactFilters(groups, q, { name: (g) => g.name, domain_id: (g) => g.domainId });
        return collection(req, 'groups', groups.map((g) => renderGroup(req, g)));
      },
    },
    {
      method: 'POST', path: '/v3/groups', policy: 'identity:create_group',
      target: (req) => ({ group: (req.body as any)?.group ?? {} }),
      body: wrap('group', { type: 'object', properties: groupProperties, required: ['name'] }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'group');
        const group = await createGroup(db, {
          name: b.name, domainId: b.domain_id ?? req.ctx.domainId ?? DEFAULT_DOMAIN, description: b.description, extra: splitExtra(b, KNOWN),
        });
        return reply(201, { group: renderGroup(req, group) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/groups/:group_id', policy: 'identity:get_group', target,
      handler: async (req) => ({ group: renderGroup(req, await getGroup(db, req.params.group_id!)) }),
    },
    {
      method: 'PATCH', path: '/v3/groups/:group_id', policy: 'identity:update_group', target,
      body: wrap('group', { type: 'object', properties: groupProperties, minProperties: 1 }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'group');
        const extra = splitExtra(b, KNOWN);
        const group = await updateGroup(db, req.params.group_id!, {
          id: b.id, name: b.name, domainId: b.domain_id, description: b.description, extra: Object.keys(extra).length ? extra : undefined,
        });
        return { group: renderGroup(req, group) };
      },
    },
    {
      method: 'DELETE', path: '/v3/groups/:group_id', policy: 'identity:delete_group', target,
      handler: async (req) => { await deleteGroup(db, req.params.group_id!, revocations); },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/groups/:group_id/users', policy: 'identity:list_users_in_group', target,
      handler: async (req) => {
        const q = req.query;
        await getGroup(db, req.params.group_id!);
        const expires = lastValue(q.password_expires_at);
        let users = await listUsers(db, {
          groupId: req.params.group_id!, name: lastValue(q.name), domainId: lastValue(q.domain_id), enabled: boolFilter(lastValue(q.enabled)),
          passwordExpiresAt: expires !== undefined ? parseTimeFilter(expires) : undefined,
        });
        if (req.ctx.domainId) users = users.filter((u) => u.domainId === req.ctx.domainId);
        users = applyInexactFilters(users, q, { name: (u) => u.name, domain_id: (u) => u.domainId });
        return collection(req, 'users', users.map((u) => renderUser(req, u)));
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/groups/:group_id/users/:user_id', policy: 'identity:check_user_in_group', target,
      handler: async (req) => { await checkUserInGroup(db, req.params.user_id!, req.params.group_id!); return reply(204); },
    },
    {
      method: 'PUT', path: '/v3/groups/:group_id/users/:user_id', policy: 'identity:add_user_to_group', target,
      handler: async (req) => { await addUserToGroup(db, req.params.user_id!, req.params.group_id!); return reply(204); },
    },
    {
      method: 'DELETE', path: '/v3/groups/:group_id/users/:user_id', policy: 'identity:remove_user_from_group', target,
      handler: async (req) => { await removeUserFromGroup(db, req.params.user_id!, req.params.group_id!, revocations); },
    },
  ];
}
