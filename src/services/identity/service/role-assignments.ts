// Listing role assignments as Keystone's assignment manager does (keystone/assignment/core.py
// list_role_assignments): direct mode returns the stored grants matching the filters; effective
// mode expands group grants into their members, inherited grants onto the projects below the
// grant point, and prior roles into the roles they imply — what would end up in a token.
import type { Kysely } from 'kysely';
import { fromDbBool } from '../../../lib/db/values.ts';
import { getProject, subtreeIds } from './projects.ts';
import { impliedRoleMap, rolesById } from './roles.ts';

/** One assignment, direct or derived; `indirect` says where a derived one came from. */
export interface AssignmentRef {
  roleId: string;
  userId?: string;
  groupId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  /** Stored with inherited_to_projects (applies to the projects below the target). */
  inherited?: boolean;
  indirect?: { groupId?: string; projectId?: string; domainId?: string; roleId?: string };
}

export interface AssignmentFilter {
  roleId?: string; userId?: string; groupId?: string; projectId?: string; domainId?: string;
  /** scope.system=all */
  system?: boolean;
  includeSubtree?: boolean;
  /** undefined: both; true: inherited only; false: direct only. */
  inherited?: boolean;
  effective?: boolean;
  /** Internal (token and trust code): only assignments sourced from these groups, not expanded. */
  sourceGroupIds?: string[];
  /** Effective mode drops domain-specific roles (they only infer others); trusts keep them. */
  stripDomainRoles?: boolean;
}

const USER_TYPES = ['UserProject', 'UserDomain'];
const GROUP_TYPES = ['GroupProject', 'GroupDomain'];
const PROJECT_TYPES = ['UserProject', 'GroupProject'];
const DOMAIN_TYPES = ['UserDomain', 'GroupDomain'];

function rowToRef(r: any): AssignmentRef {
  const ref: AssignmentRef = { roleId: r.role_id };
  if (r.type.startsWith('User')) ref.userId = r.actor_id; else ref.groupId = r.actor_id;
  if (r.type.endsWith('Project')) ref.projectId = r.target_id;
  else if (r.type.endsWith('Domain')) ref.domainId = r.target_id;
  else ref.system = true;
  if (fromDbBool(r.inherited)) ref.inherited = true;
  return ref;
}

interface DriverFilter { roleId?: string; userId?: string; groupIds?: string[]; domainId?: string; projectIds?: string[]; inherited?: boolean }

/** The project/domain grants matching the filter (Keystone's sql driver list_role_assignments). */
async function queryGrants(db: Kysely<any>, f: DriverFilter): Promise<AssignmentRef[]> {
  const actorTypes = f.userId ? USER_TYPES : f.groupIds?.length ? GROUP_TYPES : [];
  const targetTypes = f.projectIds?.length ? PROJECT_TYPES : f.domainId ? DOMAIN_TYPES : [];
  const types = actorTypes.length && targetTypes.length ? actorTypes.filter((t) => targetTypes.includes(t))
    : actorTypes.length ? actorTypes : targetTypes.length ? targetTypes : [...USER_TYPES, ...GROUP_TYPES];
  const actors = f.groupIds?.length ? f.groupIds : f.userId ? [f.userId] : undefined;
  const targets = f.projectIds?.length ? f.projectIds : f.domainId ? [f.domainId] : undefined;
  let q = db.selectFrom('assignment').selectAll().where('type', 'in', types);
  if (f.roleId) q = q.where('role_id', '=', f.roleId);
  if (actors) q = q.where('actor_id', 'in', actors);
  if (targets) q = q.where('target_id', 'in', targets);
  if (f.inherited !== undefined) q = q.where('inherited', '=', f.inherited);
  return (await q.execute()).map(rowToRef);
}

