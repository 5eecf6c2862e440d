// The server representation per microversion (nova/api/openstack/compute/views/servers.py):
// Tempest checks it against a JSON schema per version, so every key here is Nova's, no more.
import { createHash } from 'node:crypto';
import type { ApiRequest } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import { instanceName, type Instance, type Vif } from '../model/instance.ts';
import { statusFromState, VM } from '../model/states.ts';
import { bookmark, isotime, links, mvAtLeast, pyDatetime } from './common.ts';

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);
const FAULT_STATUSES = new Set(['ERROR', 'DELETED']);

export interface Fault { code: number; message: string; details: string | null; created_at: string }

/** What the view needs besides the instance, loaded once per request (per list). */
export interface ViewExtras {
  faults: Map<string, Fault>;
  tags: Map<string, string[]>;
  /** Server group of each instance (2.71 show). */
  groups?: Map<string, string[]>;
  /** 'all' | 'unknown-only' | undefined (2.16 host_status by policy). */
  hostStatusMode?: 'all' | 'unknown-only';
  hostStatus?: (host: string | null) => string;
  showExtended: boolean;
  showExtraSpecs: boolean;
  isAdmin: boolean;
}

/** Nova's utils.generate_hostid: sha224(project_id + host), '' without a host. */
export const hostId = (inst: Instance): string => (inst.host ? createHash('sha224').update(inst.project_id + inst.host).digest('hex') : '');

export const statusOf = (inst: Instance): string => (inst.deleted ? 'DELETED' : statusFromState(inst.vm_state, inst.task_state));

/** `addresses`: network label → IPs (views/ips.py); hidden while the server builds. */
export function addresses(vifs: Vif[], extended: boolean): Record<string, Array<Record<string, unknown>>> {
  const out: Record<string, Array<Record<string, unknown>>> = {};
  for (const vif of vifs) {
    const list = (out[vif.network_label] ??= []);
    for (const ip of [...vif.ips.filter((i) => i.type !== 'floating'), ...vif.ips.filter((i) => i.type === 'floating')]) {
      list.push(extended
        ? { version: ip.version, addr: ip.address, 'OS-EXT-IPS:type': ip.type, 'OS-EXT-IPS-MAC:mac_addr': vif.mac_address }
        : { version: ip.version, addr: ip.address });
    }
  }
  return out;
}

export function basicView(req: ApiRequest, inst: Instance): Record<string, unknown> {
  return { id: inst.uuid, name: inst.display_name, links: links(req, 'servers', inst.uuid) };
}

function imageView(req: ApiRequest, inst: Instance): unknown {
  if (!inst.image_ref) return '';
  const image: Record<string, unknown> = { id: inst.image_ref, links: [{ rel: 'bookmark', href: bookmark(req, 'images', inst.image_ref) }] };
  if (mvAtLeast(req, '2.98')) {
    image.properties = Object.fromEntries(Object.entries(inst.system_metadata)
      .filter(([k, v]) => k.startsWith('image_') && v !== null && STD_IMAGE_PROPS.has(k.slice(6))).map(([k, v]) => [k.slice(6), v]));
  }
  return image;
}
/** Image properties Nova's ImageMetaProps knows (the ones 2.98 shows). */
const STD_IMAGE_PROPS = new Set(['hw_architecture', 'architecture', 'hw_machine_type', 'hw_disk_bus', 'hw_cdrom_bus', 'hw_vif_model',
  'hw_scsi_model', 'hw_video_model', 'hw_rng_model', 'hw_cpu_cores', 'hw_cpu_sockets', 'hw_cpu_threads', 'hw_firmware_type',
  'hw_boot_menu', 'hw_qemu_guest_agent', 'os_distro', 'os_type', 'os_admin_user', 'os_command_line', 'img_config_drive',
  'hw_vm_mode', 'vm_mode', 'hypervisor_type', 'img_hv_type', 'os_secure_boot', 'hw_mem_page_size', 'hw_numa_nodes', 'hw_serial_port_count',
  'hw_pointer_model', 'hw_input_bus', 'hw_tpm_model', 'hw_tpm_version', 'hw_watchdog_action', 'kernel_id', 'ramdisk_id', 'os_require_quiesce']);

