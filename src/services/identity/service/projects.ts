// Projects and domains. As in Keystone, a domain is a project row with is_domain = 1, which
// is why both live here: names are unique within a domain, a top-level project's parent is its
// domain, and deleting a domain takes everything in it.
import type { Kysely } from 'kysely';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../lib/errors.ts';
import { fromDbBool, fromDbJson, toDbJson } from '../../../lib/db/values.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';
import { ROOT_DOMAIN } from '../db/migrations.ts';

export interface Project {
  id: string;
  name: string;
  domainId: string | null;
  parentId: string | null;
  description: string;
  enabled: boolean;
  isDomain: boolean;
  tags: string[];
  options: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export const DEFAULT_DOMAIN = 'default';

export function rowToProject(row: any, tags: string[] = []): Project {
  const isDomain = fromDbBool(row.is_domain);
  return {
    id: row.id, name: row.name,
    domainId: row.domain_id === ROOT_DOMAIN ? null : row.domain_id,
    parentId: row.parent_id ?? null,
    description: row.description ?? '',
    enabled: fromDbBool(row.enabled), isDomain, tags,
    options: fromDbJson<Record<string, unknown>>(row.options) ?? {},
    extra: fromDbJson<Record<string, unknown>>(row.extra) ?? {},
  };
}

async function tagsOf(db: Kysely<any>, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!ids.length) return out;
  const rows = await db.selectFrom('project_tag').select(['project_id', 'name']).where('project_id', 'in', ids).orderBy('name').execute();
  for (const r of rows) out.set(r.project_id, [...(out.get(r.project_id) ?? []), r.name]);
  return out;
}

export async function getProject(db: Kysely<any>, id: string, kind: 'project' | 'domain' | 'any' = 'any'): Promise<Project> {
  const row = await db.selectFrom('project').selectAll().where('id', '=', id).executeTakeFirst();
  const wrongKind = row && ((kind === 'domain' && !fromDbBool(row.is_domain)) || (kind === 'project' && fromDbBool(row.is_domain)));
  if (!row || wrongKind) throw new NotFound(`Could not find ${kind === 'any' ? 'project' : kind}: ${id}.`, { type: kind });
  return rowToProject(row, (await tagsOf(db, [id])).get(id));
}

export async function findDomainByName(db: Kysely<any>, name: string): Promise<Project> {
  const row = await db.selectFrom('project').selectAll().where('name', '=', name).where('is_domain', '=', 1).executeTakeFirst();
  if (!row) throw new NotFound(`Could not find domain: ${name}.`);
  return rowToProject(row);
}

export async function findProjectByName(db: Kysely<any>, name: string, domainId: string): Promise<Project> {
  const row = await db.selectFrom('project').selectAll().where('name', '=', name).where('domain_id', '=', domainId).where('is_domain', '=', 0).executeTakeFirst();
  if (!row) throw new NotFound(`Could not find project: ${name}.`);
  return rowToProject(row);
}

export interface ProjectFilter {
  name?: string; domainId?: string; parentId?: string; enabled?: boolean; isDomain?: boolean; ids?: string[];
  tags?: string[]; tagsAny?: string[]; notTags?: string[]; notTagsAny?: string[];
}

export async function listProjects(db: Kysely<any>, f: ProjectFilter): Promise<Project[]> {
  let q = db.selectFrom('project').selectAll();
  if (f.name !== undefined) q = q.where('name', '=', f.name);
  if (f.domainId !== undefined) q = q.where('domain_id', '=', f.domainId);
  if (f.parentId !== undefined) q = q.where('parent_id', '=', f.parentId);
  if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled);
  if (f.isDomain !== undefined) q = q.where('is_domain', '=', f.isDomain);
  if (f.ids) { if (!f.ids.length) return []; q = q.where('id', 'in', f.ids); }
  const rows = await q.orderBy('name').execute();
  const tags = await tagsOf(db, rows.map((r) => r.id));
  return rows.map((r) => rowToProject(r, tags.get(r.id) ?? [])).filter((p) => {
    const has = (t: string) => p.tags.includes(t);
    if (f.tags && !f.tags.every(has)) return false;
    if (f.tagsAny && !f.tagsAny.some(has)) return false;
    if (f.notTags && f.notTags.every(has)) return false;
    if (f.notTagsAny && f.notTagsAny.some(has)) return false;
    return true;
  });
}

