// An in-memory snapshot of the catalog tables, because the catalog goes into every token:
// services, endpoints, endpoint groups and project associations are few rows that change
// rarely. Every catalog write in this process calls invalidateCatalog(db); a short time-to-live
// bounds how long a write made by another process (a distributed deployment sharing PostgreSQL)
// can go unseen.
//
// The snapshot is attached to the database handle through a WeakMap rather than passed in as
// a dependency: buildCatalog(db, …) is called from the token code with nothing but the
// database, and keying by the handle keeps two clouds (or two tests) in one process apart.
import type { Kysely } from 'kysely';
import { fromDbBool, fromDbJson } from '../../../lib/db/index.ts';

export interface ServiceRow {
  id: string; type: string; enabled: boolean; extra: Record<string, unknown>;
}
export interface EndpointRow {
  id: string; serviceId: string; interface: string; url: string; regionId: string | null; enabled: boolean;
  extra: Record<string, unknown>;
}
export interface EndpointGroupRow {
  id: string; name: string; description: string | null; filters: Record<string, unknown>;
}

export interface CatalogSnapshot {
  services: ServiceRow[];
  endpoints: EndpointRow[];
  /** service id → its endpoints, in table order. */
  byService: Map<string, EndpointRow[]>;
  groups: Map<string, EndpointGroupRow>;
  /** project id → endpoint ids associated directly (OS-EP-FILTER). */
  projectEndpoints: Map<string, string[]>;
  /** project id → endpoint group ids associated. */
  projectGroups: Map<string, string[]>;
}

export const CATALOG_TTL_MS = 10_000;

interface Entry { loadedAt: number; snapshot: Promise<CatalogSnapshot> }
const snapshots = new WeakMap<Kysely<any>, Entry>();

export const rowToService = (r: any): ServiceRow => ({
  id: r.id, type: r.type, enabled: fromDbBool(r.enabled), extra: fromDbJson<Record<string, unknown>>(r.extra) ?? {},
});
export const rowToEndpoint = (r: any): EndpointRow => ({
  id: r.id, serviceId: r.service_id, interface: r.interface, url: r.url, regionId: r.region_id ?? null,
  enabled: fromDbBool(r.enabled), extra: fromDbJson<Record<string, unknown>>(r.extra) ?? {},
});
export const rowToEndpointGroup = (r: any): EndpointGroupRow => ({
  id: r.id, name: r.name, description: r.description ?? null, filters: fromDbJson<Record<string, unknown>>(r.filters) ?? {},
});

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value); else map.set(key, [value]);
}

/** Reads the catalog tables now, bypassing the cache (API reads that must see every write). */
export async function loadCatalogSnapshot(db: Kysely<any>): Promise<CatalogSnapshot> {
  const [services, endpoints, groups, pe, pg] = await Promise.all([
    db.selectFrom('service').selectAll().execute(),
    db.selectFrom('endpoint').selectAll().execute(),
    db.selectFrom('endpoint_group').selectAll().execute(),
    db.selectFrom('project_endpoint').selectAll().execute(),
    db.selectFrom('project_endpoint_group').selectAll().execute(),
  ]);
  const projectEndpoints = new Map<string, string[]>();
  for (const r of pe) push(projectEndpoints, r.project_id, r.endpoint_id);
  const projectGroups = new Map<string, string[]>();
  for (const r of pg) push(projectGroups, r.project_id, r.endpoint_group_id);
  const eps = endpoints.map(rowToEndpoint);
  const byService = new Map<string, EndpointRow[]>();
  for (const e of eps) byService.set(e.serviceId, [...(byService.get(e.serviceId) ?? []), e]);
  return {
    services: services.map(rowToService),
    endpoints: eps, byService,
    groups: new Map(groups.map((r) => [r.id as string, rowToEndpointGroup(r)])),
    projectEndpoints, projectGroups,
  };
}

/** The current snapshot, loading it when missing or older than the TTL. */
export function catalogSnapshot(db: Kysely<any>, now = Date.now()): Promise<CatalogSnapshot> {
  const entry = snapshots.get(db);
  if (entry && now - entry.loadedAt < CATALOG_TTL_MS) return entry.snapshot;
  const snapshot = loadCatalogSnapshot(db);
  const fresh = { loadedAt: now, snapshot };
  snapshots.set(db, fresh);
  // A failed load must not stick: the next caller tries again.
  snapshot.catch(() => { if (snapshots.get(db) === fresh) snapshots.delete(db); });
  return snapshot;
}

/** Call after any write to service, endpoint, region, endpoint_group or the associations. */
export function invalidateCatalog(db: Kysely<any>): void {
  snapshots.delete(db);
}
