// GET /allocation_candidates over the in-memory provider model, with upstream placement's
// semantics (placement/objects/allocation_candidate.py and research_context.py):
// - a granular group (suffixed, use_same_provider) is satisfied by ONE provider having all its
//   resources and required traits; the unsuffixed group may spread over the providers of one
//   tree and over sharing providers (MISC_SHARES_VIA_AGGREGATE) tied to the tree by an aggregate;
// - each candidate is anchored at a tree root; groups are combined per anchor (cartesian product),
//   then group_policy=isolate, same_subtree, the consolidated capacity and max_unit are checked.
import { fits, SHARING_TRAIT, type ProviderModel, type ProviderState } from './model.ts';

export interface RequestGroup {
  suffix: string;
  useSameProvider: boolean;
  /** Requested amount per resource class, in request order. */
  resources: Map<string, number>;
  /** AND of ORs: [[A], [B, C]] means A and (B or C). */
  requiredTraits: string[][];
  forbiddenTraits: Set<string>;
  /** AND of ORs of aggregate uuids. */
  memberOf: string[][];
  forbiddenAggs: Set<string>;
  inTree?: string;
}

export interface RequestWide {
  limit?: number;
  groupPolicy?: 'none' | 'isolate';
  rootRequired?: Set<string>;
  rootForbidden?: Set<string>;
  sameSubtrees: string[][];
  /** Microversion 1.29+: candidates may combine several providers of one tree. */
  nestedAware: boolean;
  randomize: boolean;
  /** placement.max_allocation_candidates: stop generating after this many (-1: no limit). */
  maxCandidates: number;
}

export interface ResourceRequest { provider: ProviderState; rc: string; amount: number }
export interface AllocationRequest {
  resources: ResourceRequest[];
  /** Group suffix → providers satisfying it (1.34's `mappings`). */
  mappings: Map<string, Set<string>>;
  anchor: string;
  /** Set on the per-group requests only: the group was granular. */
  useSameProvider?: boolean;
}

export interface Candidates { requests: AllocationRequest[]; summaries: ProviderState[] }

export function findCandidates(model: ProviderModel, groups: RequestGroup[], wide: RequestWide): Candidates {
  const anchors = anchorFilter(model, wide);
  if (anchors && !anchors.size) return { requests: [], summaries: [] };
  const perGroup = new Map<string, AllocationRequest[]>();
  for (const g of groups) {
    const reqs = searchGroup(model, g, anchors);
    if (!reqs.length) return { requests: [], summaries: [] };
    for (const r of reqs) r.useSameProvider = g.useSameProvider;
    perGroup.set(g.suffix, reqs);
  }
  const excludeNested = !wide.nestedAware && model.indexes.hasTrees;
  // Generation may stop early when the first `limit` are what will be kept anyway.
  const stopAt = Math.min(wide.maxCandidates >= 0 ? wide.maxCandidates : Infinity, !wide.randomize && wide.limit && !excludeNested ? wide.limit : Infinity);
  // One group and no sharing providers: every request is already whole and distinct (one anchor
  // each), so the per-anchor product and de-duplication of merge() are skipped.
  const single = groups.length === 1 && !model.indexes.sharing.length;
  let requests = single ? perGroup.get(groups[0]!.suffix)!.slice(0, stopAt) : merge(model, perGroup, wide, stopAt);
  let summaries: ProviderState[];
  if (excludeNested) {
    // Before 1.29 clients cannot take resources from two providers of one tree.
    requests = requests.filter((r) => {
      const providers = new Set(r.resources.map((x) => x.provider.uuid));
      return new Set(r.resources.map((x) => x.provider.rootUuid)).size === providers.size;
    });
    requests = limit(requests, wide);
    const used = new Set(requests.flatMap((r) => r.resources.map((x) => x.provider.uuid)));
    summaries = [...used].map((u) => model.providers.get(u)!);
  } else {
    requests = limit(requests, wide);
    summaries = treesOf(model, requests);
  }
  return { requests, summaries };
}

