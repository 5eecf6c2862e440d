// os-hypervisors and os-services (admin): the compute nodes and services the agents registered.
import { BadRequest, Conflict, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { isUuidLike } from '../../../lib/ids.ts';
import type { ComputeNode, ServiceRecord } from '../db/hosts.ts';
import type { ComputeDeps } from '../deps.ts';
import { zoneMap } from '../service/zones.ts';
import { limitAndMarker, mvAtLeast, pyDatetime, queryOne } from './common.ts';
import { toBool } from './validation.ts';

export function hostRoutes(deps: ComputeDeps): Route[] {
  const isUp = (s: ServiceRecord | undefined) => Boolean(s && !s.forced_down && s.last_seen_up && Date.now() - Date.parse(s.last_seen_up) <= deps.config.int('compute.service_down_time') * 1000);
  const computeServices = async () => new Map((await deps.repos.hosts.services({ binary: 'nova-compute' })).map((s) => [s.host, s]));

  async function hypervisorView(req: ApiRequest, n: ComputeNode, svc: ServiceRecord | undefined, detail: boolean, usage?: Map<string, { running_vms: number; vcpus_used: number; memory_mb_used: number; local_gb_used: number }>, servers?: Array<{ name: string; uuid: string }>) {
    const v253 = mvAtLeast(req, '2.53');
    const out: Record<string, unknown> = { id: v253 ? n.uuid : n.seq, hypervisor_hostname: n.hypervisor_hostname, state: isUp(svc) ? 'up' : 'down', status: svc?.disabled ? 'disabled' : 'enabled' };
    if (detail) {
      out.hypervisor_type = n.hypervisor_type; out.hypervisor_version = n.hypervisor_version; out.host_ip = n.host_ip ?? '127.0.0.1';
      out.service = { id: v253 ? svc?.id : svc?.seq, host: n.host, disabled_reason: svc?.disabled_reason ?? null };
      if (!mvAtLeast(req, '2.88')) {
        const u = usage?.get(n.hypervisor_hostname) ?? { running_vms: 0, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0 };
        const reserved = deps.config.int('compute.reserved_host_memory_mb');
        Object.assign(out, {
          vcpus: n.vcpus, memory_mb: n.memory_mb, local_gb: n.local_gb, vcpus_used: u.vcpus_used, memory_mb_used: u.memory_mb_used + reserved,
          local_gb_used: u.local_gb_used, free_ram_mb: n.memory_mb - u.memory_mb_used - reserved, free_disk_gb: n.local_gb - u.local_gb_used,
          current_workload: 0, running_vms: u.running_vms, disk_available_least: n.local_gb - u.local_gb_used,
          cpu_info: mvAtLeast(req, '2.28') ? JSON.parse(n.cpu_info || '{}') : n.cpu_info,
        });
      } else out.uptime = null;
    }
    if (servers?.length) out.servers = servers;
    else if (servers && mvAtLeast(req, '2.75')) out.servers = [];
    return out;
  }

  async function listHypervisors(req: ApiRequest, detail: boolean) {
    const svcs = await computeServices();
    let nodes = await deps.repos.hosts.nodes();
    const pattern = mvAtLeast(req, '2.53') ? queryOne(req.query.hypervisor_hostname_pattern) : undefined;
    if (pattern !== undefined) {
      nodes = nodes.filter((n) => n.hypervisor_hostname.includes(pattern));
      if (!nodes.length) throw new NotFound(`No hypervisor matching '${pattern}' could be found.`);
    }
    if (mvAtLeast(req, '2.33')) {
      const { limit, marker } = limitAndMarker(req, deps.config.int('compute.max_limit'));
      if (marker !== undefined) {
        const i = nodes.findIndex((n) => (mvAtLeast(req, '2.53') ? n.uuid : String(n.seq)) === marker);
        if (i < 0) throw new BadRequest(`marker [${marker}] not found`);
        nodes = nodes.slice(i + 1);
      }
      nodes = nodes.slice(0, limit);
    }
    const withServers = mvAtLeast(req, '2.53') && req.query.with_servers !== undefined && toBool(queryOne(req.query.with_servers));
    const usage = detail ? await deps.repos.hosts.nodeUsage() : undefined;
    const out = [];
    for (const n of nodes) {
      const servers = withServers ? (await deps.repos.instances.list({ node: n.hypervisor_hostname, deleted: false })).map((i) => ({ name: `instance-${i.uuid.slice(0, 8)}`, uuid: i.uuid })) : undefined;
      out.push(await hypervisorView(req, n, svcs.get(n.host), detail, usage, servers));
    }
    return { hypervisors: out };
  }

  const findNode = async (req: ApiRequest) => {
    const id = req.params.hypervisor_id!;
    const nodes = await deps.repos.hosts.nodes();
    const n = mvAtLeast(req, '2.53') ? nodes.find((x) => x.uuid === id) : nodes.find((x) => String(x.seq) === id);
    if (mvAtLeast(req, '2.53') && !isUuidLike(id)) throw new BadRequest(`Invalid uuid ${id}`);
    if (!n) throw new NotFound(`Hypervisor with ID ${id} could not be found.`);
    return n;
  };

  async function serviceView(req: ApiRequest, s: ServiceRecord, forcedDown: boolean) {
    const zones = await zoneMap(deps);
    const out: Record<string, unknown> = {
      binary: s.binary, host: s.host, id: mvAtLeast(req, '2.53') ? s.id : s.seq, zone: s.binary === 'nova-compute' ? zones.of(s.host) : 'internal',
      status: s.disabled ? 'disabled' : 'enabled', state: isUp(s) ? 'up' : 'down', updated_at: pyDatetime(s.updated_at), disabled_reason: s.disabled_reason,
    };
    if (forcedDown) out.forced_down = s.forced_down;
    return out;
  }

  return [
    { method: 'GET', path: '/v2.1/os-hypervisors', policy: 'os_compute_api:os-hypervisors:list', handler: (req) => listHypervisors(req, false) },
    { method: 'GET', path: '/v2.1/os-hypervisors/detail', policy: 'os_compute_api:os-hypervisors:list-detail', handler: (req) => listHypervisors(req, true) },
    {
      method: 'GET', path: '/v2.1/os-hypervisors/statistics', policy: 'os_compute_api:os-hypervisors:statistics',
      handler: async (req) => {
        if (mvAtLeast(req, '2.88')) throw new NotFound('The resource could not be found.');
        const usage = await deps.repos.hosts.nodeUsage();
        const reserved = deps.config.int('compute.reserved_host_memory_mb');
        const s = { count: 0, vcpus: 0, memory_mb: 0, local_gb: 0, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0, free_ram_mb: 0, free_disk_gb: 0, current_workload: 0, running_vms: 0, disk_available_least: 0 };
        for (const n of await deps.repos.hosts.nodes()) {
          const u = usage.get(n.hypervisor_hostname) ?? { running_vms: 0, vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0 };
          s.count++; s.vcpus += n.vcpus; s.memory_mb += n.memory_mb; s.local_gb += n.local_gb; s.vcpus_used += u.vcpus_used;
          s.memory_mb_used += u.memory_mb_used + reserved; s.local_gb_used += u.local_gb_used; s.free_ram_mb += n.memory_mb - u.memory_mb_used - reserved;
          s.free_disk_gb += n.local_gb - u.local_gb_used; s.running_vms += u.running_vms; s.disk_available_least += n.local_gb - u.local_gb_used;
        }
        return { hypervisor_statistics: s };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-hypervisors/:hypervisor_id', policy: 'os_compute_api:os-hypervisors:show',
      handler: async (req) => {
        const n = await findNode(req);
        const withServers = mvAtLeast(req, '2.53') && req.query.with_servers !== undefined && toBool(queryOne(req.query.with_servers));
        const servers = withServers ? (await deps.repos.instances.list({ node: n.hypervisor_hostname, deleted: false })).map((i) => ({ name: `instance-${i.uuid.slice(0, 8)}`, uuid: i.uuid })) : undefined;
        return { hypervisor: await hypervisorView(req, n, (await computeServices()).get(n.host), true, await deps.repos.hosts.nodeUsage(), servers) };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-hypervisors/:hypervisor_id/uptime', policy: 'os_compute_api:os-hypervisors:uptime',
      handler: async (req) => {
        if (mvAtLeast(req, '2.88')) throw new NotFound('The resource could not be found.');
        const n = await findNode(req);
        const svc = (await computeServices()).get(n.host);
        return { hypervisor: { ...(await hypervisorView(req, n, svc, false)), uptime: ` ${new Date().toISOString().slice(11, 19)} up 1 day,  1 user,  load average: 0.00, 0.00, 0.00` } };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-hypervisors/:pattern/search', policy: 'os_compute_api:os-hypervisors:search',
      handler: async (req) => {
        if (mvAtLeast(req, '2.53')) throw new NotFound('The resource could not be found.');
        const svcs = await computeServices();
        const nodes = (await deps.repos.hosts.nodes()).filter((n) => n.hypervisor_hostname.includes(req.params.pattern!));
        if (!nodes.length) throw new NotFound(`No hypervisor matching '${req.params.pattern}' could be found.`);
        return { hypervisors: await Promise.all(nodes.map((n) => hypervisorView(req, n, svcs.get(n.host), false))) };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-hypervisors/:pattern/servers', policy: 'os_compute_api:os-hypervisors:servers',
      handler: async (req) => {
        if (mvAtLeast(req, '2.53')) throw new NotFound('The resource could not be found.');
        const svcs = await computeServices();
        const nodes = (await deps.repos.hosts.nodes()).filter((n) => n.hypervisor_hostname.includes(req.params.pattern!));
        if (!nodes.length) throw new NotFound(`No hypervisor matching '${req.params.pattern}' could be found.`);
        const out = [];
        for (const n of nodes) {
          const servers = (await deps.repos.instances.list({ node: n.hypervisor_hostname, deleted: false })).map((i) => ({ name: `instance-${i.uuid.slice(0, 8)}`, uuid: i.uuid }));
          out.push(await hypervisorView(req, n, svcs.get(n.host), false, undefined, servers));
        }
        return { hypervisors: out };
      },
    },
    // services
    {
      method: 'GET', path: '/v2.1/os-services', policy: 'os_compute_api:os-services:list',
      handler: async (req) => {
        const svcs = await deps.repos.hosts.services({ host: queryOne(req.query.host), binary: queryOne(req.query.binary) });
        return { services: await Promise.all(svcs.map((s) => serviceView(req, s, mvAtLeast(req, '2.11')))) };
      },
    },
    {
      method: 'PUT', path: '/v2.1/os-services/:id', policy: 'os_compute_api:os-services:update',
      handler: async (req) => {
        const body = req.body ?? {};
        if (mvAtLeast(req, '2.53')) {
          const id = req.params.id!;
          if (!isUuidLike(id)) throw new BadRequest(`Invalid uuid ${id}`);
          const s = await deps.repos.hosts.service(id);
          if (!s) throw new NotFound(`Service ${id} could not be found.`);
          if (s.binary !== 'nova-compute') throw new BadRequest(`Updating a ${s.binary} service is not supported. Only nova-compute services can be updated.`);
          const changes: Partial<ServiceRecord> = {};
          if (body.status === 'enabled') {
            if (body.disabled_reason) throw new BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
            changes.disabled = false; changes.disabled_reason = null;
          } else if (body.status === 'disabled') { changes.disabled = true; changes.disabled_reason = body.disabled_reason ?? null; } else if (body.status !== undefined) throw new BadRequest(`Invalid input for field/attribute status. Value: ${body.status}.`);
          if (body.forced_down !== undefined) changes.forced_down = toBool(body.forced_down);
          if (!Object.keys(changes).length) throw new BadRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
          await deps.repos.hosts.updateService(s.id, changes);
          return { service: await serviceView(req, (await deps.repos.hosts.service(s.id))!, true) };
        }
        const action = req.params.id!;
        const actions = ['enable', 'disable', 'disable-log-reason', ...(mvAtLeast(req, '2.11') ? ['force-down'] : [])];
        if (!actions.includes(action)) throw new NotFound('Unknown action');
        if (typeof body.host !== 'string' || typeof body.binary !== 'string') throw new BadRequest('Invalid input: host and binary are required.');
        if (body.binary !== 'nova-compute') throw new BadRequest(`Updating a ${body.binary} service is not supported. Only nova-compute services can be updated.`);
        const [s] = await deps.repos.hosts.services({ host: body.host, binary: body.binary });
        if (!s) throw new NotFound(`Service ${body.binary} on host ${body.host} could not be found.`);
        if (action === 'force-down') {
          if (body.forced_down === undefined) throw new BadRequest('Missing forced_down field');
          await deps.repos.hosts.updateService(s.id, { forced_down: toBool(body.forced_down) });
          return { service: { host: body.host, binary: body.binary, forced_down: toBool(body.forced_down) } };
        }
        if (action === 'disable-log-reason' && body.disabled_reason === undefined) throw new BadRequest('Missing disabled reason field');
        const disable = action !== 'enable';
        await deps.repos.hosts.updateService(s.id, { disabled: disable, disabled_reason: disable ? body.disabled_reason ?? null : null });
        return { service: { host: body.host, binary: body.binary, status: disable ? 'disabled' : 'enabled', ...(body.disabled_reason && disable ? { disabled_reason: body.disabled_reason } : {}) } };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/os-services/:id', policy: 'os_compute_api:os-services:delete',
      handler: async (req) => {
        const id = req.params.id!;
        const all = await deps.repos.hosts.services();
        const s = mvAtLeast(req, '2.53') ? all.find((x) => x.id === id) : all.find((x) => String(x.seq) === id);
        if (mvAtLeast(req, '2.53') && !isUuidLike(id)) throw new BadRequest(`Invalid uuid ${id}`);
        if (!s) throw new NotFound(`Service ${id} could not be found.`);
        if (s.binary === 'nova-compute' && (await deps.repos.instances.byHost(s.host)).length) {
          throw new Conflict(`Unable to delete compute service that is hosting instances. Migrate or delete the instances first.`);
        }
        await deps.repos.hosts.deleteService(s.id);
        return reply(204);
      },
    },
  ];
}
