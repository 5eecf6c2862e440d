// One compute agent (nova-compute of one host): its service and node records, its bus topic
// `compute.<host>`, its resource provider in placement, and what it does at start (reconcile
// servers a crash left half-done) and on a period (power state sync, orphan cleanup).
import type { Endpoint, Stoppable } from '../../../lib/bus/index.ts';
import type { ComputeDeps } from '../deps.ts';
import type { ComputeDriver } from '../drivers/driver.ts';
import type { Inventory } from '../scheduler/placement-port.ts';
import { buildAndRun } from './build.ts';
import { InstanceLocks, type AgentHost } from './host.ts';
import { interfaceMethods } from './interfaces.ts';
import { lifecycleMethods } from './lifecycle.ts';
import { moveMethods } from './moves.ts';
import { powerMethods } from './power.ts';

export class ComputeAgent {
  readonly host: string;
  readonly driver: ComputeDriver;
  readonly #deps: ComputeDeps;
  #agent?: AgentHost;
  #serving?: Stoppable;
  serviceId?: string;
  /** Placement knows this host (its provider and inventory are written). */
  registered = false;

  constructor(deps: ComputeDeps, host: string, driver: ComputeDriver) {
    this.#deps = deps;
    this.host = host;
    this.driver = driver;
  }

  get agent(): AgentHost {
    if (!this.#agent) throw new Error(`agent ${this.host} is not started`);
    return this.#agent;
  }

  /** Records, bus topic: what the agent needs before it can take builds. */
  async start(): Promise<void> {
    const d = this.#deps;
    await this.driver.init(this.host);
    const svc = await d.repos.hosts.ensureService(this.host, 'nova-compute', 'compute');
    this.serviceId = svc.id;
    const r = this.driver.hostResources();
    const node = await d.repos.hosts.ensureNode({
      host: this.host, hypervisor_hostname: this.host, hypervisor_type: r.hypervisor_type, hypervisor_version: r.hypervisor_version,
      vcpus: r.vcpus, memory_mb: r.memory_mb, local_gb: r.local_gb, host_ip: r.host_ip, cpu_info: JSON.stringify(r.cpu_info),
    });
    this.#agent = { deps: d, host: this.host, node: node.hypervisor_hostname, nodeUuid: node.uuid, driver: this.driver, locks: new InstanceLocks(), log: d.log.child({ host: this.host }) };
    this.#serving = await d.bus.serve({ topic: 'compute', server: this.host }, this.endpoint());
  }

  endpoint(): Endpoint {
    const a = this.agent;
    return {
      version: '1.0',
      methods: {
        build_and_run_instance: (ctx, args) => buildAndRun(a, ctx, args),
        ...powerMethods(a), ...lifecycleMethods(a), ...moveMethods(a), ...interfaceMethods(a),
      },
    };
  }

  /** Placement inventory of this host (Nova's resource tracker). */
  inventory(): Record<string, Inventory> {
    const r = this.driver.hostResources();
    const c = this.#deps.config;
    const inv = (total: number, reserved: number, ratio: string): Inventory => ({ total, reserved, min_unit: 1, max_unit: total, step_size: 1, allocation_ratio: Number(ratio) || 1 });
    return {
      VCPU: inv(r.vcpus, 0, c.str('compute.cpu_allocation_ratio')),
      MEMORY_MB: inv(r.memory_mb, Math.min(c.int('compute.reserved_host_memory_mb'), r.memory_mb - 1), c.str('compute.ram_allocation_ratio')),
      DISK_GB: inv(r.local_gb, 0, c.str('compute.disk_allocation_ratio')),
    };
  }

  /** Writes provider, inventory and aggregates to placement. */
  async register(): Promise<void> {
    const d = this.#deps;
    const a = this.agent;
    await d.placement.ensureProvider(a.nodeUuid, a.node);
    await d.placement.setInventory(a.nodeUuid, this.inventory());
    const aggs = await d.repos.aggregates.byHost(this.host);
    await d.placement.setAggregates(a.nodeUuid, aggs.map((g) => g.uuid));
    this.registered = true;
  }

  async stop(): Promise<void> {
    await this.#serving?.stop();
    await this.driver.close();
  }
}
