// GET /allocation_candidates (1.10+): request groups parsed as placement/lib.py does, the search
// in service/candidates.ts, the body shaped for the microversion.
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { badRequest, codes } from '../errors.ts';
import type { PlacementDeps } from '../deps.ts';
import { findCandidates, type AllocationRequest, type Candidates, type RequestGroup, type RequestWide } from '../service/candidates.ts';
import type { ProviderState } from '../service/model.ts';
import { unknownClasses } from '../service/resource-classes.ts';
import { unknownTraits } from '../service/traits.ts';
import { all, atLeast, cacheHeaders, checkQuery, last, since } from './common.ts';
import { parseInTree, parseMemberOf, parseResources, parseTraits, parseTraitValue } from './query.ts';
import * as schemas from './schemas.ts';

export function parseGroups(req: ApiRequest): RequestGroup[] {
  const pattern = atLeast(req, '1.33')
    ? /^(resources|required|member_of|in_tree)([a-zA-Z0-9_-]{1,64})?$/
    : /^(resources|required|member_of|in_tree)([1-9][0-9]*)?$/;
  const bySuffix = new Map<string, RequestGroup>();
  for (const key of Object.keys(req.query)) {
    const m = pattern.exec(key);
    if (!m) continue;
    const [, kind, suffix = ''] = m;
    let g = bySuffix.get(suffix);
    if (!g) {
      g = { suffix, useSameProvider: suffix !== '', resources: new Map(), requiredTraits: [], forbiddenTraits: new Set(), memberOf: [], forbiddenAggs: new Set() };
      bySuffix.set(suffix, g);
    }
    if (kind === 'resources') g.resources = parseResources(last(req, key)!);
    else if (kind === 'required') { const t = parseTraits(req, suffix); g.requiredTraits = t.required; g.forbiddenTraits = t.forbidden; }
    else if (kind === 'member_of') { const a = parseMemberOf(req, suffix); g.memberOf = a.memberOf; g.forbiddenAggs = a.forbidden; }
    else g.inTree = parseInTree(last(req, key)!);
  }
  return [...bySuffix.values()];
}

function checkGroups(req: ApiRequest, groups: RequestGroup[], sameSubtrees: string[][]): void {
  if (atLeast(req, '1.36')) {
    const resourceless = groups.filter((g) => !g.resources.size).map((g) => g.suffix);
    if (resourceless.length === groups.length) throw badRequest('There must be at least one resources or resources[$S] parameter.', codes.QUERYPARAM_MISSING_VALUE);
    const inSubtree = new Set(sameSubtrees.flat());
    const bad = resourceless.filter((s) => !inSubtree.has(s));
    if (bad.length) throw badRequest(`Resourceless suffixed group request should be specified in \`same_subtree\` query param: bad group(s) - ${pyList(bad)}.`, codes.QUERYPARAM_BAD_VALUE);
    const known = new Set(groups.map((g) => g.suffix));
    const unknown = [...inSubtree].filter((s) => !known.has(s));
    if (unknown.length) throw badRequest(`Real suffixes should be specified in \`same_subtree\`: ${pyList(unknown)} not found in ${pyList([...known])}.`, codes.QUERYPARAM_BAD_VALUE);
  } else {
    const orphanTraits = groups.filter((g) => g.requiredTraits.length && !g.resources.size).map((g) => `required${g.suffix}`);
    if (orphanTraits.length) throw badRequest(`All traits parameters must be associated with resources.  Found the following orphaned traits keys: ${orphanTraits.join(', ')}`);
    const orphanAggs = groups.filter((g) => !g.resources.size && (g.memberOf.length || g.forbiddenAggs.size)).map((g) => `member_of${g.suffix}`);
    if (orphanAggs.length) throw badRequest(`All member_of parameters must be associated with resources. Found the following orphaned member_of keys: ${orphanAggs.join(', ')}`);
    if (!groups.every((g) => g.resources.size)) throw badRequest('All request groups must specify resources.');
    if (!groups.length) throw badRequest('At least one request group (`resources` or `resources{$S}`) is required.');
  }
  if (atLeast(req, '1.22')) {
    const conflicts = groups.flatMap((g) => g.requiredTraits.filter((anyOf) => anyOf.every((t) => g.forbiddenTraits.has(t)))
      .map((anyOf) => `required${g.suffix}: (${[...anyOf].sort().join(', ')})`));
    if (conflicts.length) throw badRequest(`Conflicting required and forbidden traits found in the following traits keys: ${conflicts.sort().join(', ')}`);
  }
}

const pyList = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

