// /servers: create, list, detail, show, update, delete (nova/api/openstack/compute/servers.py).
import { BadRequest, Forbidden, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import type { BlockDevice, Instance, RequestedNetworks } from '../model/instance.ts';
import { createServers, type CreateRequest } from '../service/create.ts';
import { deleteServer } from '../service/delete.ts';
import { cloudUrlOf, getInstance, links, mvAtLeast, serverTarget, targetInstance } from './common.ts';
import { visibleFlavor } from './flavors.ts';
import { createSchema, updateSchema } from './server-schemas.ts';
import { listServers } from './server-list.ts';
import { showView, viewExtras } from './server-view.ts';
import { normalizeIpv6, toBool, validate } from './validation.ts';

function parseBlockDevices(server: Record<string, any>): BlockDevice[] {
  if (server.block_device_mapping?.length && server.block_device_mapping_v2?.length) {
    throw new BadRequest('Using different block_device_mapping syntaxes is not allowed in the same request.');
  }
  if (server.block_device_mapping?.length) throw new BadRequest('Block Device Mapping is Invalid: volumes need the block storage service, which is not available.');
  return (server.block_device_mapping_v2 ?? []).map((b: Record<string, any>): BlockDevice => {
    const source = b.source_type ?? (b.volume_id ? 'volume' : b.snapshot_id ? 'snapshot' : b.image_id ? 'image' : 'blank');
    const dest = b.destination_type ?? (source === 'image' || source === 'blank' ? 'local' : 'volume');
    if (source === 'volume' || source === 'snapshot' || dest === 'volume') {
      throw new BadRequest('Block Device Mapping is Invalid: volumes need the block storage service, which is not available.');
    }
    const bootIndex = b.boot_index === undefined || b.boot_index === null ? null : Number(b.boot_index);
    return {
      source_type: source, destination_type: dest, boot_index: bootIndex, uuid: b.uuid ?? b.image_id ?? null,
      volume_size: b.volume_size !== undefined ? Number(b.volume_size) : null, delete_on_termination: b.delete_on_termination !== undefined ? toBool(b.delete_on_termination) : dest === 'local',
      device_name: b.device_name ?? null, tag: b.tag ?? null,
    };
  });
}

async function parseCreate(deps: ComputeDeps, req: ApiRequest): Promise<CreateRequest> {
  validate(req.body, createSchema(req.microversion!));
  const body = req.body;
  const s = body.server;
  const ctx = req.ctx;
  const target = { project_id: ctx.projectId, user_id: ctx.userId, availability_zone: s.availability_zone };
  deps.policy.authorize('os_compute_api:servers:create', target, ctx);
  const isAdmin = deps.policy.can('context_is_admin', {}, ctx);
  let flavor;
  try { flavor = await visibleFlavor(deps, req, String(s.flavorRef).replace(/^.*\/flavors\//, '')); } catch (err) {
    if (err instanceof NotFound) throw new BadRequest(`Flavor ${s.flavorRef} could not be found.`);
    throw err;
  }
  if (flavor.disabled) throw new BadRequest(`Flavor ${s.flavorRef} could not be found.`);
  let networks: RequestedNetworks | undefined;
  if (s.networks !== undefined) {
    networks = typeof s.networks === 'string' ? s.networks : s.networks.map((n: Record<string, string>) => ({ uuid: n.uuid, port: n.port ?? undefined, fixed_ip: n.fixed_ip, tag: n.tag }));
    if (Array.isArray(networks) && networks.length) deps.policy.authorize('os_compute_api:servers:create:attach_network', target, ctx);
  }
  const blockDevices = parseBlockDevices(s);
  if (blockDevices.length) deps.policy.authorize('os_compute_api:servers:create:attach_volume', target, ctx);
  let imageRef: string = s.imageRef ?? '';
  if (!imageRef) {
    const boot = blockDevices.find((b) => b.boot_index === 0 && b.source_type === 'image');
    if (boot?.uuid) imageRef = boot.uuid;
  }
  // zone, or the admin's zone:host:node
  let zone: string | undefined = s.availability_zone;
  let forceHost: string | undefined;
  let forceNode: string | undefined;
  if (zone && zone.includes(':')) {
    const [z, h, n] = zone.split(':');
    deps.policy.authorize('os_compute_api:servers:create:forced_host', target, ctx);
    zone = z || undefined; forceHost = h || undefined; forceNode = n || undefined;
  }
  let requestedHost: string | undefined;
  let requestedNode: string | undefined;
  if (mvAtLeast(req, '2.74') && (s.host || s.hypervisor_hostname)) {
    deps.policy.authorize('compute:servers:create:requested_destination', target, ctx);
    if (forceHost || forceNode) throw new BadRequest('One mechanism with host and/or hypervisor_hostname and another mechanism with zone:host:node are mutually exclusive.');
    requestedHost = s.host; requestedNode = s.hypervisor_hostname;
    const nodes = await deps.repos.hosts.nodes();
    if (requestedHost && !nodes.some((n) => n.host === requestedHost)) throw new BadRequest(`Compute host ${requestedHost} could not be found.`);
    if (requestedNode && !nodes.some((n) => n.hypervisor_hostname === requestedNode && (!requestedHost || n.host === requestedHost))) throw new BadRequest(`Compute host ${requestedNode} could not be found.`);
  }
  if (s.trusted_image_certificates?.length) deps.policy.authorize('os_compute_api:servers:create:trusted_certs', target, ctx);
  if (s.personality?.length) {
    const limits = await deps.quotas.limits(ctx.projectId ?? '', ctx.userId);
    if (limits.injected_files >= 0 && s.personality.length > limits.injected_files) throw Object.assign(new Forbidden('Personality file limit exceeded'), {});
  }
  const min = Number(s.min_count ?? 1);
  return {
    name: s.name.trim(), description: mvAtLeast(req, '2.19') ? (s.description ?? null) : s.name.trim(), hostname: mvAtLeast(req, '2.90') ? s.hostname : undefined,
    imageRef, flavor, adminPass: s.adminPass, metadata: s.metadata ?? {}, networks, accessIPv4: s.accessIPv4, accessIPv6: s.accessIPv6 ? normalizeIpv6(s.accessIPv6) : undefined,
    autoDiskConfig: s['OS-DCF:diskConfig'] === 'AUTO', availabilityZone: zone, blockDevices, configDrive: s.config_drive !== undefined && toBool(s.config_drive),
    keyName: s.key_name, minCount: min, maxCount: Number(s.max_count ?? min),
    securityGroups: s.security_groups ? [...new Set<string>(s.security_groups.map((g: { name?: string }) => g.name).filter(Boolean))] : undefined,
    userData: s.user_data ?? undefined, tags: mvAtLeast(req, '2.52') ? (s.tags ?? []) : [], trustedCerts: s.trusted_image_certificates ?? undefined,
    requestedHost, requestedNode, forceHost, forceNode, schedulerHints: body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {}, isAdmin, cloudUrl: cloudUrlOf(req),
  };
}

/** Show view of one instance (show, update and rebuild answers). */
export async function showOne(deps: ComputeDeps, req: ApiRequest, inst: Instance, minimal = false, showUserData = true): Promise<Record<string, unknown>> {
  const x = await viewExtras(deps, req, [inst], { groups: mvAtLeast(req, '2.71') });
  return showView(req, inst, x, { showServerGroups: mvAtLeast(req, '2.71'), minimal, showUserData });
}

export function serverRoutes(deps: ComputeDeps): Route[] {
  const target = (req: ApiRequest) => serverTarget(deps, req);
  return [
    { method: 'GET', path: '/v2.1/servers', policy: 'os_compute_api:servers:index', handler: (req) => listServers(deps, req, false) },
    { method: 'GET', path: '/v2.1/servers/detail', policy: 'os_compute_api:servers:detail', handler: (req) => listServers(deps, req, true) },
    {
      method: 'GET', path: '/v2.1/servers/:server_id', policy: 'os_compute_api:servers:show', target,
      handler: async (req) => ({ server: await showOne(deps, req, targetInstance(req)) }),
    },
    {
      // The policy needs the zone from the body: checked in parseCreate (as Nova does).
      method: 'POST', path: '/v2.1/servers', policy: 'os_compute_api:servers:create', target: () => ({}),
      handler: async (req) => {
        deps.endpoints.learn(cloudUrlOf(req));
        const parsed = await parseCreate(deps, req);
        const res = await createServers(deps, req.ctx, parsed);
        if (req.body.server.return_reservation_id !== undefined && toBool(req.body.server.return_reservation_id)) return reply(202, { reservation_id: res.reservationId });
        const first = res.instances[0]!;
        const server: Record<string, unknown> = {
          id: first.uuid, links: links(req, 'servers', first.uuid), 'OS-DCF:diskConfig': first.auto_disk_config ? 'AUTO' : 'MANUAL',
          security_groups: req.body.server.security_groups ?? [{ name: 'default' }],
        };
        if (deps.config.bool('compute.enable_instance_password')) server.adminPass = res.adminPass;
        return reply(202, { server }, { location: `${req.baseUrl}/v2.1/servers/${first.uuid}` });
      },
    },
    {
      method: 'PUT', path: '/v2.1/servers/:server_id', policy: 'os_compute_api:servers:update', target,
      handler: async (req) => {
        validate(req.body, updateSchema(req.microversion!));
        const s = req.body.server;
        const inst = targetInstance(req);
        const changes: Partial<Instance> = {};
        if (s.name !== undefined) changes.display_name = s.name.trim();
        if (s.description !== undefined) changes.display_description = s.description;
        if (s.hostname !== undefined) changes.hostname = s.hostname;
        if (s.accessIPv4 !== undefined) changes.access_ip_v4 = s.accessIPv4 || null;
        if (s.accessIPv6 !== undefined) changes.access_ip_v6 = s.accessIPv6 ? normalizeIpv6(s.accessIPv6) : null;
        if (s['OS-DCF:diskConfig'] !== undefined) changes.auto_disk_config = s['OS-DCF:diskConfig'] === 'AUTO';
        await deps.repos.instances.update(inst.uuid, changes, {});
        return { server: await showOne(deps, req, await getInstance(deps, inst.uuid), !mvAtLeast(req, '2.75')) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/servers/:server_id', policy: 'os_compute_api:servers:delete', target,
      handler: async (req) => { await deleteServer(deps, req.ctx, targetInstance(req)); return undefined; },
    },
  ];
}
