// The smaller corners of the API: extensions, os-server-password, os-server-external-events
// (the network service says a port changed), os-volume_attachments and remote consoles (which
// answer clearly that this cloud has no block storage and no console yet), diagnostics, os-hosts.
import { BadRequest, NotFound, ServiceUnavailable } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import { refreshNetworkInfo } from '../service/networks.ts';
import { zoneMap } from '../service/zones.ts';
import { mvAtLeast, serverTarget, targetInstance } from './common.ts';
import { EXTENSIONS } from './extension-list.ts';
import { validate } from './validation.ts';

const extensionView = ([alias, name, description]: [string, string, string]) => ({
  alias, description, links: [], name, namespace: 'http://docs.openstack.org/compute/ext/fake_xml', updated: '2014-12-03T00:00:00Z',
});

export function miscRoutes(deps: ComputeDeps): Route[] {
  const target = (req: ApiRequest) => serverTarget(deps, req);
  const noVolumes = () => { throw new ServiceUnavailable('Volume attachments need the block storage service, which this cloud does not run.'); };
  const noConsole = (type: string) => { throw new BadRequest(`Unavailable console type ${type}.`); };
  return [
    { method: 'GET', path: '/v2.1/extensions', policy: 'os_compute_api:extensions', handler: () => ({ extensions: EXTENSIONS.map(extensionView) }) },
    {
      method: 'GET', path: '/v2.1/extensions/:alias', policy: 'os_compute_api:extensions',
      handler: (req) => {
        const e = EXTENSIONS.find(([alias]) => alias === req.params.alias);
        if (!e) throw new NotFound('The resource could not be found.');
        return { extension: extensionView(e) };
      },
    },
    { method: 'GET', path: '/v2.1/servers/:server_id/os-server-password', policy: 'os_compute_api:os-server-password:show', target, handler: (req) => ({ password: targetInstance(req).system_metadata.password ?? '' }) },
    {
      method: 'DELETE', path: '/v2.1/servers/:server_id/os-server-password', policy: 'os_compute_api:os-server-password:clear', target,
      handler: async (req) => {
        const inst = targetInstance(req);
        const { password: _p, ...sm } = inst.system_metadata;
        await deps.repos.instances.update(inst.uuid, { system_metadata: sm }, {});
        return undefined;
      },
    },
    {
      method: 'POST', path: '/v2.1/os-server-external-events', policy: 'os_compute_api:os-server-external-events:create',
      handler: async (req) => {
        const events = req.body?.events;
        if (!Array.isArray(events) || !events.length) throw new BadRequest('Invalid input for field/attribute events.');
        let found = 0;
        const out = [];
        for (const e of events) {
          const inst = await deps.repos.instances.get(String(e.server_uuid));
          const res = { ...e, status: e.status ?? 'completed', code: inst ? 200 : 404 };
          if (inst) {
            found++;
            if (e.name === 'network-changed' || e.name === 'network-vif-deleted') await refreshNetworkInfo(deps, req.ctx.requestId, inst).catch((err) => deps.log.warn({ err }, 'could not refresh network info'));
          }
          out.push(res);
        }
        if (!found) throw new NotFound('No instances found for any event');
        return reply(found === events.length ? 200 : 207, { events: out });
      },
    },
    { method: 'GET', path: '/v2.1/servers/:server_id/os-volume_attachments', policy: 'os_compute_api:os-volumes-attachments:index', target, handler: () => ({ volumeAttachments: [] }) },
    { method: 'POST', path: '/v2.1/servers/:server_id/os-volume_attachments', policy: 'os_compute_api:os-volumes-attachments:create', target, handler: noVolumes },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/os-volume_attachments/:volume_id', policy: 'os_compute_api:os-volumes-attachments:show', target,
      handler: (req) => { throw new NotFound(`Volume ${req.params.volume_id} is not attached to server ${req.params.server_id}.`); },
    },
    { method: 'PUT', path: '/v2.1/servers/:server_id/os-volume_attachments/:volume_id', policy: 'os_compute_api:os-volumes-attachments:update', target, handler: noVolumes },
    {
      method: 'DELETE', path: '/v2.1/servers/:server_id/os-volume_attachments/:volume_id', policy: 'os_compute_api:os-volumes-attachments:delete', target,
      handler: (req) => { throw new NotFound(`Volume ${req.params.volume_id} is not attached to server ${req.params.server_id}.`); },
    },
    {
      method: 'POST', path: '/v2.1/servers/:server_id/remote-consoles', policy: 'os_compute_api:os-remote-consoles', target,
      handler: (req) => {
        if (!mvAtLeast(req, '2.6')) throw new NotFound('The resource could not be found.');
        return noConsole(String(req.body?.remote_console?.type ?? req.body?.remote_console?.protocol ?? 'vnc'));
      },
    },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/diagnostics', policy: 'os_compute_api:os-server-diagnostics', target,
      handler: async (req) => {
        const inst = targetInstance(req);
        if (!mvAtLeast(req, '2.48')) return { cpu0_time: 17300000000, memory: inst.flavor.memory_mb * 1024, vda_read: 262144, vda_read_req: 112, vda_write: 5778432, vda_write_req: 488 };
        return {
          state: inst.power_state === 1 ? 'running' : 'shutdown', driver: 'libvirt', hypervisor: 'kvm', hypervisor_os: 'ubuntu', uptime: 46664, config_drive: inst.config_drive === 'True',
          num_cpus: inst.flavor.vcpus, num_nics: inst.network_info.length, num_disks: 1, memory_details: { maximum: inst.flavor.memory_mb, used: 0 },
          cpu_details: Array.from({ length: inst.flavor.vcpus }, (_, i) => ({ id: i, time: 17300000000, utilisation: 15 })),
          nic_details: inst.network_info.map((v) => ({ mac_address: v.mac_address, rx_octets: 0, rx_errors: 0, rx_drop: 0, rx_packets: 0, rx_rate: null, tx_octets: 0, tx_errors: 0, tx_drop: 0, tx_packets: 0, tx_rate: null })),
          disk_details: [{ read_bytes: 262144, read_requests: 112, write_bytes: 5778432, write_requests: 488, errors_count: 0 }],
        };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-hosts', policy: 'os_compute_api:os-hosts:list',
      handler: async (req) => {
        if (mvAtLeast(req, '2.43')) throw new NotFound('The resource could not be found.');
        const zones = await zoneMap(deps);
        const zoneFilter = req.query.zone !== undefined ? String(req.query.zone) : undefined;
        const hosts = (await deps.repos.hosts.services()).map((s) => ({ host_name: s.host, service: s.binary.replace(/^nova-/, ''), zone: s.binary === 'nova-compute' ? zones.of(s.host) : 'internal' }));
        return { hosts: zoneFilter ? hosts.filter((h) => h.zone === zoneFilter) : hosts };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-hosts/:host', policy: 'os_compute_api:os-hosts:show',
      handler: async (req) => {
        if (mvAtLeast(req, '2.43')) throw new NotFound('The resource could not be found.');
        const host = req.params.host!;
        const [node] = await deps.repos.hosts.nodes({ host });
        if (!node) throw new NotFound(`Compute host ${host} could not be found.`);
        const insts = await deps.repos.instances.byHost(host);
        const sum = (f: (i: (typeof insts)[number]) => number) => insts.reduce((n, i) => n + f(i), 0);
        const row = (project: string, cpu: number, mem: number, disk: number) => ({ resource: { host, project, cpu, memory_mb: mem, disk_gb: disk } });
        const projects = [...new Set(insts.map((i) => i.project_id))];
        return { host: [
          row('(total)', node.vcpus, node.memory_mb, node.local_gb),
          row('(used_now)', sum((i) => i.flavor.vcpus), sum((i) => i.flavor.memory_mb) + deps.config.int('compute.reserved_host_memory_mb'), sum((i) => i.flavor.root_gb + i.flavor.ephemeral_gb)),
          row('(used_max)', sum((i) => i.flavor.vcpus), sum((i) => i.flavor.memory_mb), sum((i) => i.flavor.root_gb + i.flavor.ephemeral_gb)),
          ...projects.map((p) => { const mine = insts.filter((i) => i.project_id === p); return row(p, mine.reduce((n, i) => n + i.flavor.vcpus, 0), mine.reduce((n, i) => n + i.flavor.memory_mb, 0), mine.reduce((n, i) => n + i.flavor.root_gb + i.flavor.ephemeral_gb, 0)); }),
        ] };
      },
    },
    {
      method: 'PUT', path: '/v2.1/os-hosts/:host', policy: 'os_compute_api:os-hosts:update',
      handler: async (req) => {
        if (mvAtLeast(req, '2.43')) throw new NotFound('The resource could not be found.');
        const mode = { type: 'string', enum: ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE'] };
        validate(req.body, { type: 'object', properties: { status: mode, maintenance_mode: mode }, anyOf: [{ required: ['status'] }, { required: ['maintenance_mode'] }], additionalProperties: false });
        const host = req.params.host!;
        const [svc] = await deps.repos.hosts.services({ host, binary: 'nova-compute' });
        if (!svc) throw new NotFound(`Compute host ${host} could not be found.`);
        const out: Record<string, unknown> = { host };
        if (req.body.status) {
          const enable = req.body.status.toLowerCase() === 'enable';
          await deps.repos.hosts.updateService(svc.id, { disabled: !enable, disabled_reason: enable ? null : 'disabled through os-hosts' });
          out.status = enable ? 'enabled' : 'disabled';
        }
        if (req.body.maintenance_mode) out.maintenance_mode = req.body.maintenance_mode.toLowerCase() === 'enable' ? 'on_maintenance' : 'off_maintenance';
        return out;
      },
    },
    ...(['reboot', 'shutdown', 'startup'] as const).map((action): Route => ({
      method: 'GET', path: `/v2.1/os-hosts/:host/${action}`, policy: `os_compute_api:os-hosts:${action === 'startup' ? 'start' : action}`,
      handler: async (req) => {
        if (mvAtLeast(req, '2.43')) throw new NotFound('The resource could not be found.');
        if (!(await deps.repos.hosts.services({ host: req.params.host!, binary: 'nova-compute' })).length) throw new NotFound(`Compute host ${req.params.host} could not be found.`);
        return { host: req.params.host, power_action: action };
      },
    })),
    { method: 'GET', path: '/v2.1/os-instance_usage_audit_log', policy: 'os_compute_api:os-instance-usage-audit-log:list', handler: async () => ({ instance_usage_audit_logs: await auditLog(deps, new Date()) }) },
    {
      method: 'GET', path: '/v2.1/os-instance_usage_audit_log/:before', policy: 'os_compute_api:os-instance-usage-audit-log:show',
      handler: async (req) => {
        const v = req.params.before!;
        const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(v);
        if (!m || Number.isNaN(Date.parse(`${m[1]}T${m[2]}Z`))) throw new BadRequest(`Invalid timestamp for date ${v}`);
        return { instance_usage_audit_log: await auditLog(deps, new Date(`${m[1]}T${m[2]}Z`)) };
      },
    },
  ];
}

/** Nova's audit log of the last completed month before `before`; no audit task ever runs here. */
async function auditLog(deps: ComputeDeps, before: Date): Promise<Record<string, unknown>> {
  const end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), 1));
  const begin = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
  const hosts = [...new Set((await deps.repos.hosts.services({ binary: 'nova-compute' })).map((s) => s.host))];
  const fmt = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
  return {
    period_beginning: fmt(begin), period_ending: fmt(end), num_hosts: hosts.length, num_hosts_done: 0, num_hosts_running: 0,
    num_hosts_not_run: hosts.length, hosts_not_run: hosts, total_instances: 0, total_errors: 0,
    overall_status: `${hosts.length === 0 ? 'ALL' : `0 of ${hosts.length}`} hosts done. 0 errors.`, log: {},
  };
}