/** root_required: the roots allowed to anchor a candidate (undefined: any). */
function anchorFilter(model: ProviderModel, wide: RequestWide): Set<string> | undefined {
  if (!wide.rootRequired?.size && !wide.rootForbidden?.size) return undefined;
  const roots = new Set<string>();
  for (const p of model.providers.values()) {
    if (p.parentUuid) continue;
    if (wide.rootRequired && ![...wide.rootRequired].every((t) => p.traits.has(t))) continue;
    if (wide.rootForbidden && [...wide.rootForbidden].some((t) => p.traits.has(t))) continue;
    roots.add(p.uuid);
  }
  return roots;
}

const hasTraits = (traits: Set<string>, required: string[][]) => required.every((anyOf) => anyOf.some((t) => traits.has(t)));
const hasNone = (traits: Set<string>, forbidden: Set<string>) => { for (const t of forbidden) if (traits.has(t)) return false; return true; };

function searchGroup(model: ProviderModel, g: RequestGroup, anchors: Set<string> | undefined): AllocationRequest[] {
  let treeRoot: string | undefined;
  if (g.inTree) {
    treeRoot = model.providers.get(g.inTree)?.rootUuid;
    if (!treeRoot) return [];
  }
  const inAggs = g.memberOf.length ? model.membersOfAll(g.memberOf) : undefined;
  if (inAggs && !inAggs.size) return [];
  const badAggs = g.forbiddenAggs.size ? model.membersOfAll([[...g.forbiddenAggs]]) : undefined;
  const { hasTrees, sharing } = model.indexes;
  if (!g.useSameProvider && (hasTrees || sharing.length)) return spreadOverTree(model, g, anchors, treeRoot, inAggs, badAggs);
  return singleProvider(model, g, anchors, treeRoot, inAggs, badAggs);
}

/** Providers that alone satisfy the whole group. */
function singleProvider(model: ProviderModel, g: RequestGroup, anchors: Set<string> | undefined, treeRoot: string | undefined,
  inAggs: Set<string> | undefined, badAggs: Set<string> | undefined): AllocationRequest[] {
  const out: AllocationRequest[] = [];
  for (const p of scope(model, g, treeRoot)) {
    if (inAggs && !inAggs.has(p.uuid)) continue;
    if (badAggs?.has(p.uuid)) continue;
    if (g.requiredTraits.length && !hasTraits(p.traits, g.requiredTraits)) continue;
    if (g.forbiddenTraits.size && !hasNone(p.traits, g.forbiddenTraits)) continue;
    let ok = true;
    for (const [rc, amount] of g.resources) if (!fits(p.inventories.get(rc), amount)) { ok = false; break; }
    if (!ok) continue;
    const resources = [...g.resources].map(([rc, amount]) => ({ provider: p, rc, amount }));
    const mappings = new Map([[g.suffix, new Set([p.uuid])]]);
    if (!anchors || anchors.has(p.rootUuid)) out.push({ resources, mappings, anchor: p.rootUuid });
    if (p.traits.has(SHARING_TRAIT)) {
      for (const anchor of model.anchorsOf(p)) {
        if (anchor === p.rootUuid || (anchors && !anchors.has(anchor))) continue;
        out.push({ resources, mappings, anchor });
      }
    }
  }
  return out;
}

/** Candidate providers of a group: those holding its first resource class, or all (resourceless group). */
function scope(model: ProviderModel, g: RequestGroup, treeRoot: string | undefined): Iterable<ProviderState> {
  if (treeRoot) return model.indexes.byRoot.get(treeRoot) ?? [];
  const first = g.resources.keys().next();
  if (first.done) return model.providers.values();
  return model.indexes.byClass.get(first.value) ?? [];
}

interface Slot { provider: ProviderState; anchor: string }

