// limits, os-quota-sets (show, detail, defaults, update, delete) and os-quota-class-sets
// (nova/api/openstack/compute/{limits,quota_sets,quota_classes}.py).
import { BadRequest } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import { FILTERED_V236, FILTERED_V257, QUOTA_RESOURCES, type Limits, type UsageCounts } from '../service/quotas.ts';
import { mvAtLeast, queryOne } from './common.ts';
import { validate } from './validation.ts';

const LIMIT_NAMES: Record<string, string[]> = {
  ram: ['maxTotalRAMSize'], instances: ['maxTotalInstances'], cores: ['maxTotalCores'], key_pairs: ['maxTotalKeypairs'],
  floating_ips: ['maxTotalFloatingIps'], metadata_items: ['maxServerMeta', 'maxImageMeta'], injected_files: ['maxPersonality'],
  injected_file_content_bytes: ['maxPersonalitySize'], security_groups: ['maxSecurityGroups'], security_group_rules: ['maxSecurityGroupRules'],
  server_groups: ['maxServerGroups'], server_group_members: ['maxServerGroupMembers'],
};
const USED: Record<string, keyof UsageCounts | null> = {
  totalRAMUsed: 'ram', totalCoresUsed: 'cores', totalInstancesUsed: 'instances', totalFloatingIpsUsed: null, totalSecurityGroupsUsed: null, totalServerGroupsUsed: 'server_groups',
};
const USED_RESOURCE: Record<string, string> = { totalRAMUsed: 'ram', totalCoresUsed: 'cores', totalInstancesUsed: 'instances', totalFloatingIpsUsed: 'floating_ips', totalSecurityGroupsUsed: 'security_groups', totalServerGroupsUsed: 'server_groups' };

const filteredQuotas = (req: ApiRequest) => (mvAtLeast(req, '2.57') ? FILTERED_V257 : mvAtLeast(req, '2.36') ? FILTERED_V236 : []);

function quotaSet(req: ApiRequest, values: Record<string, unknown>, id?: string): Record<string, unknown> {
  const filtered = filteredQuotas(req);
  const out: Record<string, unknown> = id !== undefined ? { id } : {};
  for (const r of QUOTA_RESOURCES) if (!filtered.includes(r) && r in values) out[r] = values[r];
  return { quota_set: out };
}

