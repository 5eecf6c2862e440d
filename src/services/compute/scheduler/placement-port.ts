// What compute needs of placement (the scheduler's candidates and claims, the agents' inventory
// reports), as one narrow interface: the report client of Nova (nova/scheduler/client/report.py)
// reduced to the calls Stratus makes. placement-http.ts implements it over placement's REST API.

export interface Inventory {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

/** Resources per resource provider, as in an allocation request or a PUT /allocations body. */
export type Allocations = Record<string, { resources: Record<string, number> }>;

export interface Candidates {
  allocation_requests: Array<{ allocations: Allocations }>;
  provider_summaries: Record<string, { resources: Record<string, { capacity: number; used: number }>; traits?: string[] }>;
}

export interface CandidateQuery {
  resources: Record<string, number>;
  /** Traits every candidate must have; '!TRAIT' forbids one. */
  required?: string[];
  /** Each entry is an OR-list of aggregate uuids; every entry must match (member_of=in:a,b repeated). */
  memberOf?: string[][];
  limit?: number;
}

export interface ConsumerAllocations {
  allocations: Allocations;
  consumer_generation: number | null;
  project_id?: string;
  user_id?: string;
}

export interface PlacementPort {
  /** Creates the provider if it does not exist (same uuid and name). */
  ensureProvider(uuid: string, name: string): Promise<void>;
  deleteProvider(uuid: string): Promise<void>;
  setInventory(uuid: string, inventories: Record<string, Inventory>): Promise<void>;
  setTraits(uuid: string, traits: string[]): Promise<void>;
  setAggregates(uuid: string, aggregates: string[]): Promise<void>;
  candidates(q: CandidateQuery): Promise<Candidates>;
  /**
   * Writes a consumer's allocations if its generation still matches; false when placement says
   * 409 (a concurrent claim took the capacity, or the consumer changed) so the caller retries.
   */
  claim(consumer: string, allocations: Allocations, owner: { projectId: string; userId: string }, consumerGeneration: number | null): Promise<boolean>;
  allocations(consumer: string): Promise<ConsumerAllocations>;
  /** Removes every allocation of a consumer; no error when it has none. */
  deleteAllocations(consumer: string): Promise<void>;
  /** Moves a consumer's allocations to another consumer atomically (POST /allocations). */
  moveAllocations(from: string, to: string, owner: { projectId: string; userId: string }, toType?: 'INSTANCE' | 'MIGRATION'): Promise<boolean>;
  /** Consumers holding allocations against a provider. */
  providerAllocations(uuid: string): Promise<Allocations>;
}