/** The unsuffixed group when trees or sharing providers exist: any providers of one tree plus shared ones. */
function spreadOverTree(model: ProviderModel, g: RequestGroup, anchors: Set<string> | undefined, treeRoot: string | undefined,
  inAggs: Set<string> | undefined, badAggs: Set<string> | undefined): AllocationRequest[] {
  // Per resource class, the (provider, anchor) pairs able to supply it; then keep the anchors that
  // can supply every class.
  const perClass: Array<[string, number, Slot[]]> = [];
  let common: Set<string> | undefined;
  for (const [rc, amount] of g.resources) {
    const slots: Slot[] = [];
    for (const p of model.indexes.byClass.get(rc) ?? []) {
      if (treeRoot && p.rootUuid !== treeRoot) continue;
      if (!fits(p.inventories.get(rc), amount)) continue;
      slots.push({ provider: p, anchor: p.rootUuid });
      if (!treeRoot && p.traits.has(SHARING_TRAIT) && (!inAggs || inAggs.has(p.uuid))) {
        for (const anchor of model.anchorsOf(p)) if (anchor !== p.rootUuid) slots.push({ provider: p, anchor });
      }
    }
    const kept = slots.filter((s) => (!anchors || anchors.has(s.anchor))
      && (!inAggs || inAggs.has(s.provider.uuid) || inAggs.has(s.anchor))
      && (!badAggs || !(badAggs.has(s.provider.uuid) || badAggs.has(s.anchor))));
    if (!kept.length) return [];
    const here = new Set(kept.map((s) => s.anchor));
    common = common ? new Set([...common].filter((a) => here.has(a))) : here;
    if (!common.size) return [];
    perClass.push([rc, amount, kept]);
  }
  const out: AllocationRequest[] = [];
  const seen = new Set<string>();
  for (const anchor of common ?? []) {
    const choices = perClass.map(([rc, amount, slots]) => slots.filter((s) => s.anchor === anchor).map((s) => ({ provider: s.provider, rc, amount })));
    for (const combo of product(choices)) {
      const involved = new Set(combo.map((r) => r.provider));
      const traits = new Set<string>();
      let forbidden = false;
      for (const p of involved) {
        if (g.forbiddenTraits.size && !hasNone(p.traits, g.forbiddenTraits)) { forbidden = true; break; }
        for (const t of p.traits) traits.add(t);
      }
      if (forbidden || !hasTraits(traits, g.requiredTraits)) continue;
      const req: AllocationRequest = { resources: combo, mappings: new Map([[g.suffix, new Set([...involved].map((p) => p.uuid))]]), anchor };
      const key = `${anchor}|${requestKey(req)}`;
      if (!seen.has(key)) { seen.add(key); out.push(req); }
    }
  }
  return out;
}

function* product<T>(lists: T[][]): Generator<T[]> {
  if (!lists.length) { yield []; return; }
  const idx = lists.map(() => 0);
  if (lists.some((l) => !l.length)) return;
  for (;;) {
    yield idx.map((i, k) => lists[k]![i]!);
    let k = lists.length - 1;
    while (k >= 0 && ++idx[k]! >= lists[k]!.length) { idx[k] = 0; k--; }
    if (k < 0) return;
  }
}

/** Identity of a request: its (provider, class, amount) set and its mappings. */
function requestKey(r: AllocationRequest): string {
  const res = r.resources.map((x) => `${x.provider.uuid}:${x.rc}:${x.amount}`).sort().join(',');
  const maps = [...r.mappings].map(([s, ps]) => `${s}=${[...ps].sort().join('+')}`).sort().join(';');
  return `${res}#${maps}`;
}

