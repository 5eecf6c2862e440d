// Grants: /v3/{projects|domains}/{id}/{users|groups}/{actor}/roles[/{role}],
// /v3/system/{users|groups}/{actor}/roles[/{role}] and OS-INHERIT's inherited_to_projects
// variants (keystone/api/projects.py, domains.py, system.py, os_inherit.py); plus
// GET /v3/role_assignments (role-assignments.ts).
import type { Kysely } from 'kysely';
import type { IdentityDeps } from '../deps.ts';
import { NotFound } from '../../../lib/errors.ts';
import type { ApiRequest, Method, Route } from '../../../lib/http/routes.ts';
import { getProject } from '../service/projects.ts';
import { getRole } from '../service/roles.ts';
import { checkGrant, createGrant, deleteGrant, listGrants, type ActorKind, type Grant, type TargetKind } from '../service/assignments.ts';
import { collection } from './common.ts';
import { renderRole } from './roles.ts';
import { roleAssignmentRoutes } from './role-assignments.ts';

/** Users and groups as policy rules see them (target.user.domain_id …). */
export async function loadActor(db: Kysely<any>, kind: ActorKind, id: string): Promise<Record<string, unknown>> {
  const row = await db.selectFrom(kind).selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound(`Could not find ${kind}: ${id}.`, { type: kind });
  return { id: row.id, name: row.name, domain_id: row.domain_id, ...(kind === 'user' ? { enabled: !!row.enabled } : {}) };
}

async function loadTarget(db: Kysely<any>, kind: 'project' | 'domain', id: string): Promise<Record<string, unknown>> {
  const p = await getProject(db, id, kind);
  return kind === 'domain' ? { id: p.id, name: p.name, enabled: p.enabled }
    : { id: p.id, name: p.name, domain_id: p.domainId, parent_id: p.parentId, is_domain: p.isDomain, enabled: p.enabled };
}

interface Family {
  /** URL prefix up to the actor kind, e.g. '/v3/projects/:target_id' */
  prefix: string;
  target: TargetKind;
  inherited: boolean;
  /** Keystone's target builders differ: OS-INHERIT tolerates missing entities (the rule decides). */
  lenient: boolean;
  rules: { check: string; list: string; create: string; revoke: string };
}

const GRANT_RULES = { check: 'identity:check_grant', list: 'identity:list_grants', create: 'identity:create_grant', revoke: 'identity:revoke_grant' };
const systemRules = (kind: ActorKind) => ({
  check: `identity:check_system_grant_for_${kind}`, list: `identity:list_system_grants_for_${kind}`,
  create: `identity:create_system_grant_for_${kind}`, revoke: `identity:revoke_system_grant_for_${kind}`,
});

export function assignmentRoutes(deps: IdentityDeps): Route[] {
  const { db, revocations } = deps;

  const targetBuilder = (f: Family, kind: ActorKind, opts: { withRole: boolean; allowMissingActor?: boolean }) => async (req: ApiRequest) => {
    const out: Record<string, unknown> = {};
    const tolerate = async (key: string, load: () => Promise<Record<string, unknown>>, allowMissing: boolean) => {
      try { out[key] = await load(); } catch (err) { if (!(allowMissing && err instanceof NotFound)) throw err; if (f.lenient) out[key] = {}; }
    };
    const targetId = req.params.target_id!;
    const loadScope = async () => { if (f.target !== 'system') await tolerate(f.target, () => loadTarget(db, f.target as 'project' | 'domain', targetId), f.lenient); };
    if (f.target === 'domain' && !f.lenient) await loadScope();
    if (opts.withRole) await tolerate('role', async () => roleTarget(await getRole(db, req.params.role_id!)), f.lenient);
    await tolerate(kind, () => loadActor(db, kind, req.params.actor_id!), f.lenient || !!opts.allowMissingActor);
    if (!(f.target === 'domain' && !f.lenient)) await loadScope();
    return out;
  };

  const grantOf = (f: Family, kind: ActorKind, req: ApiRequest): Grant => ({
    roleId: req.params.role_id!, actor: { kind, id: req.params.actor_id! },
    target: { kind: f.target, id: f.target === 'system' ? 'system' : req.params.target_id! }, inherited: f.inherited,
  });

  const routesFor = (f: Family, kind: ActorKind): Route[] => {
    const base = `${f.prefix}/${kind}s/:actor_id/roles`;
    const one = f.inherited ? `${base}/:role_id/inherited_to_projects` : `${base}/:role_id`;
    const list = f.inherited ? `${base}/inherited_to_projects` : base;
    const routes: Route[] = [
      {
        method: ['GET', 'HEAD'] as Method[], path: one, policy: f.rules.check, target: targetBuilder(f, kind, { withRole: true }),
        handler: async (req) => { await checkGrant(db, grantOf(f, kind, req)); },
      },
      {
        method: 'PUT', path: one, policy: f.rules.create, target: targetBuilder(f, kind, { withRole: true }),
        handler: async (req) => { await createGrant(db, grantOf(f, kind, req)); },
      },
      {
        method: 'DELETE', path: one, policy: f.rules.revoke, target: targetBuilder(f, kind, { withRole: true, allowMissingActor: true }),
        handler: async (req) => { await deleteGrant(db, revocations, grantOf(f, kind, req)); },
      },
    ];
    // OS-INHERIT lists inherited grants on domains only.
    if (!(f.inherited && f.target === 'project')) {
      routes.push({
        method: ['GET', 'HEAD'] as Method[], path: list, policy: f.rules.list, target: targetBuilder(f, kind, { withRole: false }),
        handler: async (req) => {
          const target = { kind: f.target, id: f.target === 'system' ? 'system' : req.params.target_id! };
          const roles = await listGrants(db, { kind, id: req.params.actor_id! }, target, f.inherited);
          return collection(req, 'roles', roles.map((r) => renderRole(req, r)));
        },
      });
    }
    return routes;
  };

  const families: Array<{ f: Family; kinds: ActorKind[] }> = [
    { f: { prefix: '/v3/projects/:target_id', target: 'project', inherited: false, lenient: false, rules: GRANT_RULES }, kinds: ['user', 'group'] },
    { f: { prefix: '/v3/domains/:target_id', target: 'domain', inherited: false, lenient: false, rules: GRANT_RULES }, kinds: ['user', 'group'] },
    { f: { prefix: '/v3/OS-INHERIT/domains/:target_id', target: 'domain', inherited: true, lenient: true, rules: GRANT_RULES }, kinds: ['user', 'group'] },
    { f: { prefix: '/v3/OS-INHERIT/projects/:target_id', target: 'project', inherited: true, lenient: true, rules: GRANT_RULES }, kinds: ['user', 'group'] },
  ];
  const grantRoutes = families.flatMap(({ f, kinds }) => kinds.flatMap((k) => routesFor(f, k)));
  const systemRoutes = (['user', 'group'] as const).flatMap((k) =>
    routesFor({ prefix: '/v3/system', target: 'system', inherited: false, lenient: false, rules: systemRules(k) }, k));
  return [...grantRoutes, ...systemRoutes, ...roleAssignmentRoutes(deps)];
}

const roleTarget = (r: { id: string; name: string; domainId: string | null }) => ({ id: r.id, name: r.name, domain_id: r.domainId });
