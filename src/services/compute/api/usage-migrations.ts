// os-simple-tenant-usage (per-project server hours in a period), os-migrations and
// /servers/{id}/migrations (nova/api/openstack/compute/{simple_tenant_usage,migrations,
// server_migrations}.py).
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import type { ApiRequest, Route } from '../../../lib/http/routes.ts';
import type { MigrationRecord } from '../db/migration-records.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';
import { collectionLinks, limitAndMarker, mvAtLeast, pyDatetime, queryOne, serverTarget, targetInstance } from './common.ts';

function parseTime(v: string | undefined): Date {
  if (!v) return new Date();
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(v);
  if (!m) throw new BadRequest('Invalid input: Datetime is in invalid format');
  return new Date(`${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 4) : ''}Z`);
}

async function usagesFor(deps: ComputeDeps, start: Date, stop: Date, projectId: string | undefined, detailed: boolean) {
  let q = deps.db.selectFrom('instances').select('uuid').where('launched_at', 'is not', null).where('launched_at', '<', stop.toISOString())
    .where((eb) => eb.or([eb('terminated_at', 'is', null), eb('terminated_at', '>', start.toISOString())]));
  if (projectId !== undefined) q = q.where('project_id', '=', projectId);
  const uuids = (await q.orderBy('created_at').orderBy('uuid').execute()).map((r) => r.uuid as string);
  const instances = await deps.repos.instances.getMany(uuids);
  const byTenant = new Map<string, Record<string, any>>();
  const all: Array<Record<string, unknown>> = [];
  const now = Date.now();
  for (const inst of instances) {
    const launched = new Date(inst.launched_at!).getTime();
    const terminated = inst.terminated_at ? new Date(inst.terminated_at).getTime() : undefined;
    const from = Math.max(launched, start.getTime());
    const to = Math.min(terminated ?? stop.getTime(), stop.getTime());
    const hours = Math.max(0, (to - from) / 3_600_000);
    const f = inst.flavor;
    const info = {
      hours, flavor: f.name, instance_id: inst.uuid, name: inst.display_name, tenant_id: inst.project_id, memory_mb: f.memory_mb,
      local_gb: f.root_gb + f.ephemeral_gb, vcpus: f.vcpus, started_at: pyDatetime(inst.launched_at), ended_at: pyDatetime(inst.terminated_at),
      state: inst.terminated_at ? 'terminated' : inst.vm_state, uptime: Math.floor(((terminated ?? now) - launched) / 1000),
    };
    let sum = byTenant.get(inst.project_id);
    if (!sum) {
      sum = { tenant_id: inst.project_id, ...(detailed ? { server_usages: [] } : {}), total_local_gb_usage: 0, total_vcpus_usage: 0, total_memory_mb_usage: 0, total_hours: 0, start: pyDatetime(start.toISOString()), stop: pyDatetime(stop.toISOString()) };
      byTenant.set(inst.project_id, sum);
    }
    sum.total_local_gb_usage += info.local_gb * hours;
    sum.total_vcpus_usage += info.vcpus * hours;
    sum.total_memory_mb_usage += info.memory_mb * hours;
    sum.total_hours += hours;
    if (detailed) sum.server_usages.push(info);
    all.push(info);
  }
  return { usages: [...byTenant.values()], all };
}

function migrationView(req: ApiRequest, m: MigrationRecord, inst?: Instance): Record<string, unknown> {
  const out: Record<string, unknown> = {
    created_at: pyDatetime(m.created_at), dest_compute: m.dest_compute, dest_host: m.dest_host, dest_node: m.dest_node, id: m.id,
    instance_uuid: m.instance_uuid, new_instance_type_id: m.new_type_id, old_instance_type_id: m.old_type_id, source_compute: m.source_compute,
    source_node: m.source_node, status: m.status, updated_at: pyDatetime(m.updated_at),
  };
  if (mvAtLeast(req, '2.23')) out.migration_type = m.migration_type;
  if (mvAtLeast(req, '2.59')) out.uuid = m.uuid;
  if (mvAtLeast(req, '2.80')) { out.user_id = m.user_id; out.project_id = m.project_id; }
  void inst;
  return out;
}

