// What the scheduler knows of each compute node besides placement's numbers: its host, zone,
// aggregates (with metadata), service state. Loaded from the database and kept for a moment:
// scheduling a thousand servers must not reread a thousand hosts a thousand times.
import type { ComputeDeps } from '../deps.ts';
import type { ComputeNode } from '../db/hosts.ts';

export interface HostState {
  node: ComputeNode;
  host: string;
  zone: string;
  /** Metadata of the aggregates the host is in (AggregateInstanceExtraSpecsFilter). */
  aggregateMetadata: Array<Record<string, string>>;
  enabled: boolean;
  up: boolean;
}

export class HostStateCache {
  readonly #deps: ComputeDeps;
  readonly #ttlMs: number;
  #loaded?: { at: number; byNode: Map<string, HostState> };
  #loading?: Promise<Map<string, HostState>>;

  constructor(deps: ComputeDeps, ttlMs = 2000) { this.#deps = deps; this.#ttlMs = ttlMs; }

  /** Forget what is cached (aggregates or services changed in this process). */
  invalidate(): void { this.#loaded = undefined; }

  async byNodeUuid(): Promise<Map<string, HostState>> {
    if (this.#loaded && Date.now() - this.#loaded.at < this.#ttlMs) return this.#loaded.byNode;
    this.#loading ??= this.#load().finally(() => { this.#loading = undefined; });
    return this.#loading;
  }

  async #load(): Promise<Map<string, HostState>> {
    const d = this.#deps;
    const def = d.config.str('compute.default_availability_zone');
    const [nodes, services, aggregates] = await Promise.all([d.repos.hosts.nodes(), d.repos.hosts.services({ binary: 'nova-compute' }), d.repos.aggregates.list()]);
    const svcByHost = new Map(services.map((s) => [s.host, s]));
    const aggsByHost = new Map<string, Array<Record<string, string>>>();
    const zoneByHost = new Map<string, string>();
    for (const a of aggregates) {
      for (const h of a.hosts) {
        aggsByHost.set(h, [...(aggsByHost.get(h) ?? []), a.metadata]);
        if (a.metadata.availability_zone) zoneByHost.set(h, a.metadata.availability_zone);
      }
    }
    const downAfter = d.config.int('compute.service_down_time') * 1000;
    const now = Date.now();
    const byNode = new Map<string, HostState>();
    for (const n of nodes) {
      const svc = svcByHost.get(n.host);
      byNode.set(n.uuid, {
        node: n, host: n.host, zone: zoneByHost.get(n.host) ?? def, aggregateMetadata: aggsByHost.get(n.host) ?? [],
        enabled: Boolean(svc && !svc.disabled),
        up: Boolean(svc && !svc.forced_down && svc.last_seen_up && now - Date.parse(svc.last_seen_up) <= downAfter),
      });
    }
    this.#loaded = { at: now, byNode };
    return byNode;
  }
}
