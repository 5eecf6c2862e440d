// Role grants (who has which role where) and what they add up to. A grant ties a user or group
// to a role on a project, a domain or the system; with inherited_to_projects it applies to the
// projects below its target instead. `effectiveRoles` is what a token carries.
import type { Kysely } from 'kysely';
import { BadRequest, Forbidden, NotFound } from '../../../lib/errors.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { getProject } from './projects.ts';
import { getRole, impliedRoleMap, rolesById, type Role } from './roles.ts';
import { addImpliedRoles, groupIdsOfUser, listRoleAssignments, type AssignmentRef } from './role-assignments.ts';
import type { RevocationList } from './revocations.ts';

export { listRoleAssignments, type AssignmentRef, type AssignmentFilter } from './role-assignments.ts';

export type ActorKind = 'user' | 'group';
export type TargetKind = 'project' | 'domain' | 'system';

export interface Grant {
  roleId: string;
  actor: { kind: ActorKind; id: string };
  /** For the system, id is ignored ('system' is stored). */
  target: { kind: TargetKind; id: string };
  inherited?: boolean;
}

export interface EffectiveRole { id: string; name: string; domain_id: string | null }

const SYSTEM = 'system';

function typeOf(actor: ActorKind, target: TargetKind): string {
  return (actor === 'user' ? 'User' : 'Group') + (target === 'project' ? 'Project' : target === 'domain' ? 'Domain' : 'System');
}
const targetIdOf = (g: Grant) => (g.target.kind === 'system' ? SYSTEM : g.target.id);

async function assertTarget(db: Kysely<any>, target: Grant['target']) {
  if (target.kind === 'system') return undefined;
  return getProject(db, target.id, target.kind);
}

const notFound = (g: Grant) =>
  new NotFound(`Could not find role assignment with role: ${g.roleId}, user or group: ${g.actor.id}, project, domain, or system: ${targetIdOf(g)}.`);

function grantQuery(db: Kysely<any>, g: Grant) {
  return db.selectFrom('assignment').select('role_id')
    .where('type', '=', typeOf(g.actor.kind, g.target.kind)).where('actor_id', '=', g.actor.id)
    .where('target_id', '=', targetIdOf(g)).where('role_id', '=', g.roleId).where('inherited', '=', !!g.inherited);
}