export function usageMigrationRoutes(deps: ComputeDeps): Route[] {
  const period = (req: ApiRequest) => {
    const start = parseTime(queryOne(req.query.start));
    let stop = parseTime(queryOne(req.query.end));
    if (!(start < stop)) throw new BadRequest('Invalid start time. The start time cannot occur after the end time.');
    if (stop.getTime() > Date.now()) stop = new Date();
    return { start, stop };
  };
  return [
    {
      method: 'GET', path: '/v2.1/os-simple-tenant-usage', policy: 'os_compute_api:os-simple-tenant-usage:list',
      handler: async (req) => {
        // "/os-simple-tenant-usage/" is a show with an empty project id in Nova: 404.
        if (/\/os-simple-tenant-usage\/(\?|$)/.test(req.raw.url)) throw new NotFound('The resource could not be found.');
        const { start, stop } = period(req);
        const detailed = queryOne(req.query.detailed) === '1';
        const { usages, all } = await usagesFor(deps, start, stop, undefined, detailed);
        const out: Record<string, unknown> = { tenant_usages: usages };
        if (mvAtLeast(req, '2.40')) {
          const l = collectionLinks(req, 'os-simple-tenant-usage', all.map((u) => ({ id: u.instance_id as string })), deps.config.int('compute.max_limit'));
          if (l) out.tenant_usages_links = l;
        }
        return out;
      },
    },
    {
      method: 'GET', path: '/v2.1/os-simple-tenant-usage/:tenant_id', policy: 'os_compute_api:os-simple-tenant-usage:show',
      target: (req) => ({ project_id: req.params.tenant_id }),
      handler: async (req) => {
        const { start, stop } = period(req);
        const { usages } = await usagesFor(deps, start, stop, req.params.tenant_id, true);
        return { tenant_usage: usages[0] ?? {} };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-migrations', policy: 'os_compute_api:os-migrations:index',
      handler: async (req) => {
        const q = req.query;
        const all = deps.policy.can('os_compute_api:os-migrations:index:all_projects', {}, req.ctx);
        let migs = await deps.repos.migrations.list({
          instanceUuid: queryOne(q.instance_uuid), host: queryOne(q.host), status: queryOne(q.status), migrationType: queryOne(q.migration_type),
          projectId: all ? (mvAtLeast(req, '2.80') ? queryOne(q.project_id) : undefined) : req.ctx.projectId, userId: mvAtLeast(req, '2.80') ? queryOne(q.user_id) : undefined,
          changesSince: mvAtLeast(req, '2.59') && queryOne(q['changes-since']) ? new Date(queryOne(q['changes-since'])!).toISOString() : undefined,
        });
        const out: Record<string, unknown> = {};
        if (mvAtLeast(req, '2.59')) {
          const { limit, marker } = limitAndMarker(req, deps.config.int('compute.max_limit'));
          if (marker !== undefined) {
            const i = migs.findIndex((m) => m.uuid === marker);
            if (i < 0) throw new BadRequest(`Marker ${marker} could not be found.`);
            migs = migs.slice(i + 1);
          }
          migs = migs.slice(0, limit);
          const l = collectionLinks(req, 'os-migrations', migs.map((m) => ({ id: m.uuid })), deps.config.int('compute.max_limit'));
          if (l) out.migrations_links = l;
        }
        const views = migs.map((m) => {
          const v = migrationView(req, m);
          if (mvAtLeast(req, '2.23')) v.links = m.migration_type === 'live-migration' && ['running', 'preparing', 'queued'].includes(m.status)
            ? [{ rel: 'self', href: `${req.baseUrl}/v2.1/servers/${m.instance_uuid}/migrations/${m.id}` }, { rel: 'bookmark', href: `${req.baseUrl}/servers/${m.instance_uuid}/migrations/${m.id}` }] : undefined;
          if (v.links === undefined) delete v.links;
          return v;
        });
        return { migrations: views, ...out };
      },
    },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/migrations', policy: 'os_compute_api:servers:migrations:index', target: (req) => serverTarget(deps, req),
      handler: async (req) => {
        if (!mvAtLeast(req, '2.23')) throw new NotFound('The resource could not be found.');
        const inst = targetInstance(req);
        const migs = (await deps.repos.migrations.list({ instanceUuid: inst.uuid })).filter((m) => m.migration_type === 'live-migration' && ['running', 'preparing', 'queued'].includes(m.status));
        return { migrations: migs.map((m) => liveView(req, m)) };
      },
    },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/migrations/:migration_id', policy: 'os_compute_api:servers:migrations:show', target: (req) => serverTarget(deps, req),
      handler: async (req) => {
        if (!mvAtLeast(req, '2.23')) throw new NotFound('The resource could not be found.');
        const m = await deps.repos.migrations.get(Number(req.params.migration_id));
        if (!m || m.instance_uuid !== req.params.server_id) throw new NotFound(`Migration ${req.params.migration_id} for instance ${req.params.server_id} could not be found.`);
        return { migration: liveView(req, m) };
      },
    },
  ];
}

function liveView(req: ApiRequest, m: MigrationRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    created_at: pyDatetime(m.created_at), dest_compute: m.dest_compute, dest_host: m.dest_host, dest_node: m.dest_node,
    disk_processed_bytes: 0, disk_remaining_bytes: 0, disk_total_bytes: 0, id: m.id, memory_processed_bytes: 0, memory_remaining_bytes: 0,
    memory_total_bytes: 0, server_uuid: m.instance_uuid, source_compute: m.source_compute, source_node: m.source_node, status: m.status,
    updated_at: pyDatetime(m.updated_at),
  };
  if (mvAtLeast(req, '2.59')) out.uuid = m.uuid;
  if (mvAtLeast(req, '2.80')) { out.user_id = m.user_id; out.project_id = m.project_id; }
  return out;
}