function requestWide(req: ApiRequest, deps: PlacementDeps): RequestWide {
  const limit = last(req, 'limit');
  const wide: RequestWide = {
    limit: limit ? Number(all(req, 'limit')[0]) : undefined,
    groupPolicy: all(req, 'group_policy')[0] as RequestWide['groupPolicy'],
    sameSubtrees: [],
    nestedAware: atLeast(req, '1.29'),
    randomize: deps.settings.randomizeCandidates,
    maxCandidates: deps.settings.maxCandidates,
  };
  const root = all(req, 'root_required');
  if (root.length > 1) throw badRequest("Query parameter 'root_required' may be specified only once.", codes.ILLEGAL_DUPLICATE_QUERYPARAM);
  if (root.length) {
    const t = parseTraitValue(root[0]!, true, false);
    wide.rootRequired = new Set(t.required.flat());
    wide.rootForbidden = t.forbidden;
    const conflicts = [...wide.rootRequired].filter((x) => t.forbidden.has(x));
    if (conflicts.length) throw badRequest(`Conflicting required and forbidden traits found in root_required: ${conflicts.join(', ')}`, codes.QUERYPARAM_BAD_VALUE);
  }
  for (const val of all(req, 'same_subtree')) {
    const suffixes = [...new Set(val.split(',').map((s) => s.trim()))];
    if (suffixes.includes('')) throw badRequest('Empty string (unsuffixed group) can not be specified in `same_subtree` ', codes.QUERYPARAM_BAD_VALUE);
    wide.sameSubtrees.push(suffixes);
  }
  return wide;
}

function requestObject(req: ApiRequest, r: AllocationRequest) {
  if (!atLeast(req, '1.12')) {
    const byRp = new Map<string, Record<string, number>>();
    for (const x of r.resources) { const m = byRp.get(x.provider.uuid) ?? {}; m[x.rc] = x.amount; byRp.set(x.provider.uuid, m); }
    return { allocations: [...byRp].map(([uuid, resources]) => ({ resource_provider: { uuid }, resources })) };
  }
  const allocations: Record<string, { resources: Record<string, number> }> = {};
  for (const x of r.resources) (allocations[x.provider.uuid] ??= { resources: {} }).resources[x.rc] = x.amount;
  const out: Record<string, unknown> = { allocations };
  if (atLeast(req, '1.34')) out.mappings = Object.fromEntries([...r.mappings].map(([s, ps]) => [s, [...ps]]));
  return out;
}

function summaryObject(p: ProviderState, v: { allClasses: boolean; traits: boolean; nested: boolean }, requested: Set<string>) {
  const resources: Record<string, { capacity: number; used: number }> = {};
  for (const [rc, inv] of p.inventories) if (v.allClasses || requested.has(rc)) resources[rc] = { capacity: Math.trunc(inv.capacity), used: inv.used };
  const s: Record<string, unknown> = { resources };
  if (v.traits) s.traits = [...p.traits];
  if (v.nested) { s.parent_provider_uuid = p.parentUuid; s.root_provider_uuid = p.rootUuid; }
  return s;
}

/**
 * The response body as a string. A provider's summary does not depend on the query from 1.27 (all
 * classes shown), so its JSON is kept on the provider until the provider changes: a response over
 * a thousand hosts is then mostly concatenation instead of re-serialising the same summaries.
 */
function renderBody(req: ApiRequest, found: Candidates, requested: Set<string>): string {
  const v = { allClasses: atLeast(req, '1.27'), traits: atLeast(req, '1.17'), nested: atLeast(req, '1.29') };
  const variant = `${v.traits ? 't' : ''}${v.nested ? 'n' : ''}`;
  const summaries = found.summaries.map((p) => {
    let json = v.allClasses ? p.rendered.get(variant) : undefined;
    if (json === undefined) {
      json = JSON.stringify(summaryObject(p, v, requested));
      if (v.allClasses) p.rendered.set(variant, json);
    }
    return `${JSON.stringify(p.uuid)}:${json}`;
  });
  const requests = found.requests.map((r) => JSON.stringify(requestObject(req, r)));
  return `{"allocation_requests":[${requests.join(',')}],"provider_summaries":{${summaries.join(',')}}}`;
}

export function candidateRoutes(deps: PlacementDeps): Route[] {
  return [{
    method: 'GET', path: '/allocation_candidates', policy: 'placement:allocation_candidates:list',
    handler: async (req) => {
      since(req, '1.10');
      checkQuery(req, schemas.candidatesQuery(req.microversion!));
      const wide = requestWide(req, deps);
      const groups = parseGroups(req);
      checkGroups(req, groups, wide.sameSubtrees);
      if (!wide.groupPolicy && groups.filter((g) => g.useSameProvider).length > 1) {
        throw badRequest('The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.');
      }
      const classes = new Set(groups.flatMap((g) => [...g.resources.keys()]));
      const badClass = await unknownClasses(deps.db, classes);
      if (badClass.length) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${badClass[0]}.`);
      const traitNames = [...groups.flatMap((g) => [...g.requiredTraits.flat(), ...g.forbiddenTraits]), ...wide.rootRequired ?? [], ...wide.rootForbidden ?? []];
      const badTraits = await unknownTraits(deps.db, traitNames);
      if (badTraits.length) throw badRequest(`No such trait(s): ${badTraits.join(', ')}.`);

      await deps.model.refresh();
      const found = findCandidates(deps.model, groups, wide);
      return reply(200, renderBody(req, found, classes), { 'content-type': 'application/json', ...cacheHeaders(req) });
    },
  }];
}
