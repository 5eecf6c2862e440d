// GET /servers and /servers/detail: Nova's search options (servers.py _get_servers), what a
// non-admin may filter on, status → vm/task states, sorting, limit/marker.
import { BadRequest, Forbidden } from '../../../lib/errors.ts';
import type { ApiRequest } from '../../../lib/http/routes.ts';
import { MarkerNotFound, SORTABLE, type InstanceQuery } from '../db/instances.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';
import { statesFromStatuses } from '../model/states.ts';
import { collectionLinks, limitAndMarker, mvAtLeast, queryList, queryOne } from './common.ts';
import { basicView, showView, viewExtras } from './server-view.ts';

const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'];
const IGNORED_SORT = new Set(['architecture', 'cell_name', 'cleaned', 'default_ephemeral_device', 'default_swap_device', 'deleted', 'deleted_at',
  'disable_terminate', 'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on', 'locked', 'memory_mb', 'os_type', 'reservation_id',
  'root_gb', 'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode']);
const VALID_SORT = new Set(['access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive', 'created_at', 'display_description',
  'display_name', 'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id', 'key_name', 'launch_index', 'launched_at', 'locked_by', 'node',
  'power_state', 'progress', 'project_id', 'ramdisk_id', 'root_device_name', 'task_state', 'terminated_at', 'updated_at', 'user_id', 'uuid', 'vm_state', ...IGNORED_SORT]);

/** Options a non-admin may filter on (_get_server_search_options). */
function allowedOptions(req: ApiRequest): Set<string> {
  const opts = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since', 'all_tenants'];
  if (mvAtLeast(req, '2.5')) opts.push('ip6');
  if (mvAtLeast(req, '2.26')) opts.push(...TAG_FILTERS);
  if (mvAtLeast(req, '2.66')) opts.push('changes-before');
  if (mvAtLeast(req, '2.73')) opts.push('locked');
  if (mvAtLeast(req, '2.83')) opts.push('availability_zone', 'config_drive', 'key_name', 'created_at', 'launched_at', 'terminated_at', 'power_state', 'task_state', 'vm_state', 'progress', 'user_id');
  if (mvAtLeast(req, '2.90')) opts.push('hostname');
  return new Set([...opts, 'limit', 'marker', 'sort_key', 'sort_dir']);
}

const boolFrom = (v: string, name: string): boolean => {
  const s = v.toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes', ''].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  throw new BadRequest(`Invalid value '${v}' for ${name}`);
};

const isoParse = (v: string, name: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) || Number.isNaN(Date.parse(v))) {
    throw new BadRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not a 'date-time'`);
  }
  return new Date(/Z|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v}Z`).toISOString();
};

