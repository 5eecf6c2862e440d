// The payloads of Nova's instance notifications, built from the instance record: the legacy
// flat dict (nova.notifications.info_from_instance) and the versioned objects
// (nova/notifications/objects/instance.py: InstanceActionPayload and its children) as their
// oslo.versionedobjects primitives — {nova_object.name, .namespace, .version, .data}. Field
// names, value formats and versions follow Nova's doc/notification_samples.
import type { RequestContext } from '../../../lib/auth/context.ts';
import { CloudError } from '../../../lib/errors.ts';
import type { FlavorSnapshot, Instance } from '../model/instance.ts';
import { instanceName } from '../model/instance.ts';
import { sshFingerprint, x509Fingerprint } from './keygen.ts';

/** An oslo versioned object as it goes on the wire. */
export interface NovaObject {
  'nova_object.name': string;
  'nova_object.namespace': 'nova';
  'nova_object.version': string;
  'nova_object.data': Record<string, unknown>;
}

const novaObject = (name: string, version: string, data: Record<string, unknown>): NovaObject =>
  ({ 'nova_object.name': name, 'nova_object.namespace': 'nova', 'nova_object.version': version, 'nova_object.data': data });

/** Nova's InstancePowerState enum: the integer power state as the string the payload carries. */
const POWER_NAMES: Record<number, string> = { 0: 'pending', 1: 'running', 3: 'paused', 4: 'shutdown', 6: 'crashed', 7: 'suspended' };

/** oslo's DateTimeField on the wire: ISO 8601 to the second, 'Z'. */
export function isoSeconds(v: string | null | undefined): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : `${d.toISOString().slice(0, 19)}Z`;
}

/** The payload class (and its current version in Nova) each versioned action uses. */
const PAYLOAD_CLASS: Record<string, [string, string]> = {
  create: ['InstanceCreatePayload', '1.13'],
  snapshot: ['InstanceActionSnapshotPayload', '1.10'],
  rescue: ['InstanceActionRescuePayload', '1.4'],
  rebuild: ['InstanceActionRebuildPayload', '1.10'],
  resize_prep: ['InstanceActionResizePrepPayload', '1.4'],
};
const ACTION_PAYLOAD: [string, string] = ['InstanceActionPayload', '1.9'];

export function flavorPayload(f: FlavorSnapshot): NovaObject {
  return novaObject('FlavorPayload', '1.4', {
    flavorid: f.flavorid, name: f.name, memory_mb: f.memory_mb, vcpus: f.vcpus, root_gb: f.root_gb, ephemeral_gb: f.ephemeral_gb,
    swap: f.swap, rxtx_factor: f.rxtx_factor, vcpu_weight: null, disabled: false, is_public: f.is_public,
    extra_specs: f.extra_specs ?? {}, projects: null, description: f.description ?? null,
  });
}

/** IpPayload.from_network_info: one entry per fixed IP of each bound port. */
function ipPayloads(inst: Instance): NovaObject[] {
  return inst.network_info.flatMap((v) => v.ips.filter((ip) => ip.type === 'fixed').map((ip) => novaObject('IpPayload', '1.0', {
    label: v.network_label, mac: v.mac_address, meta: {}, port_uuid: v.port_id, version: ip.version, address: ip.address,
    // Nova's VIF device name: tap + the first 11 characters of the port id.
    device_name: `tap${v.port_id.slice(0, 11)}`,
  })));
}

/** Only volumes appear (BlockDevicePayload.from_bdms); image and blank local disks do not. */
function blockDevicePayloads(inst: Instance): NovaObject[] {
  return inst.block_devices.filter((b) => b.destination_type === 'volume' && b.uuid).map((b) => novaObject('BlockDevicePayload', '1.0', {
    device_name: b.device_name ?? null, boot_index: b.boot_index, delete_on_termination: b.delete_on_termination, volume_id: b.uuid, tag: b.tag ?? null,
  }));
}