function flavorView(req: ApiRequest, inst: Instance, showExtraSpecs: boolean): Record<string, unknown> {
  const f = inst.flavor;
  if (mvAtLeast(req, '2.47')) {
    const out: Record<string, unknown> = { vcpus: f.vcpus, ram: f.memory_mb, disk: f.root_gb, ephemeral: f.ephemeral_gb, swap: f.swap, original_name: f.name };
    if (showExtraSpecs) out.extra_specs = f.extra_specs;
    return out;
  }
  return { id: f.flavorid, links: [{ rel: 'bookmark', href: bookmark(req, 'flavors', f.flavorid) }] };
}

function faultView(fault: Fault | undefined, isAdmin: boolean): Record<string, unknown> | undefined {
  if (!fault) return undefined;
  const out: Record<string, unknown> = { code: fault.code, created: isotime(fault.created_at), message: fault.message };
  if (fault.details && (isAdmin || fault.code !== 500)) out.details = fault.details;
  return out;
}

export interface ShowOptions {
  /** Rebuild answers leave user_data out (2.57 adds it by hand). */
  showUserData?: boolean;
  /** 2.71: server_groups in show, update and rebuild, not in detail. */
  showServerGroups?: boolean;
  /** Update and rebuild answers before 2.75: the base attributes only. */
  minimal?: boolean;
}

/** The detailed view (show, detail, and update/rebuild from 2.75). */
export function showView(req: ApiRequest, inst: Instance, x: ViewExtras, opts: ShowOptions = {}): Record<string, unknown> {
  const status = statusOf(inst);
  const s: Record<string, unknown> = {
    accessIPv4: inst.access_ip_v4 ?? '', accessIPv6: inst.access_ip_v6 ?? '',
    addresses: inst.vm_state === VM.BUILDING ? {} : addresses(inst.network_info, !opts.minimal),
    created: isotime(inst.created_at), flavor: flavorView(req, inst, x.showExtraSpecs), hostId: hostId(inst), id: inst.uuid,
    image: imageView(req, inst), links: links(req, 'servers', inst.uuid), metadata: inst.metadata, name: inst.display_name,
    status, tenant_id: inst.project_id, user_id: inst.user_id, updated: isotime(inst.updated_at),
    'OS-DCF:diskConfig': inst.auto_disk_config ? 'AUTO' : 'MANUAL',
  };
  if (FAULT_STATUSES.has(status)) {
    const f = faultView(x.faults.get(inst.uuid), x.isAdmin);
    if (f) s.fault = f;
  }
  if (PROGRESS_STATUSES.has(status)) s.progress = inst.progress ?? 0;
  if (opts.minimal) return withVersioned(req, inst, s, x, { ...opts, extended: false });
  s['OS-EXT-AZ:availability_zone'] = inst.availability_zone ?? '';
  s.config_drive = inst.config_drive;
  s.key_name = inst.key_name;
  s['OS-SRV-USG:launched_at'] = pyDatetime(inst.launched_at);
  s['OS-SRV-USG:terminated_at'] = pyDatetime(inst.terminated_at);
  if (inst.network_info.length && inst.security_groups.length) s.security_groups = inst.security_groups.map((name) => ({ name }));
  if (x.showExtended) {
    s['OS-EXT-SRV-ATTR:host'] = inst.host;
    s['OS-EXT-SRV-ATTR:instance_name'] = instanceName(inst.uuid);
    s['OS-EXT-SRV-ATTR:hypervisor_hostname'] = inst.node;
    if (mvAtLeast(req, '2.3')) {
      s['OS-EXT-SRV-ATTR:hostname'] = inst.hostname;
      s['OS-EXT-SRV-ATTR:kernel_id'] = inst.system_metadata.image_kernel_id ?? '';
      s['OS-EXT-SRV-ATTR:launch_index'] = inst.launch_index;
      s['OS-EXT-SRV-ATTR:ramdisk_id'] = inst.system_metadata.image_ramdisk_id ?? '';
      s['OS-EXT-SRV-ATTR:reservation_id'] = inst.reservation_id;
      s['OS-EXT-SRV-ATTR:root_device_name'] = inst.root_device_name;
      if (opts.showUserData !== false) s['OS-EXT-SRV-ATTR:user_data'] = inst.user_data;
    }
  }
  s['OS-EXT-STS:task_state'] = inst.task_state;
  s['OS-EXT-STS:vm_state'] = inst.vm_state;
  s['OS-EXT-STS:power_state'] = inst.power_state;
  s['os-extended-volumes:volumes_attached'] = inst.block_devices.filter((b) => b.destination_type === 'volume' && b.uuid)
    .map((b) => (mvAtLeast(req, '2.3') ? { id: b.uuid, delete_on_termination: b.delete_on_termination } : { id: b.uuid }));
  return withVersioned(req, inst, s, x, { ...opts, extended: x.showExtended });
}

