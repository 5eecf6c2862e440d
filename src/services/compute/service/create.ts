// Creating servers (nova.compute.api.API.create): check flavor, image, key, networks, zone,
// group and quota; write the instance records (BUILD / scheduling) with their 'create' actions in
// one transaction; cast to the conductor; the API answers 202 without waiting for anything else.
import { randomBytes, randomInt } from 'node:crypto';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { BadRequest, Forbidden, NotFound, OverQuota } from '../../../lib/errors.ts';
import { uuid as newUuid } from '../../../lib/ids.ts';
import type { GlanceImage } from '../../../lib/clients/image.ts';
import { snapshotOf, type Flavor } from '../db/flavors.ts';
import type { ComputeDeps } from '../deps.ts';
import type { BlockDevice, Instance, RequestedNetworks, RequestSpec } from '../model/instance.ts';
import { TASK, VM } from '../model/states.ts';
import { networkServiceAbsent, validateNetworks } from './networks.ts';
import { zoneStates } from './zones.ts';

export interface CreateRequest {
  name: string;
  description: string | null;
  hostname?: string;
  imageRef: string;
  flavor: Flavor;
  adminPass?: string;
  metadata: Record<string, string>;
  networks: RequestedNetworks | undefined;
  accessIPv4?: string;
  accessIPv6?: string;
  autoDiskConfig: boolean;
  availabilityZone?: string;
  blockDevices: BlockDevice[];
  configDrive: boolean;
  keyName?: string;
  minCount: number;
  maxCount: number;
  securityGroups: string[] | undefined;
  userData?: string;
  tags: string[];
  trustedCerts?: string[];
  requestedHost?: string;
  requestedNode?: string;
  forceHost?: string;
  forceNode?: string;
  schedulerHints: Record<string, unknown>;
  isAdmin: boolean;
  cloudUrl: string;
}

export interface CreateResult { instances: Instance[]; reservationId: string; adminPass: string }

const PASSWORD_CHARS = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const generatePassword = (n = 12): string => Array.from({ length: n }, () => PASSWORD_CHARS[randomInt(PASSWORD_CHARS.length)]).join('');

/** utils.sanitize_hostname: what a display name becomes as a hostname. */
export function sanitizeHostname(name: string, fallback: string): string {
  let h = name.normalize('NFKD').replace(/[^\x00-\xff]/g, '').toLowerCase();
  h = h.replace(/[ _.]/g, '-').replace(/[^\w.-]+/g, '').replace(/^[.-]+|[.-]+$/g, '');
  return (h || fallback).slice(0, 63);
}

