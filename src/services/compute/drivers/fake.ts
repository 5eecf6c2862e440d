// The fake driver: a hypervisor in memory, with configurable delays, failure injection, fake host
// resources and a console log. It documents the semantics every driver keeps (power states
// after each call, idempotent destroy, GuestNotFound for unknown guests). Its guests survive a
// process restart (a JSON file per host, written shortly after each change) as real VMs would.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { POWER } from '../model/states.ts';
import { GuestNotFound, type ComputeDriver, type GuestSpec, type GuestVif, type HostResources } from './driver.ts';

export interface FakeDriverOptions {
  /** Host resources to report. */
  resources?: Partial<HostResources>;
  spawnDelayMs?: number;
  actionDelayMs?: number;
  /** Failure injection: spawns for which this returns true throw. */
  failSpawn?: (spec: GuestSpec) => boolean;
  /** Directory for the per-host state file; none keeps guests in memory only. */
  stateDir?: string;
}

interface FakeGuest {
  uuid: string;
  name: string;
  power: number;
  rescued: boolean;
  flavor: GuestSpec['flavor'];
  vifs: GuestVif[];
  console: string[];
}

export class FakeDriver implements ComputeDriver {
  readonly type = 'fake';
  readonly capabilities = {
    supportsPause: true, supportsSuspend: true, supportsRescue: true, supportsSnapshot: true, supportsConsoleOutput: true,
    supportsAttachInterface: true, supportsLiveMigration: true, supportsRemoteConsole: false, supportsVolumes: false,
  };
  readonly #opts: FakeDriverOptions;
  readonly #guests = new Map<string, FakeGuest>();
  #file?: string;
  #saveTimer?: NodeJS.Timeout;