async function systemGrants(db: Kysely<any>, f: { userId?: string; groupId?: string; roleId?: string }): Promise<AssignmentRef[]> {
  let q = db.selectFrom('assignment').selectAll().where('target_id', '=', 'system');
  if (f.userId) q = q.where('type', '=', 'UserSystem').where('actor_id', '=', f.userId);
  else if (f.groupId) q = q.where('type', '=', 'GroupSystem').where('actor_id', '=', f.groupId);
  else q = q.where('type', 'in', ['UserSystem', 'GroupSystem']);
  if (f.roleId) q = q.where('role_id', '=', f.roleId);
  return (await q.execute()).map(rowToRef);
}

export async function groupIdsOfUser(db: Kysely<any>, userId: string): Promise<string[]> {
  return (await db.selectFrom('user_group').select('group_id').where('user_id', '=', userId).execute()).map((r) => r.group_id);
}

async function membersOf(db: Kysely<any>, groupId: string): Promise<string[]> {
  return (await db.selectFrom('user_group').select('user_id').where('group_id', '=', groupId).execute()).map((r) => r.user_id);
}

async function projectsInDomain(db: Kysely<any>, domainId: string): Promise<string[]> {
  return (await db.selectFrom('project').select('id').where('domain_id', '=', domainId).where('is_domain', '=', 0).execute()).map((r) => r.id);
}

/** Every ancestor of a project, nearest first (the domain included, as Keystone lists it). */
async function ancestorIds(db: Kysely<any>, projectId: string): Promise<string[]> {
  const out: string[] = [];
  let row = await db.selectFrom('project').select(['id', 'parent_id']).where('id', '=', projectId).executeTakeFirst();
  while (row?.parent_id && !out.includes(row.parent_id)) {
    out.push(row.parent_id);
    row = await db.selectFrom('project').select(['id', 'parent_id']).where('id', '=', row.parent_id).executeTakeFirst();
  }
  return out;
}

export async function listRoleAssignments(db: Kysely<any>, f: AssignmentFilter): Promise<AssignmentRef[]> {
  const subtree = f.projectId && f.includeSubtree ? await subtreeIds(db, f.projectId) : undefined;
  return f.effective ? listEffective(db, f, subtree) : listDirect(db, f, subtree);
}

async function listDirect(db: Kysely<any>, f: AssignmentFilter, subtree?: string[]): Promise<AssignmentRef[]> {
  const projectIds = f.projectId ? [...(subtree ?? []), f.projectId] : undefined;
  const grants = f.system ? [] : await queryGrants(db, {
    roleId: f.roleId, userId: f.userId, groupIds: f.groupId ? [f.groupId] : undefined, domainId: f.domainId, projectIds, inherited: f.inherited,
  });
  const system = f.system || (!f.projectId && !f.domainId) ? await systemGrants(db, f) : [];
  return [...grants, ...system];
}

async function listEffective(db: Kysely<any>, f: AssignmentFilter, subtree?: string[]): Promise<AssignmentRef[]> {
  // Group assignments are expanded away and domains inherit nothing: such filters match nothing.
  if (f.groupId || (f.domainId && f.inherited)) return [];
  const inherited = f.domainId ? false : f.inherited;
  const forActor = async (actor: { userId?: string; groupIds?: string[] }): Promise<AssignmentRef[]> => {
    const projectIds = f.projectId ? [...(subtree ?? []), f.projectId] : undefined;
    const direct = inherited === true ? [] : await queryGrants(db, { ...actor, domainId: f.domainId, projectIds, inherited: false });
    if (inherited === false) return direct;
    if (!f.projectId) return [...direct, ...await queryGrants(db, { ...actor, inherited: true })];
    // A project (and its subtree) inherits from its domain and from its ancestors.
    const project = await getProject(db, f.projectId);
    const fromDomain = await queryGrants(db, { ...actor, domainId: project.isDomain ? project.id : project.domainId!, inherited: true });
    const sources = [...await ancestorIds(db, f.projectId), ...(subtree?.length ? projectIds! : [])];
    const fromProjects = sources.length ? await queryGrants(db, { ...actor, projectIds: sources, inherited: true }) : [];
    return [...direct, ...fromDomain, ...fromProjects];
  };
  const direct = await forActor({ userId: f.userId, groupIds: f.sourceGroupIds });
  let fromGroups: AssignmentRef[] = [];
  if (!f.sourceGroupIds && f.userId) {
    const groupIds = await groupIdsOfUser(db, f.userId);
    if (groupIds.length) fromGroups = await forActor({ groupIds });
  }
  const expandGroups = f.sourceGroupIds === undefined;
  let refs: AssignmentRef[] = [];
  for (const ref of [...direct, ...fromGroups]) refs.push(...await expandIndirect(db, ref, f.userId, f.projectId, subtree, expandGroups));
  refs = addImpliedRoles(refs, await impliedRoleMap(db));
  if (f.stripDomainRoles !== false) {
    const roles = await rolesById(db, refs.map((r) => r.roleId));
    refs = refs.filter((r) => roles.get(r.roleId)?.domainId === null);
  }
  return f.roleId ? refs.filter((r) => r.roleId === f.roleId) : refs;
}

