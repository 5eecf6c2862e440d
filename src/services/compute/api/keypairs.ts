// os-keypairs (nova/api/openstack/compute/keypairs.py): per-user keys, ssh or x509 (2.2),
// admins acting for another user (2.10), paging (2.35), no generation from 2.92.
import { BadRequest, NotFound, OverQuota } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { KeyPair } from '../db/keypairs.ts';
import type { ComputeDeps } from '../deps.ts';
import { fingerprintOf, generateSshKey, generateX509 } from '../service/keygen.ts';
import { collectionLinks, limitAndMarker, mvAtLeast, pyDatetime, queryOne } from './common.ts';
import { T, validate } from './validation.ts';

const nameV21 = { allOf: [T.name, { type: 'string', pattern: '^[_\\- a-zA-Z0-9]+$', minLength: 1, maxLength: 255 }] };
const nameV292 = { allOf: [T.name, { type: 'string', pattern: '^[_\\-\\@\\. a-zA-Z0-9]+$', minLength: 1, maxLength: 255 }] };

function createSchema(req: ApiRequest) {
  const props: Record<string, unknown> = { name: mvAtLeast(req, '2.92') ? nameV292 : nameV21, public_key: { type: 'string' } };
  if (mvAtLeast(req, '2.2')) props.type = { type: 'string', enum: ['ssh', 'x509'] };
  if (mvAtLeast(req, '2.10')) props.user_id = { type: 'string' };
  return {
    type: 'object', required: ['keypair'], additionalProperties: false,
    properties: { keypair: { type: 'object', required: mvAtLeast(req, '2.92') ? ['name', 'public_key'] : ['name'], additionalProperties: false, properties: props } },
  };
}

/** The user whose key pairs a request is about: ?user_id= (2.10, admins by policy) or the caller. */
const userOf = (req: ApiRequest): string => (mvAtLeast(req, '2.10') && queryOne(req.query.user_id)) || req.ctx.userId || '';

const view = (k: KeyPair, keys: string[], typed: boolean): Record<string, unknown> => {
  const full: Record<string, unknown> = {
    name: k.name, public_key: k.public_key, fingerprint: k.fingerprint, user_id: k.user_id, created_at: pyDatetime(k.created_at),
    deleted: false, deleted_at: null, id: k.id, updated_at: null, type: k.type,
  };
  return Object.fromEntries([...keys, ...(typed ? ['type'] : [])].map((key) => [key, full[key]]));
};
const INDEX = ['name', 'public_key', 'fingerprint'];
const SHOW = [...INDEX, 'user_id', 'created_at', 'deleted', 'deleted_at', 'id', 'updated_at'];

export function keypairRoutes(deps: ComputeDeps): Route[] {
  const userTarget = (req: ApiRequest) => ({ user_id: userOf(req) });
  return [
    {
      method: 'GET', path: '/v2.1/os-keypairs', policy: 'os_compute_api:os-keypairs:index', target: userTarget,
      handler: async (req) => {
        const paged = mvAtLeast(req, '2.35');
        const { limit, marker } = paged ? limitAndMarker(req, deps.config.int('compute.max_limit')) : { limit: undefined, marker: undefined };
        const userId = userOf(req);
        if (marker !== undefined && !(await deps.repos.keypairs.get(userId, marker))) throw new BadRequest(`Marker ${marker} could not be found.`);
        const keys = await deps.repos.keypairs.list(userId, { marker, limit });
        const out: Record<string, unknown> = { keypairs: keys.map((k) => ({ keypair: view(k, INDEX, mvAtLeast(req, '2.2')) })) };
        if (paged) {
          const l = collectionLinks(req, 'os-keypairs', keys, deps.config.int('compute.max_limit'), 'name');
          if (l) out.keypairs_links = l;
        }
        return out;
      },
    },
    {
      method: 'POST', path: '/v2.1/os-keypairs', policy: 'os_compute_api:os-keypairs:create',
      target: (req) => ({ user_id: (mvAtLeast(req, '2.10') && req.body?.keypair?.user_id) || req.ctx.userId }),
      handler: async (req) => {
        validate(req.body, createSchema(req));
        const p = req.body.keypair;
        const userId: string = (mvAtLeast(req, '2.10') && p.user_id) || req.ctx.userId!;
        const type: string = p.type ?? 'ssh';
        const name = String(p.name).trim();
        const limit = (await deps.quotas.limits(req.ctx.projectId ?? '', userId)).key_pairs;
        if (limit >= 0 && await deps.repos.keypairs.count(userId) >= limit) {
          const err = new OverQuota('Quota exceeded, too many key pairs.');
          (err as { status: number }).status = 403;
          throw err;
        }
        let publicKey: string;
        let fingerprint: string;
        let privateKey: string | undefined;
        if (p.public_key !== undefined) {
          publicKey = p.public_key;
          fingerprint = fingerprintOf(type, publicKey);
        } else {
          const g = type === 'x509' ? generateX509(userId, req.ctx.projectId ?? '') : generateSshKey();
          ({ publicKey, fingerprint, privateKey } = g);
        }
        const k = await deps.repos.keypairs.create({ user_id: userId, name, fingerprint, public_key: publicKey, type });
        const body = { keypair: { ...(privateKey ? { private_key: privateKey } : {}), ...view(k, ['name', 'public_key', 'fingerprint', 'user_id'], mvAtLeast(req, '2.2')) } };
        return mvAtLeast(req, '2.2') ? reply(201, body) : body;
      },
    },
    {
      method: 'GET', path: '/v2.1/os-keypairs/:name', policy: 'os_compute_api:os-keypairs:show', target: userTarget,
      handler: async (req) => {
        const userId = userOf(req);
        const k = await deps.repos.keypairs.get(userId, req.params.name!);
        if (!k) throw new NotFound(`Keypair ${req.params.name} not found for user ${userId}`);
        return { keypair: view(k, SHOW, mvAtLeast(req, '2.2')) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/os-keypairs/:name', policy: 'os_compute_api:os-keypairs:delete', target: userTarget,
      handler: async (req) => {
        const userId = userOf(req);
        if (!await deps.repos.keypairs.delete(userId, req.params.name!)) throw new NotFound(`Keypair ${req.params.name} not found for user ${userId}`);
        return mvAtLeast(req, '2.2') ? undefined : reply(202);
      },
    },
  ];
}
