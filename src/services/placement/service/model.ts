// The in-memory provider model each API process keeps for the searches that touch every
// provider (GET /allocation_candidates, filtered GET /resource_providers): providers with their
// tree, inventories (with usage), traits and aggregates.
//
// It is a cache of the database, never the authority: every write goes to the database with its
// own checks (db/changes.ts, service/allocations.ts). Before a search the model asks the database
// which providers changed since the last change number it saw and reloads just those, so a search
// sees every write committed before it started — by this process or by any other process sharing
// the database — at the cost of one indexed query when nothing changed.
import type { Kysely } from 'kysely';
import { changesSince, currentSeq } from '../db/changes.ts';

export const SHARING_TRAIT = 'MISC_SHARES_VIA_AGGREGATE';

export interface InventoryState {
  total: number;
  reserved: number;
  minUnit: number;
  maxUnit: number;
  stepSize: number;
  allocationRatio: number;
  used: number;
  /** (total - reserved) * allocation_ratio, unrounded: what capacity checks compare against. */
  capacity: number;
}

export interface ProviderState {
  uuid: string;
  name: string;
  generation: number;
  parentUuid: string | null;
  rootUuid: string;
  inventories: Map<string, InventoryState>;
  traits: Set<string>;
  aggregates: Set<string>;
  createdAt: string;
  updatedAt: string;
  /** Memo for renderers (e.g. a provider summary's JSON per microversion); a reload starts it empty. */
  rendered: Map<string, string>;
}

/** Derived lookups, rebuilt only when the shape (tree, aggregates, sharing, inventory classes) changes. */
interface Indexes {
  byRoot: Map<string, ProviderState[]>;
  byAggregate: Map<string, Set<string>>;
  byClass: Map<string, ProviderState[]>;
  sharing: ProviderState[];
  hasTrees: boolean;
}

const FULL_RELOAD_THRESHOLD = 500;

export class ProviderModel {
  readonly providers = new Map<string, ProviderState>();
  readonly #db: Kysely<any>;
  #seq = -1;
  #indexes: Indexes | undefined;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(db: Kysely<any>) { this.#db = db; }