/** The exception's name: a CloudError's code survives the bus (NoValidHost), a class name may not. */
function exceptionName(err: unknown): string {
  if (err instanceof CloudError) return err.code;
  return (err as Error)?.constructor?.name ?? 'Exception';
}

/** ExceptionPayload.from_exception: the class, the message and where it was raised. */
export function exceptionPayload(err: unknown): NovaObject {
  const e = err instanceof Error ? err : new Error(String(err));
  // The innermost frame of the stack names the function and the module (file under src/).
  const frame = /\n\s+at (?:async )?(?:([\w$.<>]+) \()?(?:file:\/\/)?([^():]+):\d+:\d+\)?/.exec(e.stack ?? '');
  const fn = frame?.[1]?.split('.').pop() ?? 'unknown';
  const file = frame?.[2];
  const at = file?.lastIndexOf('/src/') ?? -1;
  const module = file && at >= 0 ? `stratus.${file.slice(at + 5).replace(/\.[jt]s$/, '').replaceAll('/', '.')}` : 'unknown';
  return novaObject('ExceptionPayload', '1.1', {
    module_name: module, function_name: fn, exception: exceptionName(err), exception_message: e.message, traceback: e.stack ?? '',
  });
}

function keypairPayloads(inst: Instance): NovaObject[] {
  if (!inst.key_name || !inst.key_data) return [];
  const x509 = inst.key_data.startsWith('-----BEGIN CERTIFICATE');
  let fingerprint: string | null = null;
  try { fingerprint = x509 ? x509Fingerprint(inst.key_data) : sshFingerprint(inst.key_data); } catch { /* a key Nova would not fingerprint */ }
  return [novaObject('KeypairPayload', '1.0', { user_id: inst.user_id, name: inst.key_name, fingerprint, public_key: inst.key_data, type: x509 ? 'x509' : 'ssh' })];
}

export interface VersionedExtras {
  /** The fault of an error notification. */
  error?: unknown;
  /** Create only: the server's tags. */
  tags?: string[];
  /** Fields of the action's own payload class (snapshot_image_id, rescue_image_ref, new_flavor…). */
  fields?: Record<string, unknown>;
}

/** The versioned payload of instance.<action>.<phase>: InstanceActionPayload or its child for the action. */
export function versionedInstancePayload(ctx: RequestContext, inst: Instance, action: string, extras: VersionedExtras = {}): NovaObject {
  const [name, version] = PAYLOAD_CLASS[action] ?? ACTION_PAYLOAD;
  const sm = inst.system_metadata ?? {};
  const data: Record<string, unknown> = {
    uuid: inst.uuid, user_id: inst.user_id, tenant_id: inst.project_id, reservation_id: inst.reservation_id,
    display_name: inst.display_name, display_description: inst.display_description, host_name: inst.hostname,
    host: inst.host, node: inst.node, os_type: sm.image_os_type ?? null, architecture: sm.image_hw_architecture ?? sm.image_architecture ?? null,
    availability_zone: inst.availability_zone, flavor: flavorPayload(inst.flavor), image_uuid: inst.image_ref ?? '',
    key_name: inst.key_name, kernel_id: sm.image_kernel_id ?? '', ramdisk_id: sm.image_ramdisk_id ?? '',
    created_at: isoSeconds(inst.created_at), launched_at: isoSeconds(inst.launched_at), terminated_at: isoSeconds(inst.terminated_at),
    deleted_at: isoSeconds(inst.deleted_at), updated_at: isoSeconds(inst.updated_at),
    state: inst.vm_state, power_state: POWER_NAMES[inst.power_state] ?? 'pending', task_state: inst.task_state, progress: inst.progress ?? null,
    ip_addresses: ipPayloads(inst), block_devices: blockDevicePayloads(inst), metadata: inst.metadata ?? {},
    locked: Boolean(inst.locked_by), locked_reason: inst.locked_reason ?? null, auto_disk_config: inst.auto_disk_config ? 'AUTO' : 'MANUAL',
    // Nova leaves the request id out for periodic tasks (a context without user and project).
    request_id: ctx.projectId && ctx.userId ? ctx.requestId ?? null : null,
    action_initiator_user: ctx.userId ?? null, action_initiator_project: ctx.projectId ?? null,
    shares: [], fault: extras.error === undefined ? null : exceptionPayload(extras.error),
  };
  if (action === 'create') {
    Object.assign(data, {
      keypairs: keypairPayloads(inst), tags: extras.tags ?? [], trusted_image_certificates: inst.trusted_certs?.length ? inst.trusted_certs : null,
      instance_name: instanceName(inst.uuid),
    });
  }
  return novaObject(name, version, { ...data, ...extras.fields });
}

