// Host weighers (nova/scheduler/weights): each gives a raw score, scores are normalised to 0..1
// across the candidates and summed with their multipliers. A positive RAM/CPU/disk multiplier
// spreads servers over hosts, a negative one packs them; the soft group policies pull members
// together or apart.
import type { Candidate, FilterRequest } from './filters.ts';

export interface Weigher { name: string; multiplier: number; score(c: Candidate, r: FilterRequest): number }

export function defaultWeighers(multiplier: number): Weigher[] {
  return [
    { name: 'RAMWeigher', multiplier, score: (c) => c.free.memory_mb },
    { name: 'CPUWeigher', multiplier, score: (c) => c.free.vcpus },
    { name: 'DiskWeigher', multiplier, score: (c) => c.free.disk_gb },
    { name: 'ServerGroupSoftAffinityWeigher', multiplier: 1, score: (c, r) => (r.group?.policy === 'soft-affinity' ? r.group.hostCounts.get(c.state.host) ?? 0 : 0) },
    { name: 'ServerGroupSoftAntiAffinityWeigher', multiplier: 1, score: (c, r) => (r.group?.policy === 'soft-anti-affinity' ? -(r.group.hostCounts.get(c.state.host) ?? 0) : 0) },
  ];
}

/** Candidates best first. */
export function weigh(cands: Candidate[], r: FilterRequest, weighers: Weigher[]): Candidate[] {
  const totals = new Map<Candidate, number>(cands.map((c) => [c, 0]));
  for (const w of weighers) {
    if (!w.multiplier) continue;
    const scores = cands.map((c) => w.score(c, r));
    const min = Math.min(...scores);
    const max = Math.max(...scores);
    if (max === min) continue;
    cands.forEach((c, i) => totals.set(c, totals.get(c)! + w.multiplier * ((scores[i]! - min) / (max - min))));
  }
  return [...cands].sort((a, b) => totals.get(b)! - totals.get(a)!);
}
