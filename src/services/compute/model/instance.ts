// The instance record as the compute service keeps it (Nova's Instance object, flattened), and
// the plain pieces it carries: the flavor snapshot, the network info cache, the request spec.
import { fromDbJson } from '../../../lib/db/index.ts';

/** The flavor as it was when the server got it (Nova keeps a copy in instance_extra). */
export interface FlavorSnapshot {
  flavorid: string;
  /** Nova's integer flavor id (instance_type_id). */
  seq?: number;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
}

/** One fixed IP of a port, as the network info cache keeps it. */
export interface VifIp { address: string; version: 4 | 6; subnet_id?: string; type: 'fixed' | 'floating' }

/** One virtual interface (a bound port) of the server: the source of `addresses`. */
export interface Vif {
  port_id: string;
  network_id: string;
  network_label: string;
  mac_address: string;
  ips: VifIp[];
  /** The user brought the port (networks: [{port}]): unbind it on delete rather than delete it. */
  preexisting: boolean;
  tag?: string | null;
}

/** What the user asked for in `networks`, kept so builds, reschedules and restarts can redo it. */
export type RequestedNetworks = 'auto' | 'none' | Array<{ uuid?: string; port?: string; fixed_ip?: string; tag?: string }> | null;

/** What the scheduler needs to place (and re-place) the server; Nova's RequestSpec. */
export interface RequestSpec {
  /** The zone the user asked for (pinned_availability_zone since 2.96), or null. */
  availability_zone: string | null;
  scheduler_hints: Record<string, unknown>;
  requested_networks: RequestedNetworks;
  group_id?: string | null;
  force_host?: string | null;
  force_node?: string | null;
  requested_host?: string | null;
  requested_hypervisor_hostname?: string | null;
  /** Image properties the filters read (hw_*, img_*, os_type…). */
  image_properties?: Record<string, unknown>;
  /** Hosts that already failed this build (Nova's retry). */
  tried_hosts?: string[];
  num_attempts?: number;
  /** The public URL of the cloud the request came through (all-in-one endpoint discovery). */
  cloud_url?: string;
}

export interface Instance {
  uuid: string;
  project_id: string;
  user_id: string;
  display_name: string;
  display_description: string | null;
  hostname: string;
  image_ref: string;
  flavor: FlavorSnapshot;
  old_flavor: FlavorSnapshot | null;
  new_flavor: FlavorSnapshot | null;
  flavorid: string;
  vcpus: number;
  memory_mb: number;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  host: string | null;
  node: string | null;
  availability_zone: string | null;
  key_name: string | null;
  key_data: string | null;
  user_data: string | null;
  config_drive: string;
  metadata: Record<string, string>;
  system_metadata: Record<string, string>;
  access_ip_v4: string | null;
  access_ip_v6: string | null;
  locked_by: string | null;
  locked_reason: string | null;
  launch_index: number;
  reservation_id: string;
  launched_at: string | null;
  terminated_at: string | null;
  progress: number;
  auto_disk_config: boolean;
  root_device_name: string | null;
  security_groups: string[];
  request_spec: RequestSpec;
  network_info: Vif[];
  block_devices: BlockDevice[];
  trusted_certs: string[] | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  deleted: boolean;
}

/** A block device mapping; only image and blank local disks until block storage exists. */
export interface BlockDevice {
  source_type: string;
  destination_type: string;
  boot_index: number | null;
  uuid?: string | null;
  volume_size?: number | null;
  delete_on_termination: boolean;
  device_name?: string | null;
  tag?: string | null;
}

const JSON_COLUMNS = ['flavor', 'old_flavor', 'new_flavor', 'metadata', 'system_metadata', 'security_groups', 'request_spec', 'network_info', 'block_devices', 'trusted_certs'] as const;

export function instanceFromRow(row: Record<string, any>): Instance {
  const out: Record<string, any> = { ...row };
  for (const c of JSON_COLUMNS) out[c] = row[c] === null || row[c] === undefined ? null : fromDbJson(row[c]);
  out.auto_disk_config = row.auto_disk_config === 1 || row.auto_disk_config === true;
  out.deleted = row.deleted === 1 || row.deleted === true;
  out.metadata ??= {};
  out.system_metadata ??= {};
  out.security_groups ??= [];
  out.request_spec ??= {};
  out.network_info ??= [];
  out.block_devices ??= [];
  return out as Instance;
}

/** Column values for an update of the given instance fields. */
export function instanceToRow(changes: Partial<Instance>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) continue;
    out[k] = (JSON_COLUMNS as readonly string[]).includes(k) ? (v === null ? null : JSON.stringify(v)) : v;
  }
  return out;
}

/** Nova's instance name template, instance-%08x, from the uuid (we keep no integer id). */
export const instanceName = (uuid: string): string => `instance-${uuid.slice(0, 8)}`;
