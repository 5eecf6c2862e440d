// /v3/policies: the legacy policy-blob store (not the policy engine; see ../policies.ts).
import type { IdentityDeps } from '../deps.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { createPolicyBlob, deletePolicyBlob, getPolicyBlob, listPolicyBlobs, updatePolicyBlob, type PolicyBlob } from '../service/legacy-policies.ts';
import { collection, entity, links, splitExtra, wrap } from './common.ts';
import { normalizeKeys } from './regions.ts';

const KNOWN = ['id', 'type', 'blob'];

export function renderPolicy(req: ApiRequest, p: PolicyBlob) {
  return { ...p.extra, id: p.id, type: p.type, blob: p.blob, links: links(req, `policies/${p.id}`) };
}

// keystone/policy/schema.py
const props = { blob: { type: 'string' }, type: { type: 'string', maxLength: 255 } };

export function policyApiRoutes({ db }: IdentityDeps): Route[] {
  return [
    {
      method: 'POST', path: '/v3/policies', policy: 'identity:create_policy',
      body: wrap('policy', { type: 'object', properties: props, required: ['blob', 'type'] }),
      handler: async (req) => {
        const b = normalizeKeys(entity(req, 'policy')) as Record<string, any>;
        return reply(201, { policy: renderPolicy(req, await createPolicyBlob(db, { type: b.type, blob: b.blob, extra: splitExtra(b, KNOWN) })) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/policies', policy: 'identity:list_policies',
      handler: async (req) => collection(req, 'policies', (await listPolicyBlobs(db, { type: req.query.type })).map((p) => renderPolicy(req, p))),
    },
    {
      method: ['GET', 'HEAD'], path: '/v3/policies/:policy_id', policy: 'identity:get_policy',
      handler: async (req) => ({ policy: renderPolicy(req, await getPolicyBlob(db, req.params.policy_id!)) }),
    },
    {
      method: 'PATCH', path: '/v3/policies/:policy_id', policy: 'identity:update_policy',
      body: wrap('policy', { type: 'object', properties: props, minProperties: 1 }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'policy');
        const p = await updatePolicyBlob(db, req.params.policy_id!, { id: b.id, type: b.type, blob: b.blob, extra: splitExtra(b, KNOWN) });
        return { policy: renderPolicy(req, p) };
      },
    },
    {
      method: 'DELETE', path: '/v3/policies/:policy_id', policy: 'identity:delete_policy',
      handler: async (req) => { await deletePolicyBlob(db, req.params.policy_id!); },
    },
  ];
}
