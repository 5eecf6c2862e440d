// The scheduler (nova-scheduler): allocation candidates from placement → filters → weighers →
// claim (placement allocations written for the server) — served on the bus topic `scheduler`.
import { randomInt } from 'node:crypto';
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { Endpoint } from '../../../lib/bus/index.ts';
import { CloudError } from '../../../lib/errors.ts';
import type { ComputeDeps } from '../deps.ts';
import type { FlavorSnapshot, RequestSpec } from '../model/instance.ts';
import { filterHosts, type Candidate, type FilterRequest } from './filters.ts';
import { HostStateCache } from './host-state.ts';
import type { Allocations } from './placement-port.ts';
import { defaultWeighers, weigh } from './weighers.ts';

/** Nova's NoValidHost; recognised across the bus by its kwargs (isNoValidHost). */
export class NoValidHost extends CloudError {
  override readonly status = 400;
  override readonly code = 'NoValidHost';
  constructor(message = 'No valid host was found. There are not enough hosts available.') { super(message, { no_valid_host: true }); }
}
export const isNoValidHost = (err: unknown): boolean => err instanceof CloudError && err.kwargs?.no_valid_host === true;

export interface SelectRequest {
  instance_uuids: string[];
  flavor: FlavorSnapshot;
  spec: RequestSpec;
  project_id: string;
  user_id: string;
  /** Hosts not to use (earlier attempts, the source of a migration). */
  exclude_hosts?: string[];
  /** Zone derived from a forced or requested host, or the instance's current one (migrations). */
  zone?: string | null;
}

export interface Selection { instance_uuid: string; host: string; node: string; node_uuid: string; zone: string; allocations: Allocations }

/** Placement resources of a flavor (nova.scheduler.utils.resources_from_flavor). */
export function flavorResources(f: FlavorSnapshot): Record<string, number> {
  const res: Record<string, number> = { VCPU: f.vcpus, MEMORY_MB: f.memory_mb, DISK_GB: f.root_gb + f.ephemeral_gb + Math.ceil(f.swap / 1024) };
  for (const [k, v] of Object.entries(f.extra_specs ?? {})) {
    const m = /^resources\d*:([A-Z0-9_]+)$/.exec(k);
    if (m) res[m[1]!] = Number(v);
  }
  return Object.fromEntries(Object.entries(res).filter(([, n]) => n > 0));
}

export class Scheduler {
  readonly #deps: ComputeDeps;
  readonly hosts: HostStateCache;
  #ready?: Promise<void>;
  /**
   * Allocation candidates per resource request, reused for a moment: a burst of creates with
   * one flavor asks placement once per window instead of once per server. Placement still
   * checks every claim, so a stale view costs at most a retry on the next host.
   */
  #cache = new Map<string, { at: number; cands: Candidate[] }>();
  constructor(deps: ComputeDeps) { this.#deps = deps; this.hosts = new HostStateCache(deps); }

  /**
   * Hosts of this very process may still be registering with placement right after start:
   * the first schedules wait for them (at most 15 s) instead of failing with NoValidHost.
   */
  waitFor(ready: Promise<void>): void {
    this.#ready = Promise.race([ready, new Promise<void>((r) => setTimeout(r, 15_000).unref())]).catch(() => undefined);
  }

  endpoint(): Endpoint {
    return { version: '1.0', methods: { select_destinations: (ctx: RequestContext, args: SelectRequest) => this.select(ctx, args) } };
  }

  async #filterRequest(req: SelectRequest): Promise<FilterRequest> {
    const d = this.#deps;
    const spec = req.spec;
    const hints = spec.scheduler_hints ?? {};
    const list = (v: unknown) => (v === undefined ? [] : [v].flat().map(String));
    const hostsOf = async (uuids: string[]) => new Set((await d.repos.instances.getMany(uuids)).map((i) => i.host).filter((h): h is string => Boolean(h)));
    const r: FilterRequest = {
      zone: req.zone !== undefined ? req.zone : spec.availability_zone ?? null,
      flavorExtraSpecs: req.flavor.extra_specs ?? {}, imageProperties: spec.image_properties ?? {},
      excludeHosts: new Set([...(req.exclude_hosts ?? []), ...(spec.tried_hosts ?? [])]),
      forceHosts: [spec.force_host, spec.requested_host].filter((h): h is string => Boolean(h)),
      forceNodes: [spec.force_node, spec.requested_hypervisor_hostname].filter((h): h is string => Boolean(h)),
      sameHost: await hostsOf(list(hints.same_host)), differentHost: await hostsOf(list(hints.different_host)),
    };
    if (list(hints.same_host).length && !r.sameHost.size) r.sameHost.add('\0none');
    if (spec.group_id) {
      const g = await d.repos.groups.get(spec.group_id);
      if (g) {
        const others = (await d.repos.instances.getMany(g.members)).filter((i) => i.host && !req.instance_uuids.includes(i.uuid));
        const counts = new Map<string, number>();
        for (const i of others) counts.set(i.host!, (counts.get(i.host!) ?? 0) + 1);
        r.group = { policy: g.policy, hosts: new Set(counts.keys()), hostCounts: counts, maxServerPerHost: Number(g.rules.max_server_per_host ?? 1) };
      }
    }
    return r;
  }