/** Nova's info_from_instance: the payload of the legacy compute.instance.* notifications. */
export function legacyInstancePayload(inst: Instance): Record<string, unknown> {
  const f = inst.flavor;
  return {
    tenant_id: inst.project_id, user_id: inst.user_id, instance_id: inst.uuid, display_name: inst.display_name,
    reservation_id: inst.reservation_id, hostname: inst.hostname, instance_type: f.name, instance_type_id: f.seq ?? f.flavorid,
    instance_flavor_id: f.flavorid, memory_mb: f.memory_mb, disk_gb: f.root_gb + f.ephemeral_gb, root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb, vcpus: f.vcpus, host: inst.host, node: inst.node, availability_zone: inst.availability_zone,
    created_at: inst.created_at, launched_at: inst.launched_at ?? '', terminated_at: inst.terminated_at ?? '', deleted_at: inst.deleted_at ?? '',
    state: inst.vm_state, state_description: inst.task_state ?? '', progress: inst.progress ?? '', power_state: inst.power_state,
    image_ref_url: inst.image_ref, metadata: inst.metadata,
    image_meta: Object.fromEntries(Object.entries(inst.system_metadata ?? {}).filter(([k]) => k.startsWith('image_')).map(([k, v]) => [k.slice(6), v])),
    access_ip_v4: inst.access_ip_v4, access_ip_v6: inst.access_ip_v6,
    fixed_ips: inst.network_info.flatMap((v) => v.ips.map((ip) => ({ address: ip.address, version: ip.version, type: ip.type, label: v.network_label, vif_mac: v.mac_address }))),
  };
}

/** The legacy fault fields (compute_utils.exception_to_dict) merged into an error payload. */
export function legacyFault(err: unknown): Record<string, unknown> {
  const e = err as { message?: string; status?: number };
  return { exception: exceptionName(err), message: e?.message ?? String(err), code: e?.status ?? 500 };
}

/** ComputeTaskPayload of compute_task.<method>.error: the conductor could not build or move the server. */
export function computeTaskPayload(inst: Instance, state: string, err: unknown): NovaObject {
  const spec = inst.request_spec ?? {};
  const hints = Object.fromEntries(Object.entries(spec.scheduler_hints ?? {}).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(String)]));
  return novaObject('ComputeTaskPayload', '1.0', {
    instance_uuid: inst.uuid, state, reason: exceptionPayload(err),
    request_spec: novaObject('RequestSpecPayload', '1.1', {
      instance_uuid: inst.uuid, project_id: inst.project_id, user_id: inst.user_id, availability_zone: spec.availability_zone ?? null,
      flavor: flavorPayload(inst.flavor), force_hosts: spec.force_host ?? null, force_nodes: spec.force_node ?? null,
      ignore_hosts: spec.tried_hosts?.length ? spec.tried_hosts : null, image: null, instance_group: null, num_instances: 1,
      numa_topology: null, pci_requests: null, requested_destination: null, retry: null, scheduler_hints: hints,
      security_groups: inst.security_groups,
    }),
  });
}
