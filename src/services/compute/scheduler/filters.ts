// Host filters (nova/scheduler/filters): each says whether a candidate host may take the server.
// Placement already checked capacity; these check what it does not know.
import type { Allocations } from './placement-port.ts';
import type { HostState } from './host-state.ts';

export interface Candidate {
  state: HostState;
  allocation: Allocations;
  /** Free amounts after overcommit (capacity - used) of the root provider. */
  free: { vcpus: number; memory_mb: number; disk_gb: number };
}

/** What the filters look at, from the request spec and the server group. */
export interface FilterRequest {
  zone: string | null;
  flavorExtraSpecs: Record<string, string>;
  imageProperties: Record<string, unknown>;
  excludeHosts: Set<string>;
  forceHosts: string[];
  forceNodes: string[];
  /** Server group policy and the hosts its members already use. */
  group?: { policy: string; hosts: Set<string>; maxServerPerHost?: number; hostCounts: Map<string, number> };
  sameHost: Set<string>;
  differentHost: Set<string>;
}

export interface HostFilter { name: string; passes(c: Candidate, r: FilterRequest): boolean }

const ComputeFilter: HostFilter = { name: 'ComputeFilter', passes: (c) => c.state.enabled && c.state.up };
const AvailabilityZoneFilter: HostFilter = { name: 'AvailabilityZoneFilter', passes: (c, r) => !r.zone || c.state.zone === r.zone };
const RetryFilter: HostFilter = { name: 'RetryFilter', passes: (c, r) => !r.excludeHosts.has(c.state.host) };
const ForcedFilter: HostFilter = {
  name: 'RequestedDestination',
  passes: (c, r) => (!r.forceHosts.length || r.forceHosts.includes(c.state.host)) && (!r.forceNodes.length || r.forceNodes.includes(c.state.node.hypervisor_hostname)),
};

/** hw_architecture / img_hv_type of the image must match the host (ImagePropertiesFilter). */
const ImagePropertiesFilter: HostFilter = {
  name: 'ImagePropertiesFilter',
  passes: (c, r) => {
    const arch = (r.imageProperties.hw_architecture ?? r.imageProperties.architecture) as string | undefined;
    const hv = (r.imageProperties.img_hv_type ?? r.imageProperties.hypervisor_type) as string | undefined;
    const hostArch = String((JSON.parse(c.state.node.cpu_info || '{}') as { arch?: string }).arch ?? 'x86_64');
    if (arch && arch.toLowerCase() !== hostArch.toLowerCase()) return false;
    if (hv && hv.toLowerCase() !== c.state.node.hypervisor_type.toLowerCase()) return false;
    return true;
  },
};

/** Flavor extra specs `aggregate_instance_extra_specs:k=v` must match an aggregate's metadata. */
const AggregateInstanceExtraSpecsFilter: HostFilter = {
  name: 'AggregateInstanceExtraSpecsFilter',
  passes: (c, r) => {
    for (const [key, want] of Object.entries(r.flavorExtraSpecs)) {
      const m = /^aggregate_instance_extra_specs:(.+)$/.exec(key);
      if (!m) continue;
      const values = c.state.aggregateMetadata.map((md) => md[m[1]!]).filter((v) => v !== undefined);
      if (!values.some((v) => String(v).split(',').map((s) => s.trim()).includes(want.replace(/^s== |^= /, '').trim()))) return false;
    }
    return true;
  },
};

const ServerGroupAffinityFilter: HostFilter = {
  name: 'ServerGroupAffinityFilter',
  passes: (c, r) => r.group?.policy !== 'affinity' || r.group.hosts.size === 0 || r.group.hosts.has(c.state.host),
};
const ServerGroupAntiAffinityFilter: HostFilter = {
  name: 'ServerGroupAntiAffinityFilter',
  passes: (c, r) => {
    if (r.group?.policy !== 'anti-affinity') return true;
    const max = r.group.maxServerPerHost ?? 1;
    return (r.group.hostCounts.get(c.state.host) ?? 0) < max;
  },
};
const SameHostFilter: HostFilter = { name: 'SameHostFilter', passes: (c, r) => !r.sameHost.size || r.sameHost.has(c.state.host) };
const DifferentHostFilter: HostFilter = { name: 'DifferentHostFilter', passes: (c, r) => !r.differentHost.has(c.state.host) };

export const DEFAULT_FILTERS: HostFilter[] = [
  RetryFilter, ForcedFilter, ComputeFilter, AvailabilityZoneFilter, ImagePropertiesFilter, AggregateInstanceExtraSpecsFilter,
  ServerGroupAntiAffinityFilter, ServerGroupAffinityFilter, SameHostFilter, DifferentHostFilter,
];

/** The candidates every filter lets through, and the name of the filter that emptied the list. */
export function filterHosts(cands: Candidate[], r: FilterRequest, filters = DEFAULT_FILTERS): { passed: Candidate[]; emptiedBy?: string } {
  let out = cands;
  for (const f of filters) {
    out = out.filter((c) => f.passes(c, r));
    if (!out.length) return { passed: [], emptiedBy: f.name };
  }
  return { passed: out };
}
