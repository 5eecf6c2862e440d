// Security groups: one `default` group per project, made on first use with Neutron's four
// default rules (egress anywhere, ingress from members of the group, both IP versions).
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { conflict, securityGroupNotFound } from '../errors.ts';
import type { Caller } from './caller.ts';
import { checkQuota } from './quotas.ts';
import { insertRule, renderRule, ruleKey, rulesOf } from './sg-rules.ts';
import { bool, bump, newStd, ownerAttrs, stdAttrs, tagsOf, type Db, type Row } from './std.ts';
import type { Net } from './net.ts';
import { dropTags } from './tags.ts';

export const defaultSgInUse = () => conflict('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');

async function insertGroup(db: Db, projectId: string, name: string, description: string, stateful: boolean): Promise<string> {
  const id = uuid();
  await db.insertInto('security_groups').values({ id, project_id: projectId, name, stateful, ...newStd(description) }).execute();
  return id;
}

async function defaultRules(db: Db, sgId: string, projectId: string, isDefault: boolean): Promise<void> {
  const rules = [
    { direction: 'egress', ethertype: 'IPv4', remote_group_id: null },
    { direction: 'egress', ethertype: 'IPv6', remote_group_id: null },
    ...(isDefault ? [
      { direction: 'ingress', ethertype: 'IPv4', remote_group_id: sgId },
      { direction: 'ingress', ethertype: 'IPv6', remote_group_id: sgId },
    ] : []),
  ];
  for (const r of rules) {
    const rule = { security_group_id: sgId, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, ...r };
    await insertRule(db, { ...rule, project_id: projectId, description: '', rule_key: ruleKey(rule) });
  }
}

/** The project's default group, created if missing (races resolved by the table's key). */
export async function ensureDefaultSecurityGroup(db: Db, projectId: string): Promise<string> {
  if (!projectId) return '';
  const existing = await db.selectFrom('default_security_groups').select('security_group_id').where('project_id', '=', projectId).executeTakeFirst();
  if (existing) return existing.security_group_id;
  return inTransaction(db, async (trx) => {
    const again = await trx.selectFrom('default_security_groups').select('security_group_id').where('project_id', '=', projectId).executeTakeFirst();
    if (again) return again.security_group_id;
    const id = await insertGroup(trx, projectId, 'default', 'Default security group', true);
    await defaultRules(trx, id, projectId, true);
    const res = await trx.insertInto('default_security_groups').values({ project_id: projectId, security_group_id: id }).onConflict((oc: any) => oc.doNothing()).executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) return id;
    await trx.deleteFrom('security_groups').where('id', '=', id).execute();
    const winner = await trx.selectFrom('default_security_groups').select('security_group_id').where('project_id', '=', projectId).executeTakeFirstOrThrow();
    return winner.security_group_id;
  });
}

export async function isDefaultGroup(db: Db, id: string): Promise<boolean> {
  return !!await db.selectFrom('default_security_groups').select('project_id').where('security_group_id', '=', id).executeTakeFirst();
}

export async function renderGroups(db: Db, rows: Row[]) {
  const ids = rows.map((r) => r.id);
  const rules = await rulesOf(db, ids);
  const tags = await tagsOf(db, ids);
  return rows.map((r) => ({
    id: r.id, name: r.name, ...ownerAttrs(r.project_id), stateful: bool(r.stateful),
    security_group_rules: (rules.get(r.id) ?? []).map(renderRule), ...stdAttrs(r, tags.get(r.id)),
  }));
}

export async function listGroups(net: Net, caller: Caller, projectFilter?: unknown[]) {
  const ensureFor = (projectFilter?.length === 1 ? String(projectFilter[0]) : undefined) ?? caller.projectId;
  if (ensureFor && (caller.isAdmin || ensureFor === caller.projectId)) await ensureDefaultSecurityGroup(net.db, ensureFor);
  let q = net.db.selectFrom('security_groups').selectAll();
  if (!caller.isAdmin) q = q.where('project_id', '=', caller.projectId ?? '');
  else if (projectFilter?.length) q = q.where('project_id', 'in', projectFilter.map(String));
  return renderGroups(net.db, await q.execute());
}

