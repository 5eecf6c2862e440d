// RBAC policies on networks (access_as_shared, access_as_external). `shared: true` on a network
// is the wildcard access_as_shared entry, `router:external: true` the wildcard access_as_external
// one, as in Neutron; entries for one project share a network with just that project.
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { conflict, invalidInput, networkNotFound, rbacNotFound } from '../errors.ts';
import type { Caller } from './caller.ts';
import type { Db, Row } from './std.ts';
import { ownerAttrs } from './std.ts';
import type { Net } from './net.ts';
import { checkQuota } from './quotas.ts';

export const ACTIONS = ['access_as_shared', 'access_as_external'] as const;

export interface NetworkAccess { shared: Set<string>; external: Set<string> }

/** Networks shared with or made external for a project, by RBAC entries (own or wildcard). */
export async function networkAccess(db: Db, projectId: string | undefined): Promise<NetworkAccess> {
  const out: NetworkAccess = { shared: new Set(), external: new Set() };
  const targets = projectId ? [projectId, '*'] : ['*'];
  const rows = await db.selectFrom('rbac_policies').select(['object_id', 'action'])
    .where('object_type', '=', 'network').where('target_project', 'in', targets).execute();
  for (const r of rows) (r.action === 'access_as_shared' ? out.shared : out.external).add(r.object_id);
  return out;
}

export async function setWildcard(db: Db, networkId: string, owner: string, action: typeof ACTIONS[number], on: boolean): Promise<void> {
  if (on) {
    await db.insertInto('rbac_policies').values({ id: uuid(), project_id: owner, object_type: 'network', object_id: networkId, action, target_project: '*' })
      .onConflict((oc: any) => oc.doNothing()).execute();
  } else {
    await db.deleteFrom('rbac_policies').where('object_id', '=', networkId).where('action', '=', action).where('target_project', '=', '*').execute();
  }
}

export function renderRbac(r: Row) {
  return {
    id: r.id, object_type: r.object_type, object_id: r.object_id, action: r.action,
    target_tenant: r.target_project, target_project: r.target_project, ...ownerAttrs(r.project_id),
  };
}

function visible(caller: Caller, r: Row): boolean {
  return caller.isAdmin || r.project_id === caller.projectId;
}

export async function listRbac(net: Net, caller: Caller) {
  let q = net.db.selectFrom('rbac_policies').selectAll();
  if (!caller.isAdmin) q = q.where('project_id', '=', caller.projectId ?? '');
  return (await q.execute()).map(renderRbac);
}

export async function getRbacRow(net: Net, caller: Caller, id: string): Promise<Row> {
  const r = await net.db.selectFrom('rbac_policies').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || !visible(caller, r)) throw rbacNotFound(id);
  return r;
}

/** Projects other than the owner that still use the network (ports or subnets). */
async function projectsUsing(db: Db, networkId: string, owner: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const t of ['ports', 'subnets']) {
    const rows = await db.selectFrom(t).select('project_id').distinct().where('network_id', '=', networkId).execute();
    for (const r of rows) if (r.project_id && r.project_id !== owner) out.add(r.project_id);
  }
  return out;
}

/** A share may go only when nobody it admits still uses the network through it. */
async function checkUnshare(db: Db, r: Row): Promise<void> {
  if (r.action !== 'access_as_shared') return;
  const users = await projectsUsing(db, r.object_id, r.project_id);
  if (!users.size) return;
  const others = await db.selectFrom('rbac_policies').select('target_project').where('object_id', '=', r.object_id)
    .where('action', '=', 'access_as_shared').where('id', '!=', r.id).execute();
  const still = new Set(others.map((o: any) => o.target_project));
  if (still.has('*')) return;
  for (const p of users) {
    if ((r.target_project === '*' || r.target_project === p) && !still.has(p)) {
      throw conflict('RbacPolicyInUse', `RBAC policy on object ${r.object_id} cannot be removed because other objects depend on it.`);
    }
  }
}

export interface RbacRequest { object_type: string; object_id: string; action: string; target_project: string; project_id: string }

export async function createRbac(net: Net, caller: Caller, req: RbacRequest) {
  if (req.object_type !== 'network') throw invalidInput(`Invalid input for object_type. Reason: ${req.object_type} is not in [network]`);
  if (!(ACTIONS as readonly string[]).includes(req.action)) throw invalidInput(`Invalid input for action. Reason: ${req.action} is not in [${ACTIONS.join(', ')}]`);
  return inTransaction(net.db, async (trx) => {
    const n = await trx.selectFrom('networks').select(['id', 'project_id']).where('id', '=', req.object_id).executeTakeFirst();
    if (!n || (!caller.isAdmin && n.project_id !== caller.projectId)) throw networkNotFound(req.object_id);
    await checkQuota(net, trx, req.project_id, 'rbac_policy');
    const row = { id: uuid(), project_id: req.project_id, object_type: 'network', object_id: req.object_id, action: req.action, target_project: req.target_project };
    const res = await trx.insertInto('rbac_policies').values(row).onConflict((oc: any) => oc.doNothing()).executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw conflict('DuplicateRbacPolicy', 'An RBAC policy already exists with those values.');
    if (req.target_project === '*') await trx.updateTable('networks').set(req.action === 'access_as_shared' ? { shared: true } : { router_external: true }).where('id', '=', req.object_id).execute();
    return renderRbac(row);
  });
}

export async function updateRbac(net: Net, r: Row, target: string) {
  return inTransaction(net.db, async (trx) => {
    if (target !== r.target_project) await checkUnshare(trx, r);
    await trx.updateTable('rbac_policies').set({ target_project: target }).where('id', '=', r.id).execute();
    await syncFlags(trx, r.object_id);
    return renderRbac({ ...r, target_project: target });
  });
}

export async function deleteRbac(net: Net, r: Row): Promise<void> {
  await inTransaction(net.db, async (trx) => {
    await checkUnshare(trx, r);
    await trx.deleteFrom('rbac_policies').where('id', '=', r.id).execute();
    await syncFlags(trx, r.object_id);
  });
}

/** The network's shared / router:external flags follow its wildcard entries. */
async function syncFlags(db: Db, networkId: string): Promise<void> {
  const rows = await db.selectFrom('rbac_policies').select('action').where('object_id', '=', networkId).where('target_project', '=', '*').execute();
  const actions = new Set(rows.map((r: any) => r.action));
  await db.updateTable('networks').set({ shared: actions.has('access_as_shared'), router_external: actions.has('access_as_external') }).where('id', '=', networkId).execute();
}

export { checkUnshare };
