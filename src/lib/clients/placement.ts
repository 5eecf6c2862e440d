// A typed REST client for Placement (1.39), for the compute scheduler and agents, tests and
// tools. It takes a base URL and a token function, so it works in-process and across hosts.
// Errors come back as CloudError subclasses by status, with placement's error `code` in
// `kwargs.errorCode` (e.g. 'placement.concurrent_update').
import { BadRequest, CloudError, Conflict, Forbidden, MethodNotAllowed, NotAcceptable, NotFound, Unauthorized, UnsupportedMediaType } from '../errors.ts';

export type Resources = Record<string, number>;
export interface InventoryInput { total: number; reserved?: number; min_unit?: number; max_unit?: number; step_size?: number; allocation_ratio?: number }
export type Inventory = Required<InventoryInput>;
export interface ResourceProvider { uuid: string; name: string; generation: number; parent_provider_uuid: string | null; root_provider_uuid: string }
export interface ProviderSpec {
  uuid: string;
  name: string;
  parentUuid?: string;
  /** When given, the provider's inventory is made exactly this. */
  inventories?: Record<string, InventoryInput>;
  /** When given, the provider's traits are made exactly these (CUSTOM_ ones are created). */
  traits?: string[];
  aggregates?: string[];
}
export interface CandidateGroup { resources?: Resources; required?: string[]; forbidden?: string[]; anyOf?: string[][]; memberOf?: string[][]; forbiddenAggregates?: string[]; inTree?: string }
export interface CandidateQuery extends CandidateGroup {
  /** Granular groups by suffix (`resources1`, `required_NET`…). */
  groups?: Record<string, CandidateGroup>;
  groupPolicy?: 'none' | 'isolate';
  limit?: number;
  rootRequired?: string[];
}
export interface AllocationRequest { allocations: Record<string, { resources: Resources }>; mappings?: Record<string, string[]> }
export interface ProviderSummary {
  resources: Record<string, { capacity: number; used: number }>;
  traits: string[];
  parent_provider_uuid: string | null;
  root_provider_uuid: string;
}
export interface AllocationCandidates { allocation_requests: AllocationRequest[]; provider_summaries: Record<string, ProviderSummary> }
export interface ConsumerAllocations {
  allocations: Record<string, { generation?: number; resources: Resources }>;
  project_id?: string;
  user_id?: string;
  consumer_generation?: number | null;
  consumer_type?: string;
}
export interface Claim {
  consumer: string;
  /** Provider uuid → resources. */
  allocations: Record<string, Resources>;
  projectId: string;
  userId: string;
  /** Default 'INSTANCE'. */
  consumerType?: string;
  /** The generation the caller saw (null: the consumer must be new). Omitted: read it, and retry on a race. */
  consumerGeneration?: number | null;
}
export interface ConsumerWrite { allocations: Record<string, Resources>; project_id: string; user_id: string; consumer_generation: number | null; consumer_type?: string }

export interface PlacementClientOptions {
  /** e.g. http://127.0.0.1:8000/placement (no trailing slash needed). */
  baseUrl: string;
  /** A token with the admin or service role; called for every request (cache inside it). */
  token: () => string | Promise<string>;
  /** Microversion to speak (default 1.39). */
  microversion?: string;
  /** Attempts on a generation conflict (default 5). */
  retries?: number;
  fetch?: typeof fetch;
}

const byStatus: Record<number, new (m: string, k?: Record<string, unknown>) => CloudError> = {
  400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed, 406: NotAcceptable, 409: Conflict, 415: UnsupportedMediaType,
};

/** True for placement's "someone else changed it first" 409 (retry with fresh generations). */
export const isConcurrentUpdate = (err: unknown): boolean => err instanceof CloudError && err.status === 409 && err.kwargs.errorCode === 'placement.concurrent_update';

