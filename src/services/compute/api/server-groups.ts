// os-server-groups (nova/api/openstack/compute/server_groups.py): affinity policies the
// scheduler enforces; `policies` list before 2.64, `policy` + `rules` from 2.64.
import { BadRequest, NotFound, OverQuota } from '../../../lib/errors.ts';
import type { ApiRequest, Route } from '../../../lib/http/routes.ts';
import type { ServerGroup } from '../db/server-groups.ts';
import type { ComputeDeps } from '../deps.ts';
import { mvAtLeast, queryOne } from './common.ts';
import { T, validate } from './validation.ts';

function view(req: ApiRequest, g: ServerGroup): Record<string, unknown> {
  const out: Record<string, unknown> = { id: g.id, name: g.name };
  if (mvAtLeast(req, '2.64')) { out.policy = g.policy; out.rules = g.rules; } else { out.policies = [g.policy]; out.metadata = {}; }
  out.members = g.members;
  if (mvAtLeast(req, '2.13')) { out.project_id = g.project_id; out.user_id = g.user_id; }
  return out;
}

function createSchema(req: ApiRequest) {
  const policies = ['anti-affinity', 'affinity', ...(mvAtLeast(req, '2.15') ? ['soft-anti-affinity', 'soft-affinity'] : [])];
  const props: Record<string, unknown> = mvAtLeast(req, '2.64')
    ? { name: T.name, policy: { type: 'string', enum: policies }, rules: { type: 'object', additionalProperties: false, properties: { max_server_per_host: T.positiveInteger } } }
    : { name: T.name, policies: { type: 'array', items: { type: 'string', enum: policies }, uniqueItems: true, minItems: 1, maxItems: 1 } };
  return {
    type: 'object', required: ['server_group'], additionalProperties: false,
    properties: { server_group: { type: 'object', required: mvAtLeast(req, '2.64') ? ['name', 'policy'] : ['name', 'policies'], additionalProperties: false, properties: props } },
  };
}

export function serverGroupRoutes(deps: ComputeDeps): Route[] {
  const load = async (req: ApiRequest) => {
    const g = await deps.repos.groups.get(req.params.group_id!);
    if (!g) throw new NotFound(`Instance group ${req.params.group_id} could not be found.`);
    return { project_id: g.project_id, user_id: g.user_id, group: g };
  };
  return [
    {
      method: 'GET', path: '/v2.1/os-server-groups', policy: 'os_compute_api:os-server-groups:index',
      handler: async (req) => {
        const all = queryOne(req.query.all_projects);
        let projectId: string | undefined = req.ctx.projectId ?? '';
        if (all !== undefined && ['', '1', 'true', 'yes', 'on', 't', 'y'].includes(all.toLowerCase()) && deps.policy.can('os_compute_api:os-server-groups:index:all_projects', {}, req.ctx)) projectId = undefined;
        const num = (k: string) => {
          const v = queryOne(req.query[k]);
          if (v === undefined) return undefined;
          if (!/^\d+$/.test(v)) throw new BadRequest(`Invalid input for query parameters ${k}. Value: ${v}.`);
          return Number(v);
        };
        const groups = await deps.repos.groups.list({ projectId, limit: Math.min(num('limit') ?? 1000, deps.config.int('compute.max_limit')), offset: num('offset') });
        return { server_groups: groups.map((g) => view(req, g)) };
      },
    },
    {
      method: 'POST', path: '/v2.1/os-server-groups', policy: 'os_compute_api:os-server-groups:create',
      handler: async (req) => {
        validate(req.body, createSchema(req));
        const b = req.body.server_group;
        const policy: string = mvAtLeast(req, '2.64') ? b.policy : b.policies[0];
        const rules: Record<string, unknown> = {};
        if (b.rules && Object.keys(b.rules).length) {
          if (policy !== 'anti-affinity') throw new BadRequest('Only anti-affinity policy supports rules.');
          rules.max_server_per_host = Number(b.rules.max_server_per_host);
        }
        const projectId = req.ctx.projectId ?? '';
        const limit = (await deps.quotas.limits(projectId, req.ctx.userId)).server_groups;
        if (limit >= 0 && (await deps.quotas.usage(projectId)).server_groups >= limit) {
          const e = new OverQuota('Quota exceeded, too many server groups.');
          (e as { status: number }).status = 403;
          throw e;
        }
        const g = await deps.repos.groups.create({ name: b.name, project_id: projectId, user_id: req.ctx.userId ?? '', policy, rules });
        return { server_group: view(req, g) };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-server-groups/:group_id', policy: 'os_compute_api:os-server-groups:show', target: load,
      handler: (req) => ({ server_group: view(req, req.target.group as ServerGroup) }),
    },
    {
      method: 'DELETE', path: '/v2.1/os-server-groups/:group_id', policy: 'os_compute_api:os-server-groups:delete', target: load,
      handler: async (req) => { await deps.repos.groups.delete(req.params.group_id!); return undefined; },
    },
  ];
}