/** PUT …/roles/{role}: silent when the grant exists already, as Keystone's v3 grant API is. */
export async function createGrant(db: Kysely<any>, g: Grant): Promise<void> {
  const role = await getRole(db, g.roleId);
  const target = await assertTarget(db, g.target);
  if (g.target.kind === 'project' && role.domainId && target!.domainId !== role.domainId) {
    throw new Forbidden(`Project ${g.target.id} must be in the same domain as the role ${g.roleId} being assigned.`);
  }
  if (g.target.kind === 'system' && role.domainId) {
    throw new BadRequest(`Role ${g.roleId} is a domain-specific role. Unable to use a domain-specific role in a system assignment.`);
  }
  try {
    await db.insertInto('assignment').values({
      type: typeOf(g.actor.kind, g.target.kind), actor_id: g.actor.id, target_id: targetIdOf(g), role_id: g.roleId, inherited: !!g.inherited,
    }).execute();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
}

/** HEAD/GET …/roles/{role}: 404 unless that exact grant exists. */
export async function checkGrant(db: Kysely<any>, g: Grant): Promise<void> {
  if (g.target.kind !== 'system') {
    await getRole(db, g.roleId);
    await assertTarget(db, g.target);
  }
  if (!await grantQuery(db, g).executeTakeFirst()) throw notFound(g);
}

/** GET …/roles: the roles granted to the actor on exactly that target. */
export async function listGrants(db: Kysely<any>, actor: Grant['actor'], target: Grant['target'], inherited = false): Promise<Role[]> {
  await assertTarget(db, target);
  let q = db.selectFrom('assignment').select('role_id').where('actor_id', '=', actor.id)
    .where('target_id', '=', target.kind === 'system' ? SYSTEM : target.id).where('inherited', '=', inherited);
  if (target.kind === 'system') q = q.where('type', '=', typeOf(actor.kind, 'system'));
  const ids = (await q.execute()).map((r) => r.role_id);
  return [...(await rolesById(db, ids)).values()];
}

/** DELETE …/roles/{role}; then revokes the tokens that carried the role there. */
export async function deleteGrant(db: Kysely<any>, revocations: RevocationList, g: Grant): Promise<void> {
  if (g.target.kind !== 'system') await getRole(db, g.roleId);
  if (!await grantQuery(db, g).executeTakeFirst()) throw notFound(g);
  await assertTarget(db, g.target);
  const res = await db.deleteFrom('assignment')
    .where('type', '=', typeOf(g.actor.kind, g.target.kind)).where('actor_id', '=', g.actor.id)
    .where('target_id', '=', targetIdOf(g)).where('role_id', '=', g.roleId).where('inherited', '=', !!g.inherited).executeTakeFirst();
  if (!Number(res.numDeletedRows)) throw notFound(g);
  await revokeRemovedGrant(db, revocations, g);
}

async function membersOf(db: Kysely<any>, groupId: string): Promise<string[]> {
  return (await db.selectFrom('user_group').select('user_id').where('group_id', '=', groupId).execute()).map((r) => r.user_id);
}

/**
 * Records a revocation event per affected user, unless the user still holds the role there
 * another way (a group, another grant), in which case their tokens are still right.
 */
async function revokeRemovedGrant(db: Kysely<any>, revocations: RevocationList, g: Grant): Promise<void> {
  const users = g.actor.kind === 'user' ? [g.actor.id] : await membersOf(db, g.actor.id);
  for (const userId of users) {
    const where = g.target.kind === 'project' ? { projectId: g.target.id } : g.target.kind === 'domain' ? { domainId: g.target.id } : {};
    if (!g.inherited) {
      const scope = g.target.kind === 'system' ? { system: true } : where;
      const still = await effectiveRoles(db, { userId, ...scope }).catch(() => []);
      if (still.some((r) => r.id === g.roleId)) continue;
    }
    // An inherited grant reached every project below its target: revoke the role by user (and domain).
    await revocations.revoke({ userId, roleId: g.roleId, ...(g.inherited ? (g.target.kind === 'domain' ? where : {}) : where) });
  }
}

/** After a role is deleted (with its grants): its tokens no longer hold. */
export async function revokeRemovedAssignments(revocations: RevocationList, roleId: string, removed: unknown[]): Promise<void> {
  if (removed.length) await revocations.revoke({ roleId });
}

/**
 * The roles a token for this user and scope carries: direct grants, group grants, grants
 * inherited from the domain and ancestor projects, expanded through implied roles; domain
 * roles only infer others and are left out (Keystone's get_roles_for_user_and_project …).
 */
export async function effectiveRoles(db: Kysely<any>, q: { userId: string; projectId?: string; domainId?: string; system?: boolean; keepDomainRoles?: boolean }): Promise<EffectiveRole[]> {
  let refs: AssignmentRef[];
  if (q.projectId) {
    refs = await listRoleAssignments(db, { userId: q.userId, projectId: q.projectId, effective: true, stripDomainRoles: !q.keepDomainRoles });
  } else if (q.domainId) {
    await getProject(db, q.domainId, 'domain');
    refs = await listRoleAssignments(db, { userId: q.userId, domainId: q.domainId, effective: true, stripDomainRoles: !q.keepDomainRoles });
  } else if (q.system) {
    const groupIds = await groupIdsOfUser(db, q.userId);
    const rows = await db.selectFrom('assignment').select('role_id').where('target_id', '=', SYSTEM).where((eb) => eb.or([
      eb.and([eb('type', '=', 'UserSystem'), eb('actor_id', '=', q.userId)]),
      ...(groupIds.length ? [eb.and([eb('type', '=', 'GroupSystem'), eb('actor_id', 'in', groupIds)])] : []),
    ])).execute();
    refs = addImpliedRoles(rows.map((r) => ({ roleId: r.role_id, userId: q.userId, system: true })), await impliedRoleMap(db));
  } else {
    return [];
  }
  const roles = await rolesById(db, refs.map((r) => r.roleId));
  const out = new Map<string, EffectiveRole>();
  for (const r of refs) {
    const role = roles.get(r.roleId);
    if (role && !out.has(role.id)) out.set(role.id, { id: role.id, name: role.name, domain_id: role.domainId });
  }
  return [...out.values()];
}

/** Ids of the projects the user has any effective role on. */
export async function projectsForUser(db: Kysely<any>, userId: string): Promise<string[]> {
  const refs = await listRoleAssignments(db, { userId, effective: true });
  return [...new Set(refs.map((r) => r.projectId).filter((id): id is string => !!id))];
}

/** Ids of the domains the user has any effective role on. */
export async function domainsForUser(db: Kysely<any>, userId: string): Promise<string[]> {
  const refs = await listRoleAssignments(db, { userId, effective: true });
  return [...new Set(refs.map((r) => r.domainId).filter((id): id is string => !!id))];
}