  constructor(opts: FakeDriverOptions = {}) { this.#opts = opts; }

  async init(host: string): Promise<void> {
    if (!this.#opts.stateDir) return;
    mkdirSync(this.#opts.stateDir, { recursive: true });
    this.#file = join(this.#opts.stateDir, `${host.replace(/[^\w.-]/g, '_')}.json`);
    try {
      for (const g of JSON.parse(readFileSync(this.#file, 'utf8')) as FakeGuest[]) this.#guests.set(g.uuid, g);
    } catch { /* first start */ }
  }

  hostResources(): HostResources {
    return {
      vcpus: 1000, memory_mb: 800000, local_gb: 600000, hypervisor_type: 'fake', hypervisor_version: 1000, host_ip: '127.0.0.1',
      cpu_info: { arch: 'x86_64', model: 'fake', vendor: 'Stratus', topology: { cells: 1, sockets: 1, cores: 1, threads: 1 }, features: [] },
      ...this.#opts.resources,
    };
  }

  async listGuests(): Promise<string[]> { return [...this.#guests.keys()]; }

  async powerState(uuid: string): Promise<number> { return this.#guests.get(uuid)?.power ?? POWER.NOSTATE; }

  async spawn(spec: GuestSpec): Promise<void> {
    if (this.#opts.spawnDelayMs) await sleep(this.#opts.spawnDelayMs);
    if (this.#opts.failSpawn?.(spec)) throw new Error(`fake driver: injected spawn failure for ${spec.uuid}`);
    this.#guests.set(spec.uuid, {
      uuid: spec.uuid, name: spec.name, power: POWER.RUNNING, rescued: false, flavor: spec.flavor, vifs: spec.vifs,
      console: bootLog(spec),
    });
    this.#changed();
  }

  async destroy(uuid: string): Promise<void> {
    if (this.#guests.delete(uuid)) this.#changed();
  }

  async #act(uuid: string, fn: (g: FakeGuest) => void): Promise<void> {
    if (this.#opts.actionDelayMs) await sleep(this.#opts.actionDelayMs);
    const g = this.#guests.get(uuid);
    if (!g) throw new GuestNotFound(uuid);
    fn(g);
    this.#changed();
  }

  powerOff(uuid: string): Promise<void> { return this.#act(uuid, (g) => { g.power = POWER.SHUTDOWN; g.console.push('reboot: Power down'); }); }
  powerOn(uuid: string): Promise<void> { return this.#act(uuid, (g) => { g.power = POWER.RUNNING; g.console.push('Booting from Hard Disk...'); }); }
  reboot(uuid: string, type: 'SOFT' | 'HARD'): Promise<void> {
    return this.#act(uuid, (g) => { g.power = POWER.RUNNING; g.console.push(type === 'SOFT' ? 'reboot: Restarting system' : 'Booting from Hard Disk...'); });
  }
  pause(uuid: string): Promise<void> { return this.#act(uuid, (g) => { g.power = POWER.PAUSED; }); }
  unpause(uuid: string): Promise<void> { return this.#act(uuid, (g) => { g.power = POWER.RUNNING; }); }
  suspend(uuid: string): Promise<void> { return this.#act(uuid, (g) => { g.power = POWER.SUSPENDED; }); }
  resume(uuid: string): Promise<void> { return this.#act(uuid, (g) => { g.power = POWER.RUNNING; }); }
  rescue(uuid: string): Promise<void> { return this.#act(uuid, (g) => { g.rescued = true; g.power = POWER.RUNNING; g.console.push('Booting rescue image...'); }); }
  unrescue(uuid: string): Promise<void> { return this.#act(uuid, (g) => { g.rescued = false; g.power = POWER.RUNNING; }); }
  resize(uuid: string, flavor: GuestSpec['flavor']): Promise<void> { return this.#act(uuid, (g) => { g.flavor = flavor; }); }
  attachInterface(uuid: string, vif: GuestVif): Promise<void> { return this.#act(uuid, (g) => { g.vifs.push(vif); }); }
  detachInterface(uuid: string, portId: string): Promise<void> { return this.#act(uuid, (g) => { g.vifs = g.vifs.filter((v) => v.port_id !== portId); }); }

  async snapshot(uuid: string): Promise<{ data: Readable; disk_format: string; container_format: string }> {
    if (!this.#guests.has(uuid)) throw new GuestNotFound(uuid);
    // A tiny raw "disk": enough for the image service to checksum and mark the image active.
    return { data: Readable.from([Buffer.alloc(1024)]), disk_format: 'raw', container_format: 'bare' };
  }

  async consoleOutput(uuid: string, length?: number): Promise<string> {
    const g = this.#guests.get(uuid);
    if (!g) throw new GuestNotFound(uuid);
    const lines = length === undefined ? g.console : length === 0 ? [] : g.console.slice(-length);
    return lines.join('\n');
  }

  async close(): Promise<void> {
    if (this.#saveTimer) { clearTimeout(this.#saveTimer); this.#saveTimer = undefined; this.#save(); }
  }

  /** Coalesces writes: with thousands of guests a write per change would dominate. */
  #changed(): void {
    if (!this.#file || this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => { this.#saveTimer = undefined; this.#save(); }, 1000);
    this.#saveTimer.unref();
  }

  #save(): void {
    if (!this.#file) return;
    const tmp = `${this.#file}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.#guests.values()]));
    renameSync(tmp, this.#file);
  }
}

function bootLog(spec: GuestSpec): string[] {
  const ips = spec.vifs.flatMap((v) => v.ips.map((ip) => ip.address));
  return [
    `[    0.000000] Linux version 6.1.0-fake (stratus@fake) #1 SMP`,
    `[    0.000000] Command line: console=ttyS0 root=/dev/vda`,
    `[    0.100000] Memory: ${spec.flavor.memory_mb * 1024}K available`,
    `[    0.200000] smpboot: Allowing ${spec.flavor.vcpus} CPUs`,
    `[    1.000000] cloud-init: hostname ${spec.hostname}`,
    ...spec.vifs.map((v, i) => `[    1.100000] eth${i}: ${v.mac_address} ${v.ips.map((ip) => ip.address).join(' ')}`),
    `GUEST-READY ${ips[0] ?? ''}`.trim(),
    `${spec.hostname} login:`,
  ];
}