export class PlacementClient {
  readonly #o: Required<Omit<PlacementClientOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(opts: PlacementClientOptions) {
    this.#o = { microversion: '1.39', retries: 5, fetch: globalThis.fetch, ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
  }

  async request<T = any>(method: string, path: string, body?: unknown, query?: URLSearchParams): Promise<T> {
    const headers: Record<string, string> = {
      'x-auth-token': await this.#o.token(), 'openstack-api-version': `placement ${this.#o.microversion}`, accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const qs = query && [...query].length ? `?${query}` : '';
    const res = await this.#o.fetch(`${this.#o.baseUrl}${path}${qs}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
    let error: { detail?: string; code?: string } = {};
    try { error = JSON.parse(text).errors?.[0] ?? {}; } catch { /* not placement's body */ }
    const Ctor = byStatus[res.status] ?? CloudError;
    const err = new Ctor(error.detail ?? `${method} ${path}: HTTP ${res.status}`, { errorCode: error.code, status: res.status });
    if (!byStatus[res.status]) (err as { status: number }).status = res.status;
    throw err;
  }

  async #optional<T>(p: Promise<T>): Promise<T | undefined> {
    try { return await p; } catch (err) { if (err instanceof NotFound) return undefined; throw err; }
  }

  /** Runs `fn` again while it fails with a concurrent-update conflict. */
  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try { return await fn(); } catch (err) {
        if (!isConcurrentUpdate(err) || attempt >= this.#o.retries) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  }

  version(): Promise<{ versions: Array<{ min_version: string; max_version: string }> }> { return this.request('GET', '/'); }

  getProvider(uuid: string): Promise<ResourceProvider | undefined> { return this.#optional(this.request('GET', `/resource_providers/${uuid}`)); }
  async listProviders(filter: { name?: string; inTree?: string; memberOf?: string; resources?: Resources; required?: string[] } = {}): Promise<ResourceProvider[]> {
    const q = new URLSearchParams();
    if (filter.name) q.set('name', filter.name);
    if (filter.inTree) q.set('in_tree', filter.inTree);
    if (filter.memberOf) q.set('member_of', filter.memberOf);
    if (filter.resources) q.set('resources', resourcesParam(filter.resources));
    if (filter.required?.length) q.set('required', filter.required.join(','));
    return (await this.request('GET', '/resource_providers', undefined, q)).resource_providers;
  }
  createProvider(p: { uuid?: string; name: string; parentUuid?: string }): Promise<ResourceProvider> {
    return this.request('POST', '/resource_providers', { name: p.name, ...(p.uuid ? { uuid: p.uuid } : {}), ...(p.parentUuid ? { parent_provider_uuid: p.parentUuid } : {}) });
  }
  async deleteProvider(uuid: string): Promise<boolean> { return (await this.#optional(this.request('DELETE', `/resource_providers/${uuid}`).then(() => true))) ?? false; }

  getInventories(uuid: string): Promise<{ resource_provider_generation: number; inventories: Record<string, Inventory> }> {
    return this.request('GET', `/resource_providers/${uuid}/inventories`);
  }
  /** Replaces the inventory; without a generation, uses the current one and retries on conflicts. */
  setInventories(uuid: string, inventories: Record<string, InventoryInput>, generation?: number) {
    const put = (gen: number) => this.request('PUT', `/resource_providers/${uuid}/inventories`, { resource_provider_generation: gen, inventories });
    if (generation !== undefined) return put(generation);
    return this.#retrying(async () => put((await this.getInventories(uuid)).resource_provider_generation));
  }
  getTraits(uuid: string): Promise<{ traits: string[]; resource_provider_generation: number }> { return this.request('GET', `/resource_providers/${uuid}/traits`); }
  async setTraits(uuid: string, traits: string[]): Promise<void> {
    for (const t of traits) if (t.startsWith('CUSTOM_')) await this.ensureTrait(t);
    await this.#retrying(async () => {
      const gen = (await this.getTraits(uuid)).resource_provider_generation;
      await this.request('PUT', `/resource_providers/${uuid}/traits`, { traits, resource_provider_generation: gen });
    });
  }
  getAggregates(uuid: string): Promise<{ aggregates: string[]; resource_provider_generation: number }> { return this.request('GET', `/resource_providers/${uuid}/aggregates`); }
  async setAggregates(uuid: string, aggregates: string[]): Promise<void> {
    await this.#retrying(async () => {
      const gen = (await this.getAggregates(uuid)).resource_provider_generation;
      await this.request('PUT', `/resource_providers/${uuid}/aggregates`, { aggregates, resource_provider_generation: gen });
    });
  }
  async ensureTrait(name: string): Promise<void> { await this.request('PUT', `/traits/${name}`); }
  async ensureResourceClass(name: string): Promise<void> { await this.request('PUT', `/resource_classes/${name}`); }

  /** Get-or-create a provider and bring its inventory, traits and aggregates to the given state. */
  async ensureProvider(spec: ProviderSpec): Promise<ResourceProvider> {
    let rp = await this.getProvider(spec.uuid);
    if (!rp) {
      try { rp = await this.createProvider(spec); } catch (err) {
        if (!(err instanceof Conflict)) throw err;
        rp = await this.getProvider(spec.uuid); // created concurrently by someone else
        if (!rp) throw err;
      }
    }
    if (spec.inventories) {
      const current = await this.getInventories(spec.uuid);
      if (!sameInventories(current.inventories, spec.inventories)) await this.setInventories(spec.uuid, spec.inventories);
    }
    if (spec.traits) {
      const current = await this.getTraits(spec.uuid);
      if (!sameSet(current.traits, spec.traits)) await this.setTraits(spec.uuid, spec.traits);
    }
    if (spec.aggregates) {
      const current = await this.getAggregates(spec.uuid);
      if (!sameSet(current.aggregates, spec.aggregates)) await this.setAggregates(spec.uuid, spec.aggregates);
    }
    return (await this.getProvider(spec.uuid))!;
  }

  allocationCandidates(query: CandidateQuery): Promise<AllocationCandidates> {
    const q = new URLSearchParams();
    addGroup(q, '', query);
    for (const [suffix, g] of Object.entries(query.groups ?? {})) addGroup(q, suffix, g);
    if (query.groupPolicy) q.set('group_policy', query.groupPolicy);
    if (query.limit) q.set('limit', String(query.limit));
    if (query.rootRequired?.length) q.set('root_required', query.rootRequired.join(','));
    return this.request('GET', '/allocation_candidates', undefined, q);
  }

  getAllocations(consumer: string): Promise<ConsumerAllocations> { return this.request('GET', `/allocations/${consumer}`); }

  /**
   * Writes a consumer's allocations (replacing any it had). A capacity conflict is thrown at once
   * (pick another candidate); a generation race is retried when the caller did not pin one.
   */
  async claim(c: Claim): Promise<void> {
    const put = (gen: number | null) => this.request('PUT', `/allocations/${c.consumer}`, {
      allocations: Object.fromEntries(Object.entries(c.allocations).map(([rp, resources]) => [rp, { resources }])),
      project_id: c.projectId, user_id: c.userId, consumer_generation: gen, consumer_type: c.consumerType ?? 'INSTANCE',
    });
    if (c.consumerGeneration !== undefined) return put(c.consumerGeneration);
    await this.#retrying(async () => put((await this.getAllocations(c.consumer)).consumer_generation ?? null));
  }

  /** POST /allocations: several consumers' allocations at once, all or nothing (e.g. a move). */
  async setAllocations(consumers: Record<string, ConsumerWrite>): Promise<void> {
    const body = Object.fromEntries(Object.entries(consumers).map(([uuid, w]) => [uuid, {
      allocations: Object.fromEntries(Object.entries(w.allocations).map(([rp, resources]) => [rp, { resources }])),
      project_id: w.project_id, user_id: w.user_id, consumer_generation: w.consumer_generation, consumer_type: w.consumer_type ?? 'INSTANCE',
    }]));
    await this.request('POST', '/allocations', body);
  }

  /** Removes all of a consumer's allocations; false when it had none. */
  async deleteAllocations(consumer: string): Promise<boolean> {
    return (await this.#optional(this.request('DELETE', `/allocations/${consumer}`).then(() => true))) ?? false;
  }

  providerAllocations(uuid: string): Promise<{ allocations: Record<string, { resources: Resources; consumer_generation?: number }>; resource_provider_generation: number }> {
    return this.request('GET', `/resource_providers/${uuid}/allocations`);
  }
  providerUsages(uuid: string): Promise<{ usages: Resources; resource_provider_generation: number }> { return this.request('GET', `/resource_providers/${uuid}/usages`); }
  /** GET /usages: at 1.38 grouped by consumer type ({INSTANCE: {VCPU: 2, consumer_count: 1}}). */
  usages(projectId: string, userId?: string, consumerType?: string): Promise<{ usages: Record<string, any> }> {
    const q = new URLSearchParams({ project_id: projectId });
    if (userId) q.set('user_id', userId);
    if (consumerType) q.set('consumer_type', consumerType);
    return this.request('GET', '/usages', undefined, q);
  }
}

export const createPlacementClient = (opts: PlacementClientOptions): PlacementClient => new PlacementClient(opts);

const resourcesParam = (r: Resources) => Object.entries(r).map(([rc, n]) => `${rc}:${n}`).join(',');

function addGroup(q: URLSearchParams, suffix: string, g: CandidateGroup): void {
  if (g.resources && Object.keys(g.resources).length) q.set(`resources${suffix}`, resourcesParam(g.resources));
  const traits = [...g.required ?? [], ...(g.forbidden ?? []).map((t) => `!${t}`)];
  if (traits.length) q.append(`required${suffix}`, traits.join(','));
  for (const anyOf of g.anyOf ?? []) q.append(`required${suffix}`, `in:${anyOf.join(',')}`);
  for (const aggs of g.memberOf ?? []) q.append(`member_of${suffix}`, aggs.length > 1 ? `in:${aggs.join(',')}` : aggs[0]!);
  if (g.forbiddenAggregates?.length) q.append(`member_of${suffix}`, `!in:${g.forbiddenAggregates.join(',')}`);
  if (g.inTree) q.set(`in_tree${suffix}`, g.inTree);
}

const sameSet = (a: string[], b: string[]) => a.length === new Set(b).size && b.every((x) => a.includes(x));

function sameInventories(current: Record<string, Inventory>, wanted: Record<string, InventoryInput>): boolean {
  const defaults = { reserved: 0, min_unit: 1, max_unit: 2147483647, step_size: 1, allocation_ratio: 1 };
  if (!sameSet(Object.keys(current), Object.keys(wanted))) return false;
  return Object.entries(wanted).every(([rc, w]) => {
    const full = { ...defaults, ...w } as Inventory;
    const c = current[rc]!;
    return (Object.keys(full) as Array<keyof Inventory>).every((k) => c[k] === full[k]);
  });
}