/** Image properties the instance keeps in system_metadata (image_*), as Nova does. */
function imageSystemMetadata(image: GlanceImage | undefined): Record<string, string> {
  if (!image) return {};
  const out: Record<string, string> = { image_base_image_ref: image.id, image_min_ram: String(image.min_ram ?? 0), image_min_disk: String(image.min_disk ?? 0) };
  if (image.disk_format) out.image_disk_format = image.disk_format;
  if (image.container_format) out.image_container_format = image.container_format;
  const skip = new Set(['id', 'name', 'status', 'visibility', 'owner', 'size', 'virtual_size', 'checksum', 'created_at', 'updated_at', 'tags',
    'self', 'file', 'schema', 'protected', 'os_hidden', 'os_hash_algo', 'os_hash_value', 'locations', 'direct_url', 'stores', 'min_ram', 'min_disk',
    'disk_format', 'container_format']);
  for (const [k, v] of Object.entries(image)) if (!skip.has(k) && v !== null && v !== undefined) out[`image_${k}`] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

async function checkImage(deps: ComputeDeps, ctx: RequestContext, r: CreateRequest): Promise<GlanceImage | undefined> {
  if (!r.imageRef) return undefined;
  let image: GlanceImage;
  try {
    image = await deps.images.get(ctx, r.imageRef);
  } catch (err) {
    if (err instanceof NotFound || err instanceof Forbidden || (err as { status?: number }).status === 400) throw new BadRequest(`Image ${r.imageRef} could not be found.`);
    throw err;
  }
  if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
  const f = r.flavor;
  if ((image.min_ram ?? 0) > f.memory_mb) throw new BadRequest("Flavor's memory is too small for requested image.");
  const bootsFromImageDisk = !r.blockDevices.some((b) => b.boot_index === 0 && b.destination_type === 'volume');
  if (bootsFromImageDisk && f.root_gb > 0) {
    if ((image.min_disk ?? 0) > f.root_gb) throw new BadRequest("Flavor's disk is too small for requested image.");
    if (image.size && image.size > f.root_gb * 1024 ** 3) {
      throw new BadRequest(`Flavor's disk is too small for requested image. Flavor disk is ${f.root_gb * 1024 ** 3} bytes, image is ${image.size} bytes.`);
    }
  }
  return image;
}

async function checkZone(deps: ComputeDeps, r: CreateRequest): Promise<void> {
  if (!r.availabilityZone) return;
  const zones = await zoneStates(deps);
  const known = zones.filter((z) => z.name !== 'internal').map((z) => z.name);
  if (!known.includes(r.availabilityZone)) throw new BadRequest('The requested availability zone is not available');
}

function quota403(message: string): OverQuota {
  const e = new OverQuota(message);
  (e as { status: number }).status = 403;
  return e;
}

export async function createServers(deps: ComputeDeps, ctx: RequestContext, r: CreateRequest): Promise<CreateResult> {
  const projectId = ctx.projectId ?? '';
  const userId = ctx.userId ?? '';
  const f = r.flavor;
  if (r.minCount > r.maxCount) throw new BadRequest('min_count must be <= max_count');
  if (r.hostname && r.maxCount > 1) throw new BadRequest('Unable to allocate a single hostname to multiple instances');
  const image = await checkImage(deps, ctx, r);
  if (!r.imageRef && !r.blockDevices.some((b) => b.boot_index === 0)) throw new BadRequest('Invalid imageRef provided.');
  if (f.root_gb === 0 && r.imageRef && !r.blockDevices.some((b) => b.destination_type === 'volume') &&
    !deps.policy.can('os_compute_api:servers:create:zero_disk_flavor', { project_id: projectId }, ctx)) {
    throw new Forbidden('Only volume-backed servers are allowed for flavors with zero disk.');
  }
  let keyData: string | null = null;
  if (r.keyName) {
    const kp = await deps.repos.keypairs.get(userId, r.keyName);
    if (!kp) throw new BadRequest('Invalid key_name provided.');
    keyData = kp.public_key;
  }
  const limits = await deps.quotas.limits(projectId, userId);
  if (limits.metadata_items >= 0 && Object.keys(r.metadata).length > limits.metadata_items) {
    throw quota403(`Maximum number of metadata items exceeds ${limits.metadata_items}`);
  }
  await checkZone(deps, r);

  let groupId: string | null = null;
  const hinted = r.schedulerHints.group;
  if (hinted !== undefined) {
    groupId = String([hinted].flat()[0]);
    const g = await deps.repos.groups.get(groupId);
    if (!g || (g.project_id !== projectId && !r.isAdmin)) throw new BadRequest(`Instance group ${groupId} could not be found.`);
    if (limits.server_group_members >= 0 && g.members.length + r.maxCount > limits.server_group_members) throw quota403('Quota exceeded, too many servers in group');
  }

  let net;
  try { net = await deps.clients.network(ctx); } catch (err) { if (!networkServiceAbsent(err)) throw err; }
  const networkRequests = await validateNetworks(net, ctx, r.networks, r.maxCount, deps.log);
  if (net && r.securityGroups?.length && networkRequests.length) {
    try { await net.securityGroupIds(projectId, r.securityGroups); } catch (err) { if (!networkServiceAbsent(err)) throw err; }
  }

  const count = await deps.quotas.checkInstances(projectId, userId, f, r.minCount, r.maxCount);
  const reservationId = `r-${randomBytes(6).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 8)}`;
  const adminPass = r.adminPass ?? generatePassword();
  const now = new Date().toISOString();
  const spec: RequestSpec = {
    availability_zone: r.availabilityZone ?? deps.config.optStr('compute.default_schedule_zone') ?? null,
    scheduler_hints: r.schedulerHints, requested_networks: networkRequests.map((n) => ({ uuid: n.network_id, port: n.port_id, fixed_ip: n.fixed_ip, tag: n.tag ?? undefined })),
    group_id: groupId, force_host: r.forceHost ?? null, force_node: r.forceNode ?? null, requested_host: r.requestedHost ?? null,
    requested_hypervisor_hostname: r.requestedNode ?? null, image_properties: image ? Object.fromEntries(Object.entries(image).filter(([k]) => /^(hw_|img_|os_|trait:)/.test(k))) : {},
    tried_hosts: [], num_attempts: 0, cloud_url: r.cloudUrl,
  };
  const instances: Instance[] = [];
  for (let i = 0; i < count; i++) {
    const uuid = newUuid();
    const name = count > 1 ? `${r.name}-${i + 1}` : r.name;
    instances.push({
      uuid, project_id: projectId, user_id: userId, display_name: name, display_description: r.description,
      hostname: r.hostname ?? sanitizeHostname(name, `Server-${uuid}`), image_ref: r.imageRef, flavor: snapshotOf(f), old_flavor: null, new_flavor: null,
      flavorid: f.flavorid, vcpus: f.vcpus, memory_mb: f.memory_mb, vm_state: VM.BUILDING, task_state: TASK.SCHEDULING, power_state: 0,
      host: null, node: null, availability_zone: spec.availability_zone, key_name: r.keyName ?? null, key_data: keyData, user_data: r.userData ?? null,
      config_drive: r.configDrive ? 'True' : '', metadata: r.metadata, system_metadata: { ...imageSystemMetadata(image), admin_pass_set: '1' },
      access_ip_v4: r.accessIPv4 ?? null, access_ip_v6: r.accessIPv6 ?? null, locked_by: null, locked_reason: null, launch_index: i,
      reservation_id: reservationId, launched_at: null, terminated_at: null, progress: 0, auto_disk_config: r.autoDiskConfig,
      root_device_name: null, security_groups: r.securityGroups ?? ['default'], request_spec: spec, network_info: [], block_devices: r.blockDevices,
      trusted_certs: r.trustedCerts ?? null, created_at: now, updated_at: now, deleted_at: null, deleted: false,
    });
  }
  await deps.db.transaction().execute(async (trx) => {
    for (const inst of instances) {
      await deps.repos.instances.insert(trx, inst, r.tags);
      await deps.repos.actions.start(inst.uuid, 'create', { requestId: ctx.requestId, userId, projectId }, trx);
    }
    if (groupId) await deps.repos.groups.addMembers(trx, groupId, instances.map((i) => i.uuid));
  });
  // The password goes to the agent over the bus (drivers may inject it), never to the database.
  await deps.bus.cast(ctx, { topic: 'conductor' }, 'build_instances', { instance_uuids: instances.map((i) => i.uuid), admin_password: adminPass });
  return { instances, reservationId, adminPass };
}
