// /v3/credentials and Keystone's EC2 routes /v3/users/{id}/credentials/OS-EC2[/{access}]
import type { IdentityDeps } from '../deps.ts';
import { NotFound } from '../../../lib/errors.ts';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import {
  createCredential, createEc2Credential, deleteCredential, getCredential, getEc2Credential, listCredentials, toEc2, updateCredential,
  type Credential, type Ec2Credential,
} from '../service/credentials.ts';
import { getUser } from '../service/users.ts';
import { getProject } from '../service/projects.ts';
import { collection, entity, links, splitExtra, wrap } from './common.ts';
import { lastValue } from './list-filters.ts';

const KNOWN = ['id', 'user_id', 'project_id', 'type', 'blob', 'links'];

export function renderCredential(req: ApiRequest, c: Credential): Record<string, unknown> {
  return { ...c.extra, id: c.id, user_id: c.userId, project_id: c.projectId, type: c.type, blob: c.blob, links: links(req, `credentials/${c.id}`) };
}

const credentialTarget = (c: Credential) => ({ id: c.id, user_id: c.userId, project_id: c.projectId, type: c.type });

function renderEc2(req: ApiRequest, c: Ec2Credential): Record<string, unknown> {
  return { ...c, links: links(req, `users/${c.user_id}/credentials/OS-EC2/${c.access}`) };
}

// keystone/credential/schema.py
const properties = { blob: { type: 'string' }, project_id: { type: 'string' }, type: { type: 'string' }, user_id: { type: 'string' } };
const credentialCreate = {
  type: 'object', properties,
  oneOf: [
    { title: 'ec2 credential requires project_id', required: ['blob', 'type', 'user_id', 'project_id'], properties: { type: { enum: ['ec2'] } } },
    { title: 'non-ec2 credential does not require project_id', required: ['blob', 'type', 'user_id'], properties: { type: { not: { enum: ['ec2'] } } } },
  ],
};
const credentialUpdate = { type: 'object', properties, minProperties: 1 };

/**
 * Whether the caller may read every credential: the default rule of identity:get_credential
 * without the owner branch (admin, or a system reader). The list shows the others only their own.
 */
const readsAllCredentials = (ctx: RequestContext) => ctx.roles.includes('admin') || (ctx.system === 'all' && ctx.roles.includes('reader'));

export function credentialRoutes({ db, config }: IdentityDeps): Route[] {
  // As Keystone, an unknown credential leaves the target empty (admins then get the 404).
  const target = async (req: ApiRequest) => {
    const cred = await getCredential(db, req.params.credential_id!).catch((e) => { if (e instanceof NotFound) return undefined; throw e; });
    return cred ? { credential: credentialTarget(cred) } : {};
  };
  // The EC2 routes find the credential by access key, and say 404 before any policy check.
  const ec2Target = async (req: ApiRequest) => ({ credential: credentialTarget(await getEc2Credential(db, req.params.user_id!, req.params.credential_id!)) });
  const ownerTarget = (req: ApiRequest) => ({ user: { id: req.params.user_id }, credential: { user_id: req.params.user_id } });
  return [
    {
      method: 'POST', path: '/v3/credentials', policy: 'identity:create_credential',
      target: (req) => ({ credential: (req.body as any)?.credential ?? {} }),
      body: wrap('credential', credentialCreate),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'credential');
        const cred = await createCredential(db, config, { userId: b.user_id, projectId: b.project_id, type: b.type, blob: b.blob, extra: splitExtra(b, KNOWN) },
          { trustId: req.ctx.trustId, appCredId: req.ctx.appCredId });
        return reply(201, { credential: renderCredential(req, cred) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/credentials', policy: 'identity:list_credentials',
      target: (req) => (req.ctx.system ? {} : { credential: { user_id: req.ctx.userId } }),
      handler: async (req) => {
        const all = readsAllCredentials(req.ctx);
        const userId = lastValue(req.query.user_id);
        const creds = await listCredentials(db, { userId: all ? userId : req.ctx.userId, type: lastValue(req.query.type) });
        const visible = !all && userId !== undefined && userId !== req.ctx.userId ? [] : creds;
        return collection(req, 'credentials', visible.map((c) => renderCredential(req, c)));
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/credentials/:credential_id', policy: 'identity:get_credential', target,
      handler: async (req) => ({ credential: renderCredential(req, await getCredential(db, req.params.credential_id!)) }),
    },
    {
      method: 'PATCH', path: '/v3/credentials/:credential_id', policy: 'identity:update_credential',
      // Keystone checks the rule on the stored credential and again on the updated one; a new
      // owner would have to pass the owner check twice, for two different users, which no user
      // can: leaving user_id out of the target then lets only the rule's other branches pass.
      target: async (req) => {
        const t = await target(req);
        const patch = ((req.body as any)?.credential ?? {}) as Record<string, unknown>;
        const cred = t.credential;
        if (!cred || patch.user_id === undefined || patch.user_id === cred.user_id) return t;
        return { credential: { ...cred, ...patch, user_id: undefined } };
      },
      body: wrap('credential', credentialUpdate),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'credential');
        const extra = splitExtra(b, KNOWN);
        const cred = await updateCredential(db, req.params.credential_id!, {
          id: b.id, userId: b.user_id, projectId: b.project_id, type: b.type, blob: b.blob, extra: Object.keys(extra).length ? extra : undefined,
        });
        return { credential: renderCredential(req, cred) };
      },
    },
    {
      method: 'DELETE', path: '/v3/credentials/:credential_id', policy: 'identity:delete_credential', target,
      handler: async (req) => { await deleteCredential(db, req.params.credential_id!); },
    },
    // OS-EC2
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id/credentials/OS-EC2', policy: 'identity:ec2_list_credentials', target: ownerTarget,
      handler: async (req) => {
        await getUser(db, req.params.user_id!);
        const creds = await listCredentials(db, { userId: req.params.user_id!, type: 'ec2' });
        return collection(req, 'credentials', creds.map((c) => renderEc2(req, toEc2(c))));
      },
    },
    {
      method: 'POST', path: '/v3/users/:user_id/credentials/OS-EC2', policy: 'identity:ec2_create_credential', target: ownerTarget,
      handler: async (req) => {
        await getUser(db, req.params.user_id!);
        const tenantId = (req.body as Record<string, unknown> | undefined)?.tenant_id;
        const project = await getProject(db, String(tenantId ?? 'None'));
        const cred = await createEc2Credential(db, config, req.params.user_id!, project.id, req.ctx.trustId);
        return reply(201, { credential: renderEc2(req, cred) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/users/:user_id/credentials/OS-EC2/:credential_id', policy: 'identity:ec2_get_credential', target: ec2Target,
      handler: async (req) => ({ credential: renderEc2(req, toEc2(await getEc2Credential(db, req.params.user_id!, req.params.credential_id!))) }),
    },
    {
      method: 'DELETE', path: '/v3/users/:user_id/credentials/OS-EC2/:credential_id', policy: 'identity:ec2_delete_credential', target: ec2Target,
      handler: async (req) => {
        const cred = await getEc2Credential(db, req.params.user_id!, req.params.credential_id!);
        await deleteCredential(db, cred.id);
      },
    },
  ];
}
