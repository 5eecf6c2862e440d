// OS-EP-FILTER: endpoint groups (an endpoint filter by service_id / region_id / interface) and
// the project ↔ endpoint and project ↔ endpoint group associations that restrict a project's
// catalog (keystone/catalog/core.py and backends/sql.py).
import type { Kysely } from 'kysely';
import { BadRequest, Conflict, NotFound } from '../../../lib/errors.ts';
import { isUniqueViolation, toDbJson } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';
import { getProject } from './projects.ts';
import {
  invalidateCatalog, loadCatalogSnapshot, rowToEndpointGroup,
  type CatalogSnapshot, type EndpointGroupRow, type EndpointRow,
} from './catalog-cache.ts';

export type EndpointGroup = EndpointGroupRow;
export const FILTER_KEYS = ['service_id', 'region_id', 'interface'] as const;

/** The attributes a group filter is compared with, as Keystone's endpoint dict names them. */
function endpointAttr(e: EndpointRow, key: string): unknown {
  switch (key) {
    case 'id': return e.id;
    case 'service_id': return e.serviceId;
    case 'region_id': return e.regionId;
    case 'interface': return e.interface;
    case 'url': return e.url;
    case 'enabled': return e.enabled;
    default: return e.extra[key];
  }
}

export function matchesFilters(e: EndpointRow, filters: Record<string, unknown>): boolean {
  return Object.entries(filters).every(([k, v]) => endpointAttr(e, k) === v);
}

/**
 * The endpoints a project is restricted to (direct associations plus its endpoint groups'
 * matches), keyed by id; empty when the project has no association, i.e. no restriction.
 */
export function endpointsForProject(snap: CatalogSnapshot, projectId: string): Map<string, EndpointRow> {
  const out = new Map<string, EndpointRow>();
  const direct = snap.projectEndpoints.get(projectId);
  const groups = snap.projectGroups.get(projectId);
  if (!direct && !groups) return out;
  const byId = new Map(snap.endpoints.map((e) => [e.id, e]));
  for (const id of direct ?? []) { const e = byId.get(id); if (e) out.set(id, e); }
  for (const gid of groups ?? []) {
    const group = snap.groups.get(gid);
    if (!group) continue;
    for (const e of snap.endpoints) if (!out.has(e.id) && matchesFilters(e, group.filters)) out.set(e.id, e);
  }
  return out;
}

export function validateFilters(filters: unknown, required: boolean): void {
  if (required && (!filters || typeof filters !== 'object' || !Object.keys(filters).length)) throw new BadRequest('filters field is required and cannot be empty');
  for (const key of Object.keys(filters as object)) {
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw new BadRequest(`Expecting to find ${FILTER_KEYS.join(' or ')} in endpoint_group. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`);
    }
  }
}

export async function getEndpointGroup(db: Kysely<any>, id: string): Promise<EndpointGroup> {
  const row = await db.selectFrom('endpoint_group').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound(`Could not find Endpoint Group: ${id}.`, { type: 'endpoint_group' });
  return rowToEndpointGroup(row);
}

export async function listEndpointGroups(db: Kysely<any>, f: { name?: string } = {}): Promise<EndpointGroup[]> {
  let q = db.selectFrom('endpoint_group').selectAll();
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  return (await q.orderBy('name').execute()).map(rowToEndpointGroup);
}

export interface EndpointGroupInput { name: string; description?: string | null; filters: Record<string, unknown> }

export async function createEndpointGroup(db: Kysely<any>, input: EndpointGroupInput): Promise<EndpointGroup> {
  validateFilters(input.filters, true);
  const id = hexId();
  await db.insertInto('endpoint_group').values({ id, name: input.name, description: input.description ?? null, filters: toDbJson(input.filters) }).execute();
  return getEndpointGroup(db, id);
}

export async function updateEndpointGroup(db: Kysely<any>, id: string, patch: Partial<EndpointGroupInput>): Promise<EndpointGroup> {
  if (patch.filters !== undefined) validateFilters(patch.filters, false);
  await getEndpointGroup(db, id);
  const values: Record<string, unknown> = {};
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.description !== undefined) values.description = patch.description;
  if (patch.filters !== undefined) values.filters = toDbJson(patch.filters);
  if (Object.keys(values).length) await db.updateTable('endpoint_group').set(values).where('id', '=', id).execute();
  invalidateCatalog(db);
  return getEndpointGroup(db, id);
}

