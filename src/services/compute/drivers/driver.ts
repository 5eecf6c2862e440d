// The compute driver: what a hypervisor does for the agent, taking plain data only. A driver
// never touches the database or the bus; the agent above it persists, retries and undoes.
// Implementations: fake (here), QEMU/KVM (a later issue: /work/shared/guest/ shows what it needs —
// kernel/initrd or disk image, tap devices on a bridge, a QMP socket, a serial console log).
import type { Readable } from 'node:stream';

/** What a driver can do, as data (Nova's driver capabilities); the API answers 409/400 otherwise. */
export interface DriverCapabilities {
  supportsPause: boolean;
  supportsSuspend: boolean;
  supportsRescue: boolean;
  supportsSnapshot: boolean;
  supportsConsoleOutput: boolean;
  supportsAttachInterface: boolean;
  supportsLiveMigration: boolean;
  supportsRemoteConsole: boolean;
  supportsVolumes: boolean;
}

/** The resources of the host (or node) the driver manages, reported to placement. */
export interface HostResources {
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  hypervisor_type: string;
  hypervisor_version: number;
  host_ip: string | null;
  cpu_info: Record<string, unknown>;
}

export interface GuestImage {
  id: string;
  name: string | null;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  min_disk: number;
  min_ram: number;
  properties: Record<string, unknown>;
  /** Streams the image data (QEMU needs it; the fake never calls it). */
  fetch?: () => Promise<Readable>;
}

export interface GuestVif {
  port_id: string;
  network_id: string;
  mac_address: string;
  ips: Array<{ address: string; version: number }>;
  mtu?: number | null;
}

export interface GuestBlockDevice {
  source_type: string;
  destination_type: string;
  boot_index: number | null;
  size_gb: number | null;
  device_name?: string | null;
}

/** Everything a driver needs to create a guest. */
export interface GuestSpec {
  uuid: string;
  /** instance-xxxxxxxx: the hypervisor-side name. */
  name: string;
  hostname: string;
  display_name: string;
  flavor: { vcpus: number; memory_mb: number; root_gb: number; ephemeral_gb: number; swap: number; extra_specs: Record<string, string> };
  image: GuestImage | null;
  vifs: GuestVif[];
  block_devices: GuestBlockDevice[];
  user_data: string | null;
  metadata: Record<string, string>;
  key_data: string | null;
  admin_password: string | null;
  config_drive: boolean;
}

export interface ComputeDriver {
  readonly type: string;
  readonly capabilities: DriverCapabilities;
  /** Called once when the agent starts (Nova's init_host). */
  init(host: string): Promise<void>;
  hostResources(): HostResources;
  /** Uuids of the guests the hypervisor has, running or not. */
  listGuests(): Promise<string[]>;
  /** The power state (model/states POWER) of a guest; NOSTATE when the hypervisor has none. */
  powerState(uuid: string): Promise<number>;
  spawn(spec: GuestSpec): Promise<void>;
  /** Removes the guest and its local disks; no error when it is already gone. */
  destroy(uuid: string): Promise<void>;
  powerOff(uuid: string, opts?: { timeoutMs?: number }): Promise<void>;
  powerOn(uuid: string): Promise<void>;
  reboot(uuid: string, type: 'SOFT' | 'HARD'): Promise<void>;
  pause(uuid: string): Promise<void>;
  unpause(uuid: string): Promise<void>;
  suspend(uuid: string): Promise<void>;
  resume(uuid: string): Promise<void>;
  rescue(uuid: string, rescueImage: GuestImage | null): Promise<void>;
  unrescue(uuid: string): Promise<void>;
  /** The guest's root disk as a stream, for createImage and shelve. */
  snapshot(uuid: string): Promise<{ data: Readable; disk_format: string; container_format: string }>;
  /** The serial console log; `length` keeps the last lines only. */
  consoleOutput(uuid: string, length?: number): Promise<string>;
  /** Gives the guest a new flavor (resize / cold migration land here on the destination). */
  resize(uuid: string, flavor: GuestSpec['flavor']): Promise<void>;
  attachInterface(uuid: string, vif: GuestVif): Promise<void>;
  detachInterface(uuid: string, portId: string): Promise<void>;
  /** Stops background work; guests keep running (as real hypervisors' do). */
  close(): Promise<void>;
}

/** Raised by a driver when a guest it is asked about does not exist (Nova's InstanceNotFound). */
export class GuestNotFound extends Error {
  constructor(uuid: string) { super(`Instance ${uuid} could not be found on the hypervisor.`); this.name = 'GuestNotFound'; }
}