/** Combines one request per group for each anchor into whole candidates (_merge_candidates). */
function merge(model: ProviderModel, perGroup: Map<string, AllocationRequest[]>, wide: RequestWide, stopAt: number): AllocationRequest[] {
  const suffixes = [...perGroup.keys()];
  const byAnchor = new Map<string, Map<string, AllocationRequest[]>>();
  for (const [suffix, reqs] of perGroup) {
    for (const r of reqs) {
      let m = byAnchor.get(r.anchor);
      if (!m) byAnchor.set(r.anchor, (m = new Map()));
      let list = m.get(suffix);
      if (!list) m.set(suffix, (list = []));
      list.push(r);
    }
  }
  const granular = suffixes.filter((s) => s !== '').length;
  const out: AllocationRequest[] = [];
  const seen = new Set<string>();
  for (const m of byAnchor.values()) {
    if (m.size !== suffixes.length) continue;
    for (const parts of product(suffixes.map((s) => m.get(s)!))) {
      if (wide.groupPolicy === 'isolate' && !isolated(parts, granular)) continue;
      if (!sameSubtrees(model, parts, wide.sameSubtrees)) continue;
      const merged = parts.length === 1 ? parts[0]! : consolidate(parts);
      if (parts.length > 1 && exceedsCapacity(merged)) continue;
      const key = requestKey(merged);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ resources: merged.resources, mappings: merged.mappings, anchor: merged.anchor });
      if (out.length >= stopAt) return out;
    }
  }
  return out;
}

function isolated(parts: AllocationRequest[], granular: number): boolean {
  const providers = new Set<string>();
  for (const p of parts) if (p.useSameProvider) providers.add([...p.mappings.values()][0]!.values().next().value!);
  return providers.size === granular;
}

function sameSubtrees(model: ProviderModel, parts: AllocationRequest[], groups: string[][]): boolean {
  for (const suffixes of groups) {
    const rps = new Set<string>();
    for (const p of parts) for (const s of suffixes) for (const u of p.mappings.get(s) ?? []) rps.add(u);
    if (rps.size <= 1) continue;
    const ancestry = (u: string) => { const a = new Set<string>(); for (let p = model.providers.get(u); p; p = p.parentUuid ? model.providers.get(p.parentUuid) : undefined) a.add(p.uuid); return a; };
    let common: Set<string> | undefined;
    for (const u of rps) { const a = ancestry(u); common = common ? new Set([...common].filter((x) => a.has(x))) : a; }
    if (![...rps].some((u) => common!.has(u))) return false;
  }
  return true;
}

function consolidate(parts: AllocationRequest[]): AllocationRequest {
  const byKey = new Map<string, ResourceRequest>();
  const mappings = new Map<string, Set<string>>();
  for (const part of parts) {
    for (const r of part.resources) {
      const key = `${r.provider.uuid}\n${r.rc}`;
      const have = byKey.get(key);
      if (have) have.amount += r.amount;
      else byKey.set(key, { ...r });
    }
    for (const [s, ps] of part.mappings) {
      let set = mappings.get(s);
      if (!set) mappings.set(s, (set = new Set()));
      for (const u of ps) set.add(u);
    }
  }
  return { resources: [...byKey.values()], mappings, anchor: parts[0]!.anchor };
}

function exceedsCapacity(r: AllocationRequest): boolean {
  for (const x of r.resources) {
    const inv = x.provider.inventories.get(x.rc)!;
    if (inv.used + x.amount > Math.trunc(inv.capacity) || x.amount > inv.maxUnit) return true;
  }
  return false;
}

function limit(requests: AllocationRequest[], wide: RequestWide): AllocationRequest[] {
  if (wide.limit && wide.limit < requests.length) {
    if (!wide.randomize) return requests.slice(0, wide.limit);
    return shuffle(requests).slice(0, wide.limit);
  }
  return wide.randomize ? shuffle(requests) : requests;
}

function shuffle<T>(a: T[]): T[] {
  const b = [...a];
  for (let i = b.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [b[i], b[j]] = [b[j]!, b[i]!]; }
  return b;
}

/** Every provider of every tree that supplies a resource in the kept requests. */
function treesOf(model: ProviderModel, requests: AllocationRequest[]): ProviderState[] {
  const roots = new Set<string>();
  for (const r of requests) for (const x of r.resources) roots.add(x.provider.rootUuid);
  return [...roots].flatMap((root) => model.indexes.byRoot.get(root) ?? []);
}
