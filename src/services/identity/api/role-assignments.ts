// GET /v3/role_assignments (keystone/api/role_assignments.py): filters user.id, group.id,
// role.id, scope.project.id, scope.domain.id, scope.system, scope.OS-INHERIT:inherited_to;
// effective, include_names, include_subtree; bodies formatted exactly as Keystone's _format_entity.
import type { Kysely } from 'kysely';
import type { IdentityDeps } from '../deps.ts';
import { BadRequest } from '../../../lib/errors.ts';
import type { ApiRequest, Method, Route } from '../../../lib/http/routes.ts';
import { getProject } from '../service/projects.ts';
import { rolesById } from '../service/roles.ts';
import { listRoleAssignments, type AssignmentRef } from '../service/assignments.ts';
import { collection } from './common.ts';
import { lastValue } from './list-filters.ts';

/** One value per query parameter (the last, when repeated). */
const single = (query: Record<string, unknown>) => Object.fromEntries(Object.entries(query).map(([k, v]) => [k, lastValue(v) ?? '']));

/** Keystone's query_filter_is_true: present and not '0'. */
const isTrue = (q: Record<string, unknown>, name: string) => Object.hasOwn(q, name) && q[name] !== '0';

interface Names {
  users: Map<string, { name: string; domainId: string }>;
  groups: Map<string, { name: string; domainId: string }>;
  projects: Map<string, { name: string; domainId: string }>;
  roles: Map<string, { name: string; domainId: string | null }>;
  /** domain id → name */
  domains: Map<string, string>;
}

async function loadNames(db: Kysely<any>, refs: AssignmentRef[]): Promise<Names> {
  const ids = (pick: (r: AssignmentRef) => string | undefined) => [...new Set(refs.map(pick).filter((x): x is string => !!x))];
  const rows = async (table: string, list: string[]) => (list.length ? db.selectFrom(table).select(['id', 'name', 'domain_id']).where('id', 'in', list).execute() : []);
  const toMap = (rs: any[]) => new Map(rs.map((r) => [r.id as string, { name: r.name as string, domainId: r.domain_id as string }]));
  const users = toMap(await rows('user', ids((r) => r.userId)));
  const groups = toMap(await rows('group', ids((r) => r.groupId)));
  const projects = toMap(await rows('project', ids((r) => r.projectId)));
  const roles = new Map([...(await rolesById(db, ids((r) => r.roleId)))].map(([id, r]) => [id, { name: r.name, domainId: r.domainId }]));
  const domainIds = [...new Set([...ids((r) => r.domainId), ...[...users.values(), ...groups.values(), ...projects.values()].map((x) => x.domainId),
    ...[...roles.values()].map((r) => r.domainId).filter((d): d is string => !!d)])];
  const domains = new Map((await rows('project', domainIds)).map((r: any) => [r.id as string, r.name as string]));
  return { users, groups, projects, roles, domains };
}

/** One assignment as Keystone renders it, with its `links.assignment` pointing at the grant API. */
export function formatAssignment(req: ApiRequest, e: AssignmentRef, names?: Names): Record<string, unknown> {
  const base = `${req.baseUrl}/v3`;
  const out: Record<string, any> = { links: {} };
  const domainName = (id: string) => names?.domains.get(id) ?? '';
  let link = '';
  let inherited = !!e.inherited;
  if (e.projectId) {
    const p = names?.projects.get(e.projectId);
    out.scope = { project: names ? { id: e.projectId, name: p?.name ?? '', domain: { id: p?.domainId ?? '', name: domainName(p?.domainId ?? '') } } : { id: e.projectId } };
    if (e.indirect?.domainId) { inherited = true; link = `/domains/${e.indirect.domainId}`; }
    else if (e.indirect?.projectId) { inherited = true; link = `/projects/${e.indirect.projectId}`; }
    else link = `/projects/${e.projectId}`;
  } else if (e.domainId) {
    out.scope = { domain: names ? { id: e.domainId, name: domainName(e.domainId) } : { id: e.domainId } };
    link = `/domains/${e.domainId}`;
  } else if (e.system) {
    link = '/system';
    out.scope = { system: { all: true } };
  }
  if (e.userId) {
    const u = names?.users.get(e.userId);
    out.user = names ? { id: e.userId, name: u?.name ?? '', domain: { id: u?.domainId ?? '', name: u ? domainName(u.domainId) : '' } } : { id: e.userId };
    if (e.indirect?.groupId) {
      out.links.membership = `${base}/groups/${e.indirect.groupId}/users/${e.userId}`;
      link += `/groups/${e.indirect.groupId}`;
    } else {
      link += `/users/${e.userId}`;
    }
  } else if (e.groupId) {
    const g = names?.groups.get(e.groupId);
    out.group = names ? { id: e.groupId, name: g?.name ?? '', domain: { id: g?.domainId ?? '', name: g ? domainName(g.domainId) : '' } } : { id: e.groupId };
    link += `/groups/${e.groupId}`;
  }
  const role = names?.roles.get(e.roleId);
  out.role = names ? { id: e.roleId, name: role?.name ?? '', ...(role?.domainId ? { domain: { id: role.domainId, name: domainName(role.domainId) } } : {}) } : { id: e.roleId };
  let priorRoleLink = '';
  if (e.indirect?.roleId) {
    link += `/roles/${e.indirect.roleId}`;
    // Keystone's own (swapped) prior_role link, kept as it renders it.
    priorRoleLink = `/prior_role/${e.roleId}/implies/${e.indirect.roleId}`;
  } else {
    link += `/roles/${e.roleId}`;
  }
  if (inherited) {
    out.scope['OS-INHERIT:inherited_to'] = 'projects';
    link = `/OS-INHERIT${link}/inherited_to_projects`;
  }
  out.links.assignment = `${base}${link}`;
  if (priorRoleLink) out.links.prior_role = `${base}${priorRoleLink}`;
  return out;
}

