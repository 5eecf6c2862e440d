// The compute agents this process runs (compute.fake_hosts of them), with one set of timers for
// all: a thousand fake hosts must not mean a thousand heartbeat timers and a thousand
// simultaneous placement registrations.
import { join } from 'node:path';
import type { ComputeDeps } from '../deps.ts';
import { createDriver } from '../drivers/index.ts';
import { ComputeAgent } from './agent.ts';
import { cleanupOrphans, reconcileHost, syncPowerStates } from './periodic.ts';

export class AgentPool {
  readonly agents: ComputeAgent[] = [];
  readonly #deps: ComputeDeps;
  readonly #dataDir: string;
  readonly #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  #ready?: Promise<void>;

  readonly #extraServiceIds: string[];

  /** `extraServiceIds`: other services of this process whose heartbeat rides along (scheduler, conductor). */
  constructor(deps: ComputeDeps, dataDir: string, extraServiceIds: string[] = []) {
    this.#deps = deps;
    this.#dataDir = dataDir;
    this.#extraServiceIds = extraServiceIds;
  }

  async start(): Promise<void> {
    const c = this.#deps.config;
    const n = c.int('compute.fake_hosts');
    const prefix = c.str('compute.fake_host_prefix');
    for (let i = 1; i <= n; i++) {
      const host = n === 1 && prefix === 'fake-host' ? 'fake-host' : `${prefix}-${i}`;
      const driver = createDriver(c.str('compute.driver'), c, join(this.#dataDir, 'compute', 'fake-hypervisor'));
      const agent = new ComputeAgent(this.#deps, host, driver);
      await agent.start();
      this.agents.push(agent);
    }
    await this.heartbeat();
    this.#every(c.int('compute.report_interval'), () => this.heartbeat());
    this.#every(c.int('compute.sync_power_state_interval'), () => this.#each(syncPowerStates));
    this.#every(c.int('compute.orphan_cleanup_interval'), () => this.#each(cleanupOrphans));
    this.#ready = this.#registerAll();
  }

  /** Resolves once every agent is registered in placement and reconciled. */
  ready(): Promise<void> { return this.#ready ?? Promise.resolve(); }

  async heartbeat(): Promise<void> {
    await this.#deps.repos.hosts.heartbeat([...this.#extraServiceIds, ...this.agents.map((a) => a.serviceId!).filter(Boolean)]);
  }

  /** Registers the agents with placement, retrying until placement (and identity) answer. */
  async #registerAll(): Promise<void> {
    let delay = 200;
    let warned = false;
    while (!this.#stopped) {
      const pending = this.agents.filter((a) => !a.registered);
      if (!pending.length) break;
      let failure: unknown;
      await this.#parallel(pending, 8, async (a) => { await a.register().catch((err) => { failure ??= err; }); });
      if (!failure) break;
      if (!warned && delay >= 3200) { this.#deps.log.warn({ err: failure }, 'compute agents cannot reach placement yet; retrying'); warned = true; }
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(delay * 2, 10_000);
    }
    if (this.#stopped) return;
    await this.#each(reconcileHost);
    this.#deps.log.info({ hosts: this.agents.length }, 'compute agents registered and reconciled');
  }

  async #each(fn: (a: ComputeAgent['agent']) => Promise<void>): Promise<void> {
    for (const a of this.agents) {
      if (this.#stopped) return;
      await fn(a.agent).catch((err) => this.#deps.log.warn({ err, host: a.host }, 'periodic task failed'));
    }
  }

  async #parallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
    let i = 0;
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => { while (i < items.length) await fn(items[i++]!); }));
  }

  #every(seconds: number, fn: () => Promise<void>): void {
    if (seconds <= 0) return;
    let running = false;
    const t = setInterval(() => {
      if (running || this.#stopped) return;
      running = true;
      fn().catch((err) => this.#deps.log.warn({ err }, 'periodic task failed')).finally(() => { running = false; });
    }, seconds * 1000);
    t.unref();
    this.#timers.push(t);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    for (const a of this.agents) await a.stop().catch(() => undefined);
  }
}