export async function groupRow(db: Db, caller: Caller, id: string): Promise<Row> {
  const r = await db.selectFrom('security_groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || (!caller.isAdmin && r.project_id !== caller.projectId)) throw securityGroupNotFound(id);
  return r;
}

export async function createGroups(net: Net, caller: Caller, items: Array<{ project_id: string; name: string; description: string; stateful: boolean }>) {
  const ids = await inTransaction(net.db, async (trx) => {
    const out: string[] = [];
    for (const it of items) {
      if (it.name.toLowerCase() === 'default') throw defaultSgInUse();
      await ensureDefaultSecurityGroup(trx, it.project_id);
      await checkQuota(net, trx, it.project_id, 'security_group');
      await checkQuota(net, trx, it.project_id, 'security_group_rule', 2);
      const id = await insertGroup(trx, it.project_id, it.name, it.description, it.stateful);
      await defaultRules(trx, id, it.project_id, false);
      out.push(id);
    }
    return out;
  });
  const rows = await net.db.selectFrom('security_groups').selectAll().where('id', 'in', ids).execute();
  const byId = new Map((await renderGroups(net.db, rows)).map((g) => [g.id, g]));
  return ids.map((id) => byId.get(id)!);
}

export async function updateGroup(net: Net, row: Row, changes: Record<string, unknown>, ifMatch?: number) {
  await inTransaction(net.db, async (trx) => {
    const isDefault = await isDefaultGroup(trx, row.id);
    if (changes.name !== undefined && changes.name !== row.name) {
      if (isDefault) throw conflict('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
      if (String(changes.name).toLowerCase() === 'default') throw defaultSgInUse();
    }
    if (changes.stateful !== undefined && changes.stateful !== bool(row.stateful)) {
      const used = await trx.selectFrom('port_security_groups').select('port_id').where('security_group_id', '=', row.id).executeTakeFirst();
      if (used) throw conflict('SecurityGroupInUse', `Security Group ${row.id} in use.`);
    }
    const set: Row = {};
    for (const k of ['name', 'description', 'stateful']) if (changes[k] !== undefined) set[k] = changes[k];
    if (await bump(trx, 'security_groups', row.id, ifMatch, set) === undefined) throw securityGroupNotFound(row.id);
  });
  net.agents.securityGroupRulesChanged([row.id]);
  const fresh = await net.db.selectFrom('security_groups').selectAll().where('id', '=', row.id).execute();
  return (await renderGroups(net.db, fresh))[0]!;
}

export async function deleteGroup(net: Net, caller: Caller, row: Row, ifMatch?: number): Promise<void> {
  const referencing = await inTransaction(net.db, async (trx) => {
    if (await isDefaultGroup(trx, row.id) && !caller.isAdmin) throw conflict('SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
    const used = await trx.selectFrom('port_security_groups').select('port_id').where('security_group_id', '=', row.id).executeTakeFirst();
    if (used) throw conflict('SecurityGroupInUse', `Security Group ${row.id} in use.`);
    if (ifMatch !== undefined) await bump(trx, 'security_groups', row.id, ifMatch);
    // Groups whose rules admit this one's members change too (those rules go with it).
    const refs = await trx.selectFrom('security_group_rules').select('security_group_id').distinct().where('remote_group_id', '=', row.id).execute();
    await trx.deleteFrom('security_groups').where('id', '=', row.id).execute();
    await dropTags(trx, row.id);
    return refs.map((r: any) => r.security_group_id as string).filter((id: string) => id !== row.id);
  });
  if (referencing.length) net.agents.securityGroupRulesChanged(referencing);
}