async function expandGroup(db: Kysely<any>, ref: AssignmentRef, userId?: string): Promise<AssignmentRef[]> {
  const users = userId ? [userId] : await membersOf(db, ref.groupId!);
  return users.map((u) => {
    const { groupId, ...rest } = ref;
    return { ...rest, userId: u, indirect: { ...ref.indirect, groupId } };
  });
}

async function expandIndirect(db: Kysely<any>, ref: AssignmentRef, userId: string | undefined, projectId: string | undefined,
  subtree: string[] | undefined, expandGroups: boolean): Promise<AssignmentRef[]> {
  if (!ref.inherited) return ref.groupId && expandGroups ? expandGroup(db, ref, userId) : [ref];
  let projectIds: string[];
  if (projectId) {
    projectIds = [projectId];
    if (subtree?.length) {
      projectIds.push(...subtree);
      // A grant point inside the subtree only covers the projects below it.
      if (ref.projectId && projectIds.includes(ref.projectId)) projectIds = await subtreeIds(db, ref.projectId);
    }
  } else if (ref.domainId) {
    projectIds = await projectsInDomain(db, ref.domainId);
  } else {
    projectIds = await subtreeIds(db, ref.projectId!);
  }
  const onProject = (base: AssignmentRef, pid: string): AssignmentRef => {
    const { projectId: from, domainId, inherited: _inherited, ...rest } = base;
    const indirect = { ...base.indirect, ...(from ? { projectId: from } : { domainId }) };
    return { ...rest, projectId: pid, indirect };
  };
  const bases = ref.groupId && expandGroups ? await expandGroup(db, ref, userId) : [ref];
  return bases.flatMap((b) => projectIds.map((pid) => onProject(b, pid)));
}

const sameRef = (a: AssignmentRef, b: AssignmentRef) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(r: AssignmentRef): unknown {
  const sortKeys = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  return { ...sortKeys(r), indirect: r.indirect ? sortKeys(r.indirect) : undefined };
}

/** Keystone's add_implied_roles: one more ref per implied role, `indirect.roleId` = the prior role. */
export function addImpliedRoles(refs: AssignmentRef[], implied: Map<string, string[]>): AssignmentRef[] {
  const results = [...refs];
  const toCheck = [...refs];
  const checked: AssignmentRef[] = [];
  while (toCheck.length) {
    const next = toCheck.pop()!;
    checked.push(next);
    for (const roleId of implied.get(next.roleId) ?? []) {
      const ref: AssignmentRef = { ...next, roleId, indirect: { ...next.indirect, roleId: next.roleId } };
      if (checked.some((c) => sameRef(c, ref))) continue; // a cycle
      results.push(ref);
      toCheck.push(ref);
    }
  }
  return results;
}