/** Turns a Nova filter value into a regex (Nova matches name, ip… as regular expressions). */
function regexOf(pattern: string, anchored = false): RegExp {
  try {
    return new RegExp(anchored ? `^(?:${pattern})` : pattern);
  } catch {
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}

export async function listServers(deps: ComputeDeps, req: ApiRequest, detail: boolean): Promise<Record<string, unknown>> {
  const ctx = req.ctx;
  const max = deps.config.int('compute.max_limit');
  const { limit, marker } = limitAndMarker(req, max);
  const raw: Record<string, unknown> = { ...req.query };
  const allowAll = deps.policy.can('os_compute_api:servers:allow_all_filters', {}, ctx);
  if (!allowAll) {
    const ok = allowedOptions(req);
    for (const k of Object.keys(raw)) if (!ok.has(k)) delete raw[k];
  }
  for (const k of Object.keys(raw)) if (k.startsWith('_')) throw new BadRequest(`Invalid filter field: ${k}.`);
  const one = (k: string) => queryOne(raw[k]);
  const q: InstanceQuery = { limit, marker };

  if (raw.status !== undefined) {
    const { vmStates, taskStates } = statesFromStatuses(queryList(raw.status));
    if (!vmStates.length) {
      if (mvAtLeast(req, '2.38')) throw new BadRequest('Invalid status value');
      return { servers: [] };
    }
    q.vmStates = vmStates;
    if (!taskStates.includes('default')) q.taskStates = taskStates.map((t) => t);
  }
  if (raw['changes-since'] !== undefined) q.changesSince = isoParse(one('changes-since')!, 'changes-since');
  if (raw['changes-before'] !== undefined) {
    q.changesBefore = isoParse(one('changes-before')!, 'changes-before');
    if (q.changesSince && q.changesBefore < q.changesSince) throw new BadRequest('The value of changes-since must be less than or equal to changes-before.');
  }
  const isAdmin = deps.policy.can('context_is_admin', {}, ctx);
  if (raw.deleted !== undefined) q.deleted = boolFrom(one('deleted')!, 'deleted');
  else if (!q.changesSince && !q.changesBefore) q.deleted = false;
  if (q.vmStates?.length === 1 && q.vmStates[0] === 'deleted') {
    if (!isAdmin) throw new Forbidden('Only administrators may list deleted instances');
    q.deleted = true;
    delete q.vmStates;
  }
  let allTenants = false;
  if (raw.all_tenants !== undefined) allTenants = boolFrom(one('all_tenants') ?? '', 'all_tenants');
  if (allTenants) {
    deps.policy.authorize(detail ? 'os_compute_api:servers:detail:get_all_tenants' : 'os_compute_api:servers:index:get_all_tenants', {}, ctx);
    const pid = one('project_id') ?? one('tenant_id');
    if (pid !== undefined) q.projectId = pid;
  } else if (ctx.projectId) q.projectId = ctx.projectId;
  else q.userId = ctx.userId ?? '';
  if (raw.user_id !== undefined) q.userId = one('user_id');
  if (raw.name !== undefined) q.nameRegex = regexOf(one('name')!);
  if (raw.description !== undefined) q.descriptionRegex = regexOf(one('description')!);
  if (raw.ip !== undefined) q.ipRegex = regexOf(one('ip')!, true);
  if (raw.ip6 !== undefined) q.ip6Regex = regexOf(one('ip6')!, true);
  const image = one('image') ?? one('image_ref');
  if (image !== undefined) q.imageRef = image.replace(/^.*\/images\//, '');
  if (raw.flavor !== undefined) q.flavorid = one('flavor')!.replace(/^.*\/flavors\//, '');
  if (raw.host !== undefined) q.host = one('host');
  if (raw.node !== undefined) q.node = one('node');
  if (raw.availability_zone !== undefined) q.availabilityZone = one('availability_zone');
  if (raw.reservation_id !== undefined) q.reservationId = one('reservation_id');
  if (raw.locked !== undefined) q.locked = boolFrom(one('locked')!, 'locked');
  if (raw.vm_state !== undefined) q.vmStates = queryList(raw.vm_state);
  if (raw.task_state !== undefined) q.taskStates = queryList(raw.task_state);
  if (raw.power_state !== undefined) q.powerStates = queryList(raw.power_state).map(Number).filter(Number.isFinite);
  if (mvAtLeast(req, '2.26')) {
    const split = (k: string) => (raw[k] !== undefined ? one(k)!.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
    q.tags = split('tags'); q.tagsAny = split('tags-any'); q.notTags = split('not-tags'); q.notTagsAny = split('not-tags-any');
  }
  const keys = queryList(req.query.sort_key);
  const dirs = queryList(req.query.sort_dir);
  if (keys.length || dirs.length) {
    const sort: InstanceQuery['sort'] = [];
    keys.forEach((k, i) => {
      if (!VALID_SORT.has(k) && !(k === 'locked' && mvAtLeast(req, '2.73'))) throw new BadRequest(`Invalid input for query parameters sort_key. Value: ${k}.`);
      const dir = (dirs[i] ?? dirs[0] ?? 'desc').toLowerCase();
      if (dir !== 'asc' && dir !== 'desc') throw new BadRequest(`Invalid sort direction: ${dir}`);
      if (IGNORED_SORT.has(k) || ((k === 'host' || k === 'node') && !isAdmin)) return;
      const col = k === 'instance_type_id' ? 'flavorid' : k === 'locked' ? 'locked_by' : k === 'kernel_id' || k === 'ramdisk_id' ? 'image_ref' : k;
      if (SORTABLE.has(col)) sort.push({ key: col, dir });
    });
    if (!keys.length) sort.push({ key: 'created_at', dir: (dirs[0]!.toLowerCase() === 'asc' ? 'asc' : 'desc') });
    q.sort = sort;
  }

  let instances: Instance[];
  try {
    instances = await deps.repos.instances.list(q);
  } catch (err) {
    if (err instanceof MarkerNotFound) throw new BadRequest(`marker [${marker}] not found`);
    throw err;
  }
  const coll = detail ? 'servers/detail' : 'servers';
  let out: Record<string, unknown>;
  if (detail) {
    const x = await viewExtras(deps, req, instances, { detail: true });
    out = { servers: instances.map((i) => showView(req, i, x)) };
  } else {
    out = { servers: instances.map((i) => basicView(req, i)) };
  }
  const l = collectionLinks(req, coll, instances.map((i) => ({ id: i.uuid })), max);
  if (l) out.servers_links = l;
  return out;
}
