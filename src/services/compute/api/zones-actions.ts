// os-availability-zone (list, detail) and os-instance-actions (list, show with events).
import { createHash } from 'node:crypto';
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import type { ApiRequest, Route } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import { zoneStates } from '../service/zones.ts';
import { getInstance, mvAtLeast, pyDatetime, queryOne } from './common.ts';

export function zoneRoutes(deps: ComputeDeps): Route[] {
  return [
    {
      method: 'GET', path: '/v2.1/os-availability-zone', policy: 'os_compute_api:os-availability-zone:list',
      handler: async () => ({
        availabilityZoneInfo: (await zoneStates(deps)).filter((z) => z.name !== 'internal')
          .sort((a, b) => Number(b.available) - Number(a.available))
          .map((z) => ({ zoneName: z.name, zoneState: { available: z.available }, hosts: null })),
      }),
    },
    {
      method: 'GET', path: '/v2.1/os-availability-zone/detail', policy: 'os_compute_api:os-availability-zone:detail',
      handler: async () => ({
        availabilityZoneInfo: (await zoneStates(deps)).sort((a, b) => Number(b.available) - Number(a.available)).map((z) => {
          if (!z.available) return { zoneName: z.name, zoneState: { available: false }, hosts: null };
          const hosts: Record<string, Record<string, unknown>> = {};
          for (const [host, svcs] of z.hosts) {
            const active = svcs.filter((s) => s.active);
            if (!active.length) continue;
            hosts[host] = Object.fromEntries(active.map((s) => [s.binary, { available: s.available, active: s.active, updated_at: pyDatetime(s.updated_at) }]));
          }
          return { zoneName: z.name, zoneState: { available: true }, hosts };
        }),
      }),
    },
  ];
}

export function instanceActionRoutes(deps: ComputeDeps): Route[] {
  // Deleted servers keep their actions (Nova reads them with read_deleted='yes').
  const target = async (req: ApiRequest) => {
    const inst = await getInstance(deps, req.params.server_id!, req.ctx, { readDeleted: true });
    return { project_id: inst.project_id, user_id: inst.user_id, instance: inst };
  };
  const actionView = (req: ApiRequest, a: Record<string, any>) => {
    const out: Record<string, unknown> = {
      action: a.action, instance_uuid: a.instance_uuid, request_id: a.request_id, user_id: a.user_id, project_id: a.project_id,
      start_time: pyDatetime(a.start_time), message: a.message,
    };
    if (mvAtLeast(req, '2.58')) out.updated_at = pyDatetime(a.updated_at);
    return out;
  };
  return [
    {
      method: 'GET', path: '/v2.1/servers/:server_id/os-instance-actions', policy: 'os_compute_api:os-instance-actions:list', target,
      handler: async (req) => {
        const q = req.query;
        const since = queryOne(q['changes-since']);
        const before = queryOne(q['changes-before']);
        let actions = await deps.repos.actions.list(req.params.server_id!, {
          changesSince: mvAtLeast(req, '2.58') && since ? new Date(since).toISOString() : undefined,
          changesBefore: mvAtLeast(req, '2.66') && before ? new Date(before).toISOString() : undefined,
        });
        if (mvAtLeast(req, '2.58')) {
          const marker = queryOne(q.marker);
          if (marker !== undefined) {
            const i = actions.findIndex((a) => a.request_id === marker);
            if (i < 0) throw new BadRequest(`Marker ${marker} could not be found.`);
            actions = actions.slice(i + 1);
          }
          const limit = queryOne(q.limit);
          if (limit !== undefined) actions = actions.slice(0, Number(limit));
        }
        return { instanceActions: actions.map((a) => actionView(req, a)) };
      },
    },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/os-instance-actions/:request_id', policy: 'os_compute_api:os-instance-actions:show', target,
      handler: async (req) => {
        const a = await deps.repos.actions.find(req.params.server_id!, req.params.request_id!);
        if (!a) throw new NotFound(`Action for request_id ${req.params.request_id} on instance ${req.params.server_id} not found`);
        const out = actionView(req, a);
        const own = { project_id: (req.target.instance as { project_id: string }).project_id };
        if (mvAtLeast(req, '2.51') || deps.policy.can('os_compute_api:os-instance-actions:events', own, req.ctx)) {
          const showDetails = deps.policy.can('os_compute_api:os-instance-actions:events', own, req.ctx);
          out.events = (await deps.repos.actions.events(a.id)).map((e) => {
            const ev: Record<string, unknown> = { event: e.event, start_time: pyDatetime(e.start_time), finish_time: pyDatetime(e.finish_time), result: e.result };
            if (showDetails) ev.traceback = e.traceback;
            if (mvAtLeast(req, '2.62')) {
              if (showDetails) ev.host = e.host ?? '';
              ev.hostId = e.host ? createHash('sha224').update(`${a.project_id}${e.host}`).digest('hex') : '';
            }
            if (mvAtLeast(req, '2.84') && showDetails) ev.details = e.details;
            return ev;
          });
        }
        return { instanceAction: out };
      },
    },
  ];
}

