// What every handler of one compute agent shares: its host name, its driver, the per-instance
// lock (Nova's @synchronized(instance.uuid): a delete waits for the build it races) and the
// helpers that record a step as an instance action event and a failure as an instance fault.
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { Logger } from '../../../lib/log.ts';
import type { ComputeDeps } from '../deps.ts';
import type { ComputeDriver, GuestSpec } from '../drivers/driver.ts';
import { instanceName, type Instance } from '../model/instance.ts';
import { withEvent } from '../service/events.ts';

export class InstanceLocks {
  readonly #tails = new Map<string, Promise<void>>();
  /** Runs `fn` once every earlier holder of `key` is done. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const tail = prev.then(() => mine);
    this.#tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

export interface AgentHost {
  deps: ComputeDeps;
  host: string;
  /** The hypervisor node name (one node per fake host). */
  node: string;
  nodeUuid: string;
  driver: ComputeDriver;
  locks: InstanceLocks;
  log: Logger;
}

/**
 * One agent step on one server: under the server's lock, recorded as event `event`; on failure
 * the task state is reset and a fault recorded (wrap_instance_fault + reverts_task_state).
 */
export async function step(a: AgentHost, ctx: RequestContext, uuid: string, event: string, fn: (inst: Instance) => Promise<void>): Promise<void> {
  await a.locks.run(uuid, async () => {
    const inst = await a.deps.repos.instances.get(uuid);
    if (!inst) return;
    try {
      await withEvent(a.deps, ctx, uuid, event, a.host, () => fn(inst));
    } catch (err) {
      a.log.warn({ err, instance: uuid, event }, 'instance action failed');
      await a.deps.repos.instances.update(uuid, { task_state: null }, {});
      await a.deps.repos.instances.addFault(uuid, { code: (err as { status?: number }).status ?? 500, message: (err as Error).message ?? String(err), details: (err as Error).stack ?? null, host: a.host });
    }
  });
}

/** The plain data a driver needs to create the guest of `inst`. */
export function guestSpec(inst: Instance, adminPassword: string | null, image: GuestSpec['image']): GuestSpec {
  const f = inst.flavor;
  return {
    uuid: inst.uuid, name: instanceName(inst.uuid), hostname: inst.hostname, display_name: inst.display_name,
    flavor: { vcpus: f.vcpus, memory_mb: f.memory_mb, root_gb: f.root_gb, ephemeral_gb: f.ephemeral_gb, swap: f.swap, extra_specs: f.extra_specs },
    image, vifs: inst.network_info.map((v) => ({ port_id: v.port_id, network_id: v.network_id, mac_address: v.mac_address, ips: v.ips.map((ip) => ({ address: ip.address, version: ip.version })) })),
    block_devices: inst.block_devices.map((b) => ({ source_type: b.source_type, destination_type: b.destination_type, boot_index: b.boot_index, size_gb: b.volume_size ?? null, device_name: b.device_name ?? null })),
    user_data: inst.user_data, metadata: inst.metadata, key_data: inst.key_data, admin_password: adminPassword, config_drive: inst.config_drive === 'True',
  };
}