function assertFilters(q: Record<string, string>, effective: boolean, inherited: boolean | undefined): void {
  if (q['scope.domain.id'] && q['scope.project.id']) throw new BadRequest('Specify a domain or project, not both');
  if (q['scope.domain.id'] && q['scope.system']) throw new BadRequest('Specify system or domain, not both');
  if (q['scope.project.id'] && q['scope.system']) throw new BadRequest('Specify system or project, not both');
  if (q['user.id'] && q['group.id']) throw new BadRequest('Specify a user or group, not both');
  if (effective && q['group.id']) throw new BadRequest('Combining effective and group filter will always result in an empty list.');
  if (effective && inherited && q['scope.domain.id']) {
    throw new BadRequest('Combining effective, domain and inherited filters will always result in an empty list.');
  }
}

export function roleAssignmentRoutes({ db }: IdentityDeps): Route[] {
  return [{
    method: ['GET', 'HEAD'] as Method[], path: '/v3/role_assignments',
    // Keystone enforces list_role_assignments_for_tree with include_subtree; a route names one rule.
    policy: 'identity:list_role_assignments',
    target: async (req) => {
      const q = single(req.query);
      if (isTrue(q, 'include_subtree') && q['scope.project.id']) {
        const p = await getProject(db, q['scope.project.id']);
        return { project: { id: p.id, domain_id: p.domainId, parent_id: p.parentId }, ...(req.ctx.domainId ? { domain_id: req.ctx.domainId } : {}) };
      }
      return req.ctx.domainId ? { domain_id: req.ctx.domainId } : {};
    },
    handler: async (req) => {
      const q = single(req.query);
      const subtree = isTrue(q, 'include_subtree');
      if (subtree && !q['scope.project.id']) throw new BadRequest('scope.project.id must be specified if include_subtree is also specified');
      const effective = isTrue(q, 'effective');
      const inherited = Object.hasOwn(q, 'scope.OS-INHERIT:inherited_to') ? q['scope.OS-INHERIT:inherited_to'] === 'projects' : undefined;
      assertFilters(q, effective, inherited);
      let refs = await listRoleAssignments(db, {
        roleId: q['role.id'] || undefined, userId: q['user.id'] || undefined, groupId: q['group.id'] || undefined,
        projectId: q['scope.project.id'] || undefined, domainId: q['scope.domain.id'] || undefined,
        system: !subtree && q['scope.system'] === 'all', includeSubtree: subtree, inherited, effective,
      });
      // A domain-scoped caller sees the assignments within its domain only.
      if (!subtree && req.ctx.domainId) {
        const domainId = req.ctx.domainId;
        const projectDomains = new Map<string, string | null>();
        const kept: AssignmentRef[] = [];
        for (const r of refs) {
          if (r.domainId === domainId) { kept.push(r); continue; }
          if (!r.projectId) continue;
          if (!projectDomains.has(r.projectId)) projectDomains.set(r.projectId, (await getProject(db, r.projectId).catch(() => null))?.domainId ?? null);
          if (projectDomains.get(r.projectId) === domainId) kept.push(r);
        }
        refs = kept;
      }
      const names = isTrue(q, 'include_names') ? await loadNames(db, refs) : undefined;
      return collection(req, 'role_assignments', refs.map((r) => formatAssignment(req, r, names)));
    },
  }];
}
