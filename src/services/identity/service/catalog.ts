// Services and endpoints, and the catalog built from them for tokens and GET /v3/auth/catalog
// (keystone/catalog/core.py, backends/sql.py: get_v3_catalog).
import type { Kysely } from 'kysely';
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import { toDbJson } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';
import type { Logger } from '../../../lib/log.ts';
import { catalogSnapshot, invalidateCatalog, rowToEndpoint, rowToService, type EndpointRow, type ServiceRow } from './catalog-cache.ts';
import { formatEndpointUrl } from './endpoint-url.ts';
import { endpointsForProject } from './endpoint-groups.ts';
import { createRegion, findRegion } from './regions.ts';

export type Service = ServiceRow;
export type Endpoint = EndpointRow;
export type Interface = 'public' | 'internal' | 'admin';
export const INTERFACES: readonly Interface[] = ['public', 'internal', 'admin'];

export { invalidateCatalog } from './catalog-cache.ts';

// --- services ----------------------------------------------------------------------------

export async function getService(db: Kysely<any>, id: string): Promise<Service> {
  const row = await db.selectFrom('service').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound(`Could not find service: ${id}.`, { type: 'service' });
  return rowToService(row);
}

export async function listServices(db: Kysely<any>, f: { type?: string; name?: string } = {}): Promise<Service[]> {
  let q = db.selectFrom('service').selectAll();
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  const services = (await q.execute()).map(rowToService);
  // name lives in `extra`, as in Keystone, so it is filtered here.
  return f.name === undefined ? services : services.filter((s) => s.extra.name === f.name);
}

/** `extra` holds name, description and any other property the caller sent. */
export async function createService(db: Kysely<any>, input: { id?: string; type: string; enabled?: boolean; extra?: Record<string, unknown> }): Promise<Service> {
  const id = input.id ?? hexId();
  await db.insertInto('service').values({ id, type: input.type, enabled: input.enabled ?? true, extra: toDbJson({ name: '', ...input.extra }) }).execute();
  invalidateCatalog(db);
  return getService(db, id);
}

export async function updateService(db: Kysely<any>, id: string, patch: { type?: string; enabled?: boolean; extra?: Record<string, unknown> }): Promise<Service> {
  const before = await getService(db, id);
  const values: Record<string, unknown> = {};
  if (patch.type !== undefined) values.type = patch.type;
  if (patch.enabled !== undefined) values.enabled = patch.enabled;
  if (patch.extra && Object.keys(patch.extra).length) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  if (Object.keys(values).length) await db.updateTable('service').set(values).where('id', '=', id).execute();
  invalidateCatalog(db);
  return getService(db, id);
}

/** Deletes a service and its endpoints (and their project associations). */
export async function deleteService(db: Kysely<any>, id: string): Promise<void> {
  await getService(db, id);
  await db.transaction().execute(async (tx) => {
    const endpointIds = (await tx.selectFrom('endpoint').select('id').where('service_id', '=', id).execute()).map((r) => r.id);
    if (endpointIds.length) {
      await tx.deleteFrom('project_endpoint').where('endpoint_id', 'in', endpointIds).execute();
      await tx.deleteFrom('endpoint').where('service_id', '=', id).execute();
    }
    await tx.deleteFrom('service').where('id', '=', id).execute();
  });
  invalidateCatalog(db);
}

// --- endpoints ---------------------------------------------------------------------------

export async function getEndpoint(db: Kysely<any>, id: string): Promise<Endpoint> {
  const row = await db.selectFrom('endpoint').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound(`Could not find endpoint: ${id}.`, { type: 'endpoint' });
  return rowToEndpoint(row);
}

export async function listEndpoints(db: Kysely<any>, f: { serviceId?: string; interface?: string; regionId?: string } = {}): Promise<Endpoint[]> {
  let q = db.selectFrom('endpoint').selectAll();
  if (f.serviceId !== undefined) q = q.where('service_id', '=', f.serviceId);
  if (f.interface !== undefined) q = q.where('interface', '=', f.interface);
  if (f.regionId !== undefined) q = q.where('region_id', '=', f.regionId);
  return (await q.execute()).map(rowToEndpoint);
}

export interface EndpointInput {
  serviceId: string; interface: string; url: string; regionId?: string; enabled?: boolean | null; extra?: Record<string, unknown>;
}

