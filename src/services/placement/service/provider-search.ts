// GET /resource_providers filters, over the provider model: every filter applies to the provider
// itself (unlike allocation candidates, where aggregates on a root cover its tree).
import { fits, type ProviderModel, type ProviderState } from './model.ts';

export interface ProviderFilter {
  name?: string;
  uuid?: string;
  inTree?: string;
  memberOf?: string[][];
  forbiddenAggs?: Set<string>;
  requiredTraits?: string[][];
  forbiddenTraits?: Set<string>;
  resources?: Map<string, number>;
}

export function searchProviders(model: ProviderModel, f: ProviderFilter): ProviderState[] {
  let root: string | undefined;
  if (f.inTree) {
    root = model.providers.get(f.inTree)?.rootUuid;
    if (!root) return [];
  }
  const inAggs = f.memberOf?.length ? model.membersOfAll(f.memberOf) : undefined;
  const badAggs = f.forbiddenAggs?.size ? model.membersOfAll([[...f.forbiddenAggs]]) : undefined;
  const out: ProviderState[] = [];
  const scope = f.uuid ? [model.providers.get(f.uuid)].filter((p) => !!p) : root ? model.indexes.byRoot.get(root) ?? [] : model.providers.values();
  for (const p of scope) {
    if (f.name !== undefined && p.name !== f.name) continue;
    if (root && p.rootUuid !== root) continue;
    if (inAggs && !inAggs.has(p.uuid)) continue;
    if (badAggs?.has(p.uuid)) continue;
    if (f.requiredTraits && !f.requiredTraits.every((anyOf) => anyOf.some((t) => p.traits.has(t)))) continue;
    if (f.forbiddenTraits && [...f.forbiddenTraits].some((t) => p.traits.has(t))) continue;
    if (f.resources && ![...f.resources].every(([rc, n]) => fits(p.inventories.get(rc), n))) continue;
    out.push(p);
  }
  return out;
}