export async function deleteEndpointGroup(db: Kysely<any>, id: string): Promise<void> {
  await getEndpointGroup(db, id);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('project_endpoint_group').where('endpoint_group_id', '=', id).execute();
    await tx.deleteFrom('endpoint_group').where('id', '=', id).execute();
  });
  invalidateCatalog(db);
}

/** Endpoints an endpoint group's filters select (404 for an unknown group). */
export async function endpointsInGroup(db: Kysely<any>, id: string): Promise<EndpointRow[]> {
  const group = await getEndpointGroup(db, id);
  const snap = await loadCatalogSnapshot(db);
  return snap.endpoints.filter((e) => matchesFilters(e, group.filters));
}

// --- project ↔ endpoint group ------------------------------------------------------------

export async function addGroupToProject(db: Kysely<any>, groupId: string, projectId: string): Promise<void> {
  await getProject(db, projectId);
  await getEndpointGroup(db, groupId);
  try {
    await db.insertInto('project_endpoint_group').values({ endpoint_group_id: groupId, project_id: projectId }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('Conflict occurred attempting to store project_endpoint_group - Duplicate entry.');
    throw err;
  }
  invalidateCatalog(db);
}

export async function getGroupInProject(db: Kysely<any>, groupId: string, projectId: string): Promise<{ endpoint_group_id: string; project_id: string }> {
  await getProject(db, projectId);
  await getEndpointGroup(db, groupId);
  const row = await db.selectFrom('project_endpoint_group').selectAll().where('endpoint_group_id', '=', groupId).where('project_id', '=', projectId).executeTakeFirst();
  if (!row) throw new NotFound('Endpoint Group Project Association not found');
  return { endpoint_group_id: row.endpoint_group_id, project_id: row.project_id };
}

export async function removeGroupFromProject(db: Kysely<any>, groupId: string, projectId: string): Promise<void> {
  await getGroupInProject(db, groupId, projectId);
  await db.deleteFrom('project_endpoint_group').where('endpoint_group_id', '=', groupId).where('project_id', '=', projectId).execute();
  invalidateCatalog(db);
}

export async function projectIdsForGroup(db: Kysely<any>, groupId: string): Promise<string[]> {
  const rows = await db.selectFrom('project_endpoint_group').select('project_id').where('endpoint_group_id', '=', groupId).execute();
  return rows.map((r) => r.project_id);
}

export async function groupsForProject(db: Kysely<any>, projectId: string): Promise<EndpointGroup[]> {
  await getProject(db, projectId);
  const rows = await db.selectFrom('endpoint_group').innerJoin('project_endpoint_group', 'project_endpoint_group.endpoint_group_id', 'endpoint_group.id')
    .selectAll('endpoint_group').where('project_endpoint_group.project_id', '=', projectId).execute();
  return rows.map(rowToEndpointGroup);
}

// --- project ↔ endpoint ------------------------------------------------------------------

const notInProject = (endpointId: string, projectId: string) => new NotFound(`Endpoint ${endpointId} not found in project ${projectId}`);

export async function addEndpointToProject(db: Kysely<any>, endpointId: string, projectId: string): Promise<void> {
  try {
    await db.insertInto('project_endpoint').values({ endpoint_id: endpointId, project_id: projectId }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('Conflict occurred attempting to store project_endpoint - Duplicate entry.');
    throw err;
  }
  invalidateCatalog(db);
}

export async function checkEndpointInProject(db: Kysely<any>, endpointId: string, projectId: string): Promise<void> {
  const row = await db.selectFrom('project_endpoint').select('endpoint_id').where('endpoint_id', '=', endpointId).where('project_id', '=', projectId).executeTakeFirst();
  if (!row) throw notInProject(endpointId, projectId);
}

export async function removeEndpointFromProject(db: Kysely<any>, endpointId: string, projectId: string): Promise<void> {
  await checkEndpointInProject(db, endpointId, projectId);
  await db.deleteFrom('project_endpoint').where('endpoint_id', '=', endpointId).where('project_id', '=', projectId).execute();
  invalidateCatalog(db);
}

export async function projectIdsForEndpoint(db: Kysely<any>, endpointId: string): Promise<string[]> {
  const rows = await db.selectFrom('project_endpoint').select('project_id').where('endpoint_id', '=', endpointId).execute();
  return rows.map((r) => r.project_id);
}

/** GET /OS-EP-FILTER/projects/{id}/endpoints: what the project is restricted to, read fresh. */
export async function listEndpointsForProject(db: Kysely<any>, projectId: string): Promise<EndpointRow[]> {
  await getProject(db, projectId);
  return [...endpointsForProject(await loadCatalogSnapshot(db), projectId).values()];
}