/** The attributes later microversions add, in Nova's order. */
function withVersioned(req: ApiRequest, inst: Instance, s: Record<string, unknown>, x: ViewExtras, opts: ShowOptions & { extended: boolean }): Record<string, unknown> {
  if (mvAtLeast(req, '2.9')) s.locked = Boolean(inst.locked_by);
  if (!opts.minimal && mvAtLeast(req, '2.16') && x.hostStatusMode && x.hostStatus) {
    const hs = x.hostStatus(inst.host);
    if (x.hostStatusMode === 'all' || hs === 'UNKNOWN') s.host_status = hs;
  }
  if (mvAtLeast(req, '2.19')) s.description = inst.display_description;
  if (mvAtLeast(req, '2.26')) s.tags = x.tags.get(inst.uuid) ?? [];
  if (mvAtLeast(req, '2.63')) s.trusted_image_certificates = inst.trusted_certs?.length ? inst.trusted_certs : null;
  if (opts.showServerGroups) s.server_groups = x.groups?.get(inst.uuid) ?? [];
  if (mvAtLeast(req, '2.73')) s.locked_reason = inst.locked_reason;
  if (mvAtLeast(req, '2.90') && !opts.extended) s['OS-EXT-SRV-ATTR:hostname'] = inst.hostname;
  if (mvAtLeast(req, '2.96') && !opts.minimal) s.pinned_availability_zone = inst.request_spec.availability_zone ?? null;
  if (mvAtLeast(req, '2.100')) s.scheduler_hints = inst.request_spec.scheduler_hints ?? {};
  return s;
}

/** Loads what showView needs for a set of instances. */
export async function viewExtras(deps: ComputeDeps, req: ApiRequest, instances: Instance[], opts: { groups?: boolean; detail?: boolean } = {}): Promise<ViewExtras> {
  const uuids = instances.map((i) => i.uuid);
  const ctx = req.ctx;
  const one = instances.length === 1 ? { project_id: instances[0]!.project_id } : {};
  const isAdmin = deps.policy.can('context_is_admin', {}, ctx);
  const x: ViewExtras = {
    faults: await deps.repos.instances.latestFaults(uuids.filter((u, i) => ['error', 'deleted'].includes(instances[i]!.vm_state) || instances[i]!.deleted)),
    tags: mvAtLeast(req, '2.26') ? await deps.repos.instances.tagsFor(uuids) : new Map(),
    showExtended: deps.policy.can('os_compute_api:os-extended-server-attributes', one, ctx),
    showExtraSpecs: mvAtLeast(req, '2.47') && deps.policy.can('os_compute_api:servers:show:flavor-extra-specs', one, ctx),
    isAdmin,
  };
  if (opts.groups) {
    x.groups = new Map();
    for (const u of uuids) {
      const g = await deps.repos.groups.forInstance(u);
      x.groups.set(u, g ? [g.id] : []);
    }
  }
  if (mvAtLeast(req, '2.16')) {
    x.hostStatusMode = deps.policy.can('os_compute_api:servers:show:host_status', one, ctx) ? 'all'
      : deps.policy.can('os_compute_api:servers:show:host_status:unknown-only', one, ctx) ? 'unknown-only' : undefined;
    if (x.hostStatusMode) {
      const services = await deps.repos.hosts.services({ binary: 'nova-compute' });
      const downAfter = deps.config.int('compute.service_down_time') * 1000;
      x.hostStatus = (host) => {
        if (!host) return '';
        const svc = services.find((s) => s.host === host);
        if (!svc) return '';
        if (svc.forced_down) return 'DOWN';
        if (svc.disabled) return 'MAINTENANCE';
        const up = svc.last_seen_up && Date.now() - Date.parse(svc.last_seen_up) <= downAfter;
        return up ? 'UP' : 'UNKNOWN';
      };
    }
  }
  return x;
}
