// /v3/users/{id}/application_credentials[/{id}] and /v3/users/{id}/access_rules[/{id}]
import type { IdentityDeps } from '../deps.ts';
import { Forbidden, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { appCredNotFound, createAppCred, deleteAppCred, getAppCred, listAppCreds, type AppCredential } from '../service/app-creds.ts';
import { deleteAccessRule, getAccessRule, listAccessRules, type AccessRule } from '../service/access-rules.ts';
import { collection, entity, links, wrap } from './common.ts';
import { applyInexactFilters, keystoneTime, lastValue } from './list-filters.ts';

export function renderAppCred(req: ApiRequest, ac: AppCredential & { secret?: string }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: ac.id, name: ac.name, description: ac.description, user_id: ac.user_id, project_id: ac.project_id ?? null, system: ac.system,
    expires_at: keystoneTime(ac.expires_at), unrestricted: ac.unrestricted, roles: ac.roles,
    links: links(req, `users/${ac.user_id}/application_credentials/${ac.id}`),
  };
  // Keystone shows access_rules only on credentials that have them, and the secret only once.
  if (ac.access_rules) out.access_rules = ac.access_rules;
  if (ac.secret !== undefined) out.secret = ac.secret;
  return out;
}

const renderAccessRule = (req: ApiRequest, userId: string, r: AccessRule) => ({ ...r, links: links(req, `users/${userId}/access_rules/${r.id}`) });

// keystone/application_credential/schema.py
const idString = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' };
const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '[\\S]+' };
const appCredCreate = {
  type: 'object', required: ['name'],
  properties: {
    name,
    description: { type: ['string', 'null'] },
    secret: { type: ['null', 'string'] },
    expires_at: { type: ['null', 'string'] },
    roles: { type: 'array', items: { type: 'object', properties: { id: idString, name }, minProperties: 1, maxProperties: 1, additionalProperties: false } },
    unrestricted: { type: 'boolean' },
    access_rules: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false,
        properties: {
          path: { type: 'string', minLength: 0, maxLength: 225, pattern: '^\\/.*' },
          method: { type: 'string', pattern: '^(POST|GET|HEAD|PATCH|PUT|DELETE)$' },
          service: idString,
          id: idString,
        },
      },
    },
  },
};

export function appCredRoutes({ db, config, revocations }: IdentityDeps): Route[] {
  const owner = (req: ApiRequest) => ({ user: { id: req.params.user_id } });
  // The owner is the credential's user, never the one in the path (Keystone's fix for reading
  // someone else's credential by putting one's own id in the path).
  const credTarget = async (req: ApiRequest) => {
    const ac = await getAppCred(db, req.params.application_credential_id!).catch((e) => { if (e instanceof NotFound) return undefined; throw e; });
    return { user: { id: ac?.user_id ?? req.params.user_id } };
  };
  const load = async (req: ApiRequest) => {
    const ac = await getAppCred(db, req.params.application_credential_id!);
    if (ac.user_id !== req.params.user_id) throw appCredNotFound(ac.id);
    return ac;
  };
  // A token from a restricted application credential may not manage application credentials.
  const assertNotRestricted = async (req: ApiRequest) => {
    if (!req.ctx.appCredId) return;
    const used = await getAppCred(db, req.ctx.appCredId).catch(() => undefined);
    if (!used?.unrestricted) {
      throw new Forbidden("You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials.");
    }
  };
  return [
    {
      method: 'POST', path: '/v3/users/:user_id/application_credentials', policy: 'identity:create_application_credential', target: owner,
      body: wrap('application_credential', appCredCreate),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'application_credential');
        await assertNotRestricted(req);
        if (req.ctx.userId !== req.params.user_id) {
          throw new Forbidden('You are not authorized to perform the requested action: Cannot create an application credential for another user.');
        }
        const ac = await createAppCred(db, config, {
          userId: req.params.user_id!, projectId: req.ctx.projectId ?? null, name: b.name, description: b.description, secret: b.secret,
          expiresAt: b.expires_at, roles: b.roles, unrestricted: b.unrestricted, accessRules: b.access_rules,
        }, req.ctx.roleIds);
        return reply(201, { application_credential: renderAppCred(req, ac) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id/application_credentials', policy: 'identity:list_application_credentials', target: owner,
      handler: async (req) => {
        let creds = await listAppCreds(db, req.params.user_id!, { name: lastValue(req.query.name) });
        creds = applyInexactFilters(creds, req.query, { name: (c) => c.name });
        return collection(req, 'application_credentials', creds.map((c) => renderAppCred(req, c)));
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id/application_credentials/:application_credential_id',
      policy: 'identity:get_application_credential', target: credTarget,
      handler: async (req) => ({ application_credential: renderAppCred(req, await load(req)) }),
    },
    {
      method: 'DELETE', path: '/v3/users/:user_id/application_credentials/:application_credential_id',
      policy: 'identity:delete_application_credential', target: credTarget,
      handler: async (req) => {
        await assertNotRestricted(req);
        const ac = await load(req);
        await deleteAppCred(db, ac.id, revocations);
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id/access_rules', policy: 'identity:list_access_rules', target: owner,
      handler: async (req) => {
        const q = req.query;
        const rules = await listAccessRules(db, req.params.user_id!, { service: lastValue(q.service), path: lastValue(q.path), method: lastValue(q.method) });
        return collection(req, 'access_rules', rules.map((r) => renderAccessRule(req, req.params.user_id!, r)));
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id/access_rules/:access_rule_id', policy: 'identity:get_access_rule', target: owner,
      handler: async (req) => ({ access_rule: renderAccessRule(req, req.params.user_id!, await getAccessRule(db, req.params.user_id!, req.params.access_rule_id!)) }),
    },
    {
      method: 'DELETE', path: '/v3/users/:user_id/access_rules/:access_rule_id', policy: 'identity:delete_access_rule', target: owner,
      handler: async (req) => { await deleteAccessRule(db, req.params.user_id!, req.params.access_rule_id!); },
    },
  ];
}