  async #candidates(resources: Record<string, number>): Promise<Candidate[]> {
    const key = JSON.stringify(resources);
    const ttl = this.#deps.config.int('compute.candidate_cache_ms');
    const hit = this.#cache.get(key);
    if (hit && Date.now() - hit.at < ttl) return hit.cands;
    const states = await this.hosts.byNodeUuid();
    const cands = await this.#deps.placement.candidates({ resources, limit: this.#deps.config.int('compute.max_placement_results') });
    const out: Candidate[] = [];
    for (const ar of cands.allocation_requests) {
      const rp = Object.keys(ar.allocations)[0];
      const state = rp ? states.get(rp) : undefined;
      if (!state) continue;
      const sum = cands.provider_summaries[rp!]?.resources ?? {};
      const free = (rc: string) => (sum[rc] ? sum[rc].capacity - sum[rc].used : 0);
      out.push({ state, allocation: ar.allocations, free: { vcpus: free('VCPU'), memory_mb: free('MEMORY_MB'), disk_gb: free('DISK_GB') } });
    }
    if (ttl > 0) {
      if (this.#cache.size > 100) this.#cache.clear();
      this.#cache.set(key, { at: Date.now(), cands: out });
    }
    return out;
  }

  #drop(resources: Record<string, number>, c: Candidate): void {
    const hit = this.#cache.get(JSON.stringify(resources));
    if (hit) hit.cands = hit.cands.filter((x) => x !== c);
  }

  /** Picks and claims a host for each instance; NoValidHost when one cannot be placed. */
  async select(_ctx: RequestContext, req: SelectRequest): Promise<Selection[]> {
    const d = this.#deps;
    if (this.#ready) await this.#ready;
    const resources = flavorResources(req.flavor);
    const filterReq = await this.#filterRequest(req);
    const candidates = await this.#candidates(resources);
    const weighers = defaultWeighers(Number(d.config.str('compute.weigher_multiplier')) || 0);
    const subset = d.config.int('compute.host_subset_size');
    const out: Selection[] = [];
    try {
      for (const uuid of req.instance_uuids) {
        const { passed, emptiedBy } = filterHosts(candidates, filterReq);
        if (!passed.length) {
          d.log.info({ instance: uuid, filter: emptiedBy, candidates: candidates.length }, 'no valid host');
          throw new NoValidHost();
        }
        const ranked = weigh(passed, filterReq, weighers);
        let chosen: Candidate | undefined;
        const tried: Candidate[] = [];
        // A claim may lose a race for the last capacity of a host: try the next best.
        while (ranked.length) {
          const pick = ranked.splice(randomInt(Math.min(subset, ranked.length)), 1)[0]!;
          tried.push(pick);
          if (await d.placement.claim(uuid, pick.allocation, { projectId: req.project_id, userId: req.user_id }, null)) { chosen = pick; break; }
        }
        if (!chosen) throw new NoValidHost();
        // A claim that lost its race shows the host is fuller than the cached view says.
        for (const c of tried) if (c !== chosen) this.#drop(resources, c);
        out.push({ instance_uuid: uuid, host: chosen.state.host, node: chosen.state.node.hypervisor_hostname, node_uuid: chosen.state.node.uuid, zone: chosen.state.zone, allocations: chosen.allocation });
        // What this claim used is gone for the next server of the same request.
        chosen.free.vcpus -= resources.VCPU ?? 0;
        chosen.free.memory_mb -= resources.MEMORY_MB ?? 0;
        chosen.free.disk_gb -= resources.DISK_GB ?? 0;
        if (filterReq.group) {
          filterReq.group.hosts.add(chosen.state.host);
          filterReq.group.hostCounts.set(chosen.state.host, (filterReq.group.hostCounts.get(chosen.state.host) ?? 0) + 1);
        }
      }
    } catch (err) {
      // All or nothing, as Nova: release the claims of this request.
      for (const s of out) await d.placement.deleteAllocations(s.instance_uuid).catch(() => undefined);
      throw err;
    }
    return out;
  }
}