const invalid = (attribute: string, target: string) => new BadRequest(`Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);

async function assertRefs(db: Kysely<any>, regionId: string | undefined, serviceId: string | undefined): Promise<void> {
  if (regionId !== undefined && !(await findRegion(db, regionId))) throw invalid('endpoint region_id', 'region table');
  if (serviceId !== undefined && !(await db.selectFrom('service').select('id').where('id', '=', serviceId).executeTakeFirst())) {
    throw invalid('endpoint service_id', 'service table');
  }
}

/**
 * The legacy `region` property (v2 style) names a region that is created when missing;
 * `region_id` must name an existing one. Returns the region id to store.
 */
export async function resolveEndpointRegion(db: Kysely<any>, body: { region_id?: string; region?: string }): Promise<string | undefined> {
  if (body.region_id == null && body.region != null) {
    if (!(await findRegion(db, body.region))) await createRegion(db, { id: body.region });
    return body.region;
  }
  return body.region_id ?? undefined;
}

export async function createEndpoint(db: Kysely<any>, input: EndpointInput & { id?: string }): Promise<Endpoint> {
  await assertRefs(db, input.regionId, input.serviceId);
  const id = input.id ?? hexId();
  await db.insertInto('endpoint').values({
    id, service_id: input.serviceId, interface: input.interface, url: input.url, region_id: input.regionId ?? null,
    enabled: input.enabled ?? true, extra: toDbJson(input.extra ?? {}),
  }).execute();
  invalidateCatalog(db);
  return getEndpoint(db, id);
}

export async function updateEndpoint(db: Kysely<any>, id: string, patch: Partial<EndpointInput>): Promise<Endpoint> {
  await assertRefs(db, patch.regionId, patch.serviceId);
  const before = await getEndpoint(db, id);
  const values: Record<string, unknown> = {};
  if (patch.serviceId !== undefined) values.service_id = patch.serviceId;
  if (patch.interface !== undefined) values.interface = patch.interface;
  if (patch.url !== undefined) values.url = patch.url;
  if (patch.regionId !== undefined) values.region_id = patch.regionId;
  if (patch.enabled !== undefined) values.enabled = patch.enabled ?? true;
  if (patch.extra && Object.keys(patch.extra).length) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  if (Object.keys(values).length) await db.updateTable('endpoint').set(values).where('id', '=', id).execute();
  invalidateCatalog(db);
  return getEndpoint(db, id);
}

export async function deleteEndpoint(db: Kysely<any>, id: string): Promise<void> {
  await getEndpoint(db, id);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('project_endpoint').where('endpoint_id', '=', id).execute();
    await tx.deleteFrom('endpoint').where('id', '=', id).execute();
  });
  invalidateCatalog(db);
}

// --- the catalog -------------------------------------------------------------------------

export interface CatalogEndpoint { id: string; interface: string; region_id: string | null; region: string | null; url: string; [k: string]: unknown }
export interface CatalogService { id: string; type: string; name: string; endpoints: CatalogEndpoint[] }

export interface CatalogScope {
  /** The token's project; without it, endpoints whose URL needs a project are left out. */
  projectId?: string;
  /** Substituted for `$(user_id)s`. */
  userId?: string;
  /** Told about endpoints left out because their URL template is malformed. */
  log?: Logger;
}

/**
 * The catalog as Keystone puts it in a token: enabled services with their enabled endpoints,
 * URLs substituted; restricted to the project's OS-EP-FILTER associations when it has any
 * (then services left with no endpoint are dropped, as Keystone does).
 */
export async function buildCatalog(db: Kysely<any>, scope: CatalogScope = {}): Promise<CatalogService[]> {
  const snap = await catalogSnapshot(db);
  const { projectId, userId } = scope;
  const values = { project_id: projectId, tenant_id: projectId, user_id: userId };
  const silent = [...(projectId ? [] : ['tenant_id', 'project_id']), ...(userId ? [] : ['user_id'])];
  const onMalformed = (url: string, why: string) => scope.log?.error({ url, why }, 'Malformed endpoint URL, left out of the catalog');
  const filtered = projectId ? endpointsForProject(snap, projectId) : new Map<string, EndpointRow>();

  const catalog: CatalogService[] = [];
  for (const svc of snap.services) {
    if (!svc.enabled) continue;
    const endpoints: CatalogEndpoint[] = [];
    for (const e of snap.byService.get(svc.id) ?? []) {
      if (!e.enabled) continue;
      if (filtered.size && !filtered.has(e.id)) continue;
      const url = formatEndpointUrl(e.url, values, silent, onMalformed);
      if (!url) continue;
      endpoints.push({ ...e.extra, id: e.id, interface: e.interface, region_id: e.regionId, url, region: e.regionId });
    }
    if (filtered.size && !endpoints.length) continue;
    catalog.push({ endpoints, id: svc.id, type: svc.type, name: typeof svc.extra.name === 'string' ? svc.extra.name : '' });
  }
  return catalog;
}

export interface CatalogEntry {
  type: string;
  name: string;
  region: string;
  /** One URL for every interface, or one per interface. */
  url: string | Partial<Record<Interface, string>>;
  /** Default: public, internal and admin. */
  interfaces?: readonly Interface[];
  description?: string;
}

/**
 * Registers a service and its endpoints, idempotently (bootstrap runs at every start): the
 * service is found by type, the region made when missing, an endpoint per interface created
 * or its URL updated when it changed.
 */
export async function ensureCatalogEntry(db: Kysely<any>, entry: CatalogEntry): Promise<{ serviceId: string; endpointIds: Record<string, string> }> {
  const sameType = await listServices(db, { type: entry.type });
  const service = sameType.find((s) => s.extra.name === entry.name) ?? sameType[0]
    ?? await createService(db, { type: entry.type, extra: { name: entry.name, ...(entry.description ? { description: entry.description } : {}) } });
  if (!(await findRegion(db, entry.region))) await createRegion(db, { id: entry.region });
  const existing = await listEndpoints(db, { serviceId: service.id, regionId: entry.region });
  const endpointIds: Record<string, string> = {};
  for (const iface of entry.interfaces ?? INTERFACES) {
    const url = typeof entry.url === 'string' ? entry.url : entry.url[iface];
    if (!url) continue;
    const found = existing.find((e) => e.interface === iface);
    if (!found) endpointIds[iface] = (await createEndpoint(db, { serviceId: service.id, interface: iface, url, regionId: entry.region })).id;
    else {
      if (found.url !== url) await updateEndpoint(db, found.id, { url });
      endpointIds[iface] = found.id;
    }
  }
  return { serviceId: service.id, endpointIds };
}