  /**
   * Brings the model up to date with the database. Concurrent callers share one refresh; a caller
   * arriving while a refresh runs waits for the following one, which starts after it arrived.
   */
  refresh(): Promise<void> {
    if (!this.#running) return this.#start();
    const again = () => { this.#next = undefined; return this.#start(); };
    return (this.#next ??= this.#running.then(again, again));
  }

  #start(): Promise<void> {
    const run: Promise<void> = this.#load().finally(() => { if (this.#running === run) this.#running = undefined; });
    this.#running = run;
    return run;
  }

  async #load(): Promise<void> {
    if (this.#seq < 0) {
      const seq = await currentSeq(this.#db); // read first: the load below is at least this recent
      await this.#reload(undefined);
      this.#seq = seq;
      return;
    }
    const { changed, deleted, seq } = await changesSince(this.#db, this.#seq);
    if (seq === this.#seq) return;
    const uuids = [...new Set([...changed, ...deleted])];
    await this.#reload(uuids.length > FULL_RELOAD_THRESHOLD ? undefined : uuids);
    this.#seq = seq;
  }

  /** Loads the given providers (all when undefined) from the database; missing ones are dropped. */
  async #reload(uuids: string[] | undefined): Promise<void> {
    const only = <T extends { where: (...a: any[]) => T }>(q: T, col: string): T => (uuids ? q.where(col, 'in', uuids) : q);
    if (uuids && uuids.length === 0) return;
    const [rows, invs, traits, aggs] = await Promise.all([
      only(this.#db.selectFrom('resource_providers').selectAll(), 'uuid').orderBy('created_at').orderBy('uuid').execute(),
      only(this.#db.selectFrom('inventories').selectAll(), 'provider_uuid').execute(),
      only(this.#db.selectFrom('provider_traits').selectAll(), 'provider_uuid').execute(),
      only(this.#db.selectFrom('provider_aggregates').selectAll(), 'provider_uuid').execute(),
    ]);
    const fresh = new Map<string, ProviderState>();
    for (const r of rows) {
      fresh.set(r.uuid, {
        uuid: r.uuid, name: r.name, generation: Number(r.generation), parentUuid: r.parent_uuid ?? null, rootUuid: r.root_uuid,
        inventories: new Map(), traits: new Set(), aggregates: new Set(), createdAt: r.created_at, updatedAt: r.updated_at, rendered: new Map(),
      });
    }
    for (const i of invs) fresh.get(i.provider_uuid)?.inventories.set(i.resource_class, inventoryFromRow(i));
    for (const t of traits) fresh.get(t.provider_uuid)?.traits.add(t.trait);
    for (const a of aggs) fresh.get(a.provider_uuid)?.aggregates.add(a.aggregate_uuid);

    if (!uuids) {
      this.providers.clear();
      for (const [k, v] of fresh) this.providers.set(k, v);
      this.#indexes = undefined;
      return;
    }
    for (const uuid of uuids) {
      const before = this.providers.get(uuid);
      const after = fresh.get(uuid);
      if (!before || !after || shapeChanged(before, after)) this.#indexes = undefined;
      if (!after) this.providers.delete(uuid);
      else if (before) Object.assign(before, after); // keep the Map position: stable candidate order
      else this.providers.set(uuid, after);
    }
  }

  get indexes(): Indexes {
    return (this.#indexes ??= buildIndexes(this.providers));
  }

  /** Providers that are members of every listed aggregate group (each group: any of its aggregates). */
  membersOfAll(memberOf: string[][]): Set<string> {
    let result: Set<string> | undefined;
    for (const anyOf of memberOf) {
      const members = new Set<string>();
      for (const agg of anyOf) for (const uuid of this.indexes.byAggregate.get(agg) ?? []) members.add(uuid);
      result = result ? new Set([...result].filter((u) => members.has(u))) : members;
      if (!result.size) break;
    }
    return result ?? new Set();
  }

  /** Roots of every tree holding a provider that shares an aggregate with `sharing` (its own root included). */
  anchorsOf(sharing: ProviderState): Set<string> {
    const anchors = new Set<string>();
    for (const agg of sharing.aggregates) {
      for (const uuid of this.indexes.byAggregate.get(agg) ?? []) {
        const p = this.providers.get(uuid);
        if (p) anchors.add(p.rootUuid);
      }
    }
    return anchors;
  }
}

export function inventoryFromRow(i: any): InventoryState {
  const total = Number(i.total), reserved = Number(i.reserved), allocationRatio = Number(i.allocation_ratio);
  return {
    total, reserved, minUnit: Number(i.min_unit), maxUnit: Number(i.max_unit), stepSize: Number(i.step_size),
    allocationRatio, used: Number(i.used), capacity: (total - reserved) * allocationRatio,
  };
}

/** Whether `amount` more of this inventory can be allocated in one allocation (placement's _capacity_check_clause). */
export function fits(inv: InventoryState | undefined, amount: number): boolean {
  return !!inv && inv.used + amount <= inv.capacity && inv.minUnit <= amount && amount <= inv.maxUnit && amount % inv.stepSize === 0;
}

function shapeChanged(a: ProviderState, b: ProviderState): boolean {
  if (a.parentUuid !== b.parentUuid || a.rootUuid !== b.rootUuid) return true;
  if (a.traits.has(SHARING_TRAIT) !== b.traits.has(SHARING_TRAIT)) return true;
  if (!sameKeys(a.aggregates, b.aggregates) || a.inventories.size !== b.inventories.size) return true;
  for (const rc of a.inventories.keys()) if (!b.inventories.has(rc)) return true;
  return false;
}

const sameKeys = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));

function buildIndexes(providers: Map<string, ProviderState>): Indexes {
  const idx: Indexes = { byRoot: new Map(), byAggregate: new Map(), byClass: new Map(), sharing: [], hasTrees: false };
  for (const p of providers.values()) {
    let tree = idx.byRoot.get(p.rootUuid);
    if (!tree) idx.byRoot.set(p.rootUuid, (tree = []));
    tree.push(p);
    if (p.parentUuid) idx.hasTrees = true;
    for (const agg of p.aggregates) {
      let m = idx.byAggregate.get(agg);
      if (!m) idx.byAggregate.set(agg, (m = new Set()));
      m.add(p.uuid);
    }
    for (const rc of p.inventories.keys()) {
      let list = idx.byClass.get(rc);
      if (!list) idx.byClass.set(rc, (list = []));
      list.push(p);
    }
    if (p.traits.has(SHARING_TRAIT)) idx.sharing.push(p);
  }
  return idx;
}