export function quotaRoutes(deps: ComputeDeps): Route[] {
  const q = deps.quotas;
  const userOf = (req: ApiRequest) => queryOne(req.query.user_id);
  const detailOf = async (projectId: string, userId?: string): Promise<Record<string, unknown>> => {
    const limits = await q.limits(projectId, userId);
    const used = await q.usage(projectId, userId);
    const out: Record<string, unknown> = {};
    for (const r of QUOTA_RESOURCES) out[r] = { limit: limits[r], in_use: (used as unknown as Record<string, number>)[r] ?? 0, reserved: 0 };
    return out;
  };
  const projectTarget = (req: ApiRequest) => ({ project_id: req.params.project_id });
  return [
    {
      method: 'GET', path: '/v2.1/limits', policy: 'os_compute_api:limits',
      handler: async (req) => {
        let projectId = req.ctx.projectId ?? '';
        const other = queryOne(req.query.tenant_id);
        if (other !== undefined) { deps.policy.authorize('os_compute_api:limits:other_project', {}, req.ctx); projectId = other; }
        const limits = await q.limits(projectId);
        const used = await q.usage(projectId);
        const filtered = mvAtLeast(req, '2.57') ? ['floating_ips', 'security_groups', 'security_group_rules', 'injected_files', 'injected_file_content_bytes']
          : mvAtLeast(req, '2.36') ? ['floating_ips', 'security_groups', 'security_group_rules'] : [];
        const absolute: Record<string, number> = {};
        for (const [res, names] of Object.entries(LIMIT_NAMES)) {
          if (filtered.includes(res)) continue;
          for (const n of names) if (!(n === 'maxImageMeta' && mvAtLeast(req, '2.39'))) absolute[n] = limits[res as keyof Limits];
        }
        for (const [name, key] of Object.entries(USED)) {
          if (filtered.includes(USED_RESOURCE[name]!)) continue;
          absolute[name] = key ? used[key] : 0;
        }
        return { limits: { rate: [], absolute } };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-quota-sets/:project_id', policy: 'os_compute_api:os-quota-sets:show', target: projectTarget,
      handler: async (req) => quotaSet(req, await q.limits(req.params.project_id!, userOf(req)), req.params.project_id),
    },
    {
      method: 'GET', path: '/v2.1/os-quota-sets/:project_id/detail', policy: 'os_compute_api:os-quota-sets:detail', target: projectTarget,
      handler: async (req) => quotaSet(req, await detailOf(req.params.project_id!, userOf(req)), req.params.project_id),
    },
    {
      method: 'GET', path: '/v2.1/os-quota-sets/:project_id/defaults', policy: 'os_compute_api:os-quota-sets:defaults', target: projectTarget,
      handler: async (req) => quotaSet(req, await q.defaults(), req.params.project_id),
    },
    {
      method: 'PUT', path: '/v2.1/os-quota-sets/:project_id', policy: 'os_compute_api:os-quota-sets:update', target: projectTarget,
      handler: async (req) => {
        const filtered = filteredQuotas(req);
        const settable = QUOTA_RESOURCES.filter((r) => !filtered.includes(r));
        const value = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 2147483647 };
        validate(req.body, { type: 'object', required: ['quota_set'], additionalProperties: false, properties: { quota_set: {
          type: 'object', additionalProperties: false, properties: { ...Object.fromEntries(settable.map((r) => [r, value])), force: { type: ['boolean', 'string'] } } } } });
        const projectId = req.params.project_id!;
        const userId = userOf(req);
        const set = req.body.quota_set as Record<string, unknown>;
        const force = set.force === true || String(set.force).toLowerCase() === 'true';
        const detail = await detailOf(projectId, userId);
        const projectLimits = userId ? await q.limits(projectId) : undefined;
        const wanted: Array<[string, number]> = [];
        for (const [k, v] of Object.entries(set)) {
          if (k === 'force' || v === null || v === '') continue;
          const n = Number(v);
          if (!force) {
            const inUse = (detail[k] as { in_use: number }).in_use;
            if (n !== -1 && n < inUse) throw new BadRequest(`Quota limit ${n} for ${k} must be greater than or equal to already used and reserved ${inUse}.`);
            const max = projectLimits?.[k as keyof Limits];
            if (max !== undefined && max !== -1 && (n === -1 || n > max)) throw new BadRequest(`Quota limit ${n} for ${k} must be less than or equal to ${max}.`);
          }
          wanted.push([k, n]);
        }
        for (const [k, n] of wanted) await q.setLimit(projectId, userId, k, n);
        return quotaSet(req, await q.limits(projectId, userId));
      },
    },
    {
      method: 'DELETE', path: '/v2.1/os-quota-sets/:project_id', policy: 'os_compute_api:os-quota-sets:delete', target: projectTarget,
      handler: async (req) => { await q.deleteLimits(req.params.project_id!, userOf(req)); return reply(202); },
    },
    {
      method: 'GET', path: '/v2.1/os-quota-class-sets/:class_name', policy: 'os_compute_api:os-quota-class-sets:show',
      handler: async (req) => classSet(req, await q.classLimits(req.params.class_name!), req.params.class_name!),
    },
    {
      method: 'PUT', path: '/v2.1/os-quota-class-sets/:class_name', policy: 'os_compute_api:os-quota-class-sets:update',
      handler: async (req) => {
        const value = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 2147483647 };
        validate(req.body, { type: 'object', required: ['quota_class_set'], additionalProperties: false, properties: { quota_class_set: {
          type: 'object', additionalProperties: false, properties: Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, value])) } } });
        for (const [k, v] of Object.entries(req.body.quota_class_set as Record<string, unknown>)) await q.setClassLimit(req.params.class_name!, k, Number(v));
        const out = classSet(req, await q.classLimits(req.params.class_name!), req.params.class_name!);
        delete (out.quota_class_set as Record<string, unknown>).id;
        return out;
      },
    },
  ];
}

/** Quota classes (quota_classes.py): before 2.50 without the server group keys. */
function classSet(req: ApiRequest, limits: Limits, name: string): { quota_class_set: Record<string, unknown> } {
  const v250 = ['fixed_ips', 'floating_ips', 'networks', 'security_group_rules', 'security_groups'];
  const filtered = mvAtLeast(req, '2.57') ? [...v250, 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes']
    : mvAtLeast(req, '2.50') ? v250 : ['server_groups', 'server_group_members'];
  const out: Record<string, unknown> = { id: name };
  for (const r of QUOTA_RESOURCES) if (!filtered.includes(r)) out[r] = limits[r];
  return { quota_class_set: out };
}