export interface ProjectInput {
  id?: string; name: string; domainId?: string | null; parentId?: string | null; description?: string;
  enabled?: boolean; isDomain?: boolean; tags?: string[]; options?: Record<string, unknown>; extra?: Record<string, unknown>;
}

export async function createProject(db: Kysely<any>, input: ProjectInput): Promise<Project> {
  const id = input.id ?? hexId();
  let domainId: string;
  let parentId: string | null;
  if (input.isDomain) {
    if (input.parentId) throw new BadRequest('A domain cannot have a parent.');
    domainId = ROOT_DOMAIN; parentId = null;
  } else {
    const parent = input.parentId ? await getProject(db, input.parentId).catch(() => { throw new BadRequest(`Could not find parent project ${input.parentId}`); }) : undefined;
    domainId = input.domainId ?? (parent ? (parent.isDomain ? parent.id : parent.domainId!) : DEFAULT_DOMAIN);
    const domain = await getProject(db, domainId, 'domain').catch(() => { throw new BadRequest(`Could not find domain: ${domainId}.`); });
    if (parent && (parent.isDomain ? parent.id : parent.domainId) !== domainId) throw new BadRequest('Cannot create project, the parent is in a different domain.');
    parentId = parent?.id ?? domain.id;
  }
  try {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('project').values({
        id, name: input.name, domain_id: domainId, parent_id: parentId, description: input.description ?? '',
        enabled: input.enabled ?? true, is_domain: !!input.isDomain, extra: toDbJson(input.extra ?? {}), options: toDbJson(input.options ?? {}),
      }).execute();
      await setTags(tx, id, input.tags ?? []);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store ${input.isDomain ? 'domain' : 'project'} - Duplicate entry found with name ${input.name}.`);
    throw err;
  }
  return getProject(db, id);
}

export async function updateProject(db: Kysely<any>, id: string, kind: 'project' | 'domain' | 'any', patch: Partial<ProjectInput>): Promise<Project> {
  const before = await getProject(db, id, kind);
  if (patch.domainId !== undefined && patch.domainId !== before.domainId) throw new BadRequest('Cannot change the domain of a project.');
  if (patch.parentId !== undefined && patch.parentId !== before.parentId) throw new Forbidden('Update of `parent_id` is not allowed.');
  if (patch.isDomain !== undefined && patch.isDomain !== before.isDomain) throw new BadRequest('Update of `is_domain` is not allowed.');
  const values: Record<string, unknown> = {};
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.description !== undefined) values.description = patch.description ?? '';
  if (patch.enabled !== undefined) values.enabled = patch.enabled;
  if (patch.options !== undefined) values.options = toDbJson({ ...before.options, ...patch.options });
  if (patch.extra !== undefined) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  try {
    await db.transaction().execute(async (tx) => {
      if (Object.keys(values).length) await tx.updateTable('project').set(values).where('id', '=', id).execute();
      if (patch.tags !== undefined) await setTags(tx, id, patch.tags);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`Conflict occurred attempting to store ${before.isDomain ? 'domain' : 'project'} - Duplicate entry found with name ${patch.name}.`);
    throw err;
  }
  return getProject(db, id);
}

export async function setTags(db: Kysely<any>, projectId: string, tags: string[]): Promise<void> {
  await db.deleteFrom('project_tag').where('project_id', '=', projectId).execute();
  const unique = [...new Set(tags)];
  if (unique.length) await db.insertInto('project_tag').values(unique.map((name) => ({ project_id: projectId, name }))).execute();
}

/** Ids of every project below `id` (children, grandchildren, …). */
export async function subtreeIds(db: Kysely<any>, id: string): Promise<string[]> {
  const out: string[] = [];
  let frontier = [id];
  while (frontier.length) {
    const rows = await db.selectFrom('project').select('id').where('parent_id', 'in', frontier).where('is_domain', '=', 0).execute();
    frontier = rows.map((r) => r.id);
    out.push(...frontier);
  }
  return out;
}

/** Ids of every ancestor of a project up to (not including) its domain, nearest first. */
export async function parentIds(db: Kysely<any>, project: Project): Promise<string[]> {
  const out: string[] = [];
  let parent = project.parentId;
  while (parent && parent !== project.domainId && !out.includes(parent)) {
    out.push(parent);
    const row = await db.selectFrom('project').select(['parent_id', 'is_domain']).where('id', '=', parent).executeTakeFirst();
    if (!row || fromDbBool(row.is_domain)) { out.pop(); break; }
    parent = row.parent_id;
  }
  return out;
}

/** Deletes a project (it must have no children) and what hangs off it. */
export async function deleteProject(db: Kysely<any>, id: string): Promise<void> {
  await getProject(db, id, 'project');
  const child = await db.selectFrom('project').select('id').where('parent_id', '=', id).executeTakeFirst();
  if (child) throw new Forbidden(`Cannot delete the project ${id} since it is not a leaf in the hierarchy.`);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('assignment').where('target_id', '=', id).execute();
    await tx.deleteFrom('project_endpoint_group').where('project_id', '=', id).execute();
    await tx.deleteFrom('project_endpoint').where('project_id', '=', id).execute();
    await tx.deleteFrom('project').where('id', '=', id).execute();
  });
}

/** Deletes a disabled domain and everything it owns (projects, users, groups, domain roles). */
export async function deleteDomain(db: Kysely<any>, id: string): Promise<void> {
  const domain = await getProject(db, id, 'domain');
  if (domain.enabled) throw new Forbidden('Cannot delete a domain that is enabled, please disable it first.');
  await db.transaction().execute(async (tx) => {
    const projects = (await tx.selectFrom('project').select('id').where('domain_id', '=', id).execute()).map((r) => r.id);
    const users = (await tx.selectFrom('user').select('id').where('domain_id', '=', id).execute()).map((r) => r.id);
    const groups = (await tx.selectFrom('group').select('id').where('domain_id', '=', id).execute()).map((r) => r.id);
    const roles = (await tx.selectFrom('role').select('id').where('domain_id', '=', id).execute()).map((r) => r.id);
    const targets = [id, ...projects];
    const actors = [...users, ...groups];
    await tx.deleteFrom('assignment').where((eb) => eb.or([
      eb('target_id', 'in', targets), ...(actors.length ? [eb('actor_id', 'in', actors)] : []), ...(roles.length ? [eb('role_id', 'in', roles)] : []),
    ])).execute();
    if (projects.length) await tx.deleteFrom('project_tag').where('project_id', 'in', projects).execute();
    await tx.deleteFrom('project').where('domain_id', '=', id).execute();
    if (users.length) {
      await tx.deleteFrom('user_group').where('user_id', 'in', users).execute();
      await tx.deleteFrom('password_history').where('user_id', 'in', users).execute();
      await tx.deleteFrom('application_credential').where('user_id', 'in', users).execute();
      await tx.deleteFrom('credential').where('user_id', 'in', users).execute();
      await tx.deleteFrom('user').where('domain_id', '=', id).execute();
    }
    if (groups.length) { await tx.deleteFrom('user_group').where('group_id', 'in', groups).execute(); await tx.deleteFrom('group').where('domain_id', '=', id).execute(); }
    if (roles.length) { await tx.deleteFrom('implied_role').where((eb) => eb.or([eb('prior_role_id', 'in', roles), eb('implied_role_id', 'in', roles)])).execute(); await tx.deleteFrom('role').where('domain_id', '=', id).execute(); }
    await tx.deleteFrom('domain_config').where('domain_id', '=', id).execute();
    await tx.deleteFrom('project_tag').where('project_id', '=', id).execute();
    await tx.deleteFrom('project').where('id', '=', id).execute();
  });
}
