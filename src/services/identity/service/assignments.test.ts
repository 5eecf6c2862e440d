// effectiveRoles and role assignment listing against a real database.
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { dbTest } from '../../../../test/helpers/db.ts';
import { migrate, type Database } from '../../../lib/db/index.ts';
import { migrations } from '../db/migrations.ts';
import { createProject } from './projects.ts';
import { createImpliedRole, createRole, deleteRole } from './roles.ts';
import {
  checkGrant, createGrant, deleteGrant, domainsForUser, effectiveRoles, listGrants, listRoleAssignments, projectsForUser, type Grant,
} from './assignments.ts';
import { RevocationList, type RevocationEvent } from './revocations.ts';

interface World {
  db: Kysely<any>;
  revocations: RevocationList;
  events: () => Promise<RevocationEvent[]>;
  user(name: string, domainId?: string): Promise<string>;
  group(name: string, members: string[], domainId?: string): Promise<string>;
}

async function world(database: Database): Promise<World> {
  await migrate(database, migrations);
  const db = database.db;
  await createProject(db, { id: 'default', name: 'Default', isDomain: true });
  const revocations = new RevocationList(db, { tokenTtlMs: 3_600_000, onRevoke: () => {} });
  return {
    db, revocations,
    events: async () => (await db.selectFrom('revocation_event').selectAll().execute()).map((r) => ({
      userId: r.user_id ?? undefined, projectId: r.project_id ?? undefined, domainId: r.domain_id ?? undefined, roleId: r.role_id ?? undefined, issuedBefore: new Date(r.issued_before),
    })),
    user: async (name, domainId = 'default') => {
      await db.insertInto('user').values({ id: `u-${name}`, name, domain_id: domainId, enabled: 1, created_at: new Date().toISOString() }).execute();
      return `u-${name}`;
    },
    group: async (name, members, domainId = 'default') => {
      await db.insertInto('group').values({ id: `g-${name}`, name, domain_id: domainId }).execute();
      for (const m of members) await db.insertInto('user_group').values({ user_id: m, group_id: `g-${name}` }).execute();
      return `g-${name}`;
    },
  };
}

const names = (roles: Array<{ name: string }>) => roles.map((r) => r.name).sort();
const onProject = (roleId: string, userId: string, projectId: string, inherited = false): Grant =>
  ({ roleId, actor: { kind: 'user', id: userId }, target: { kind: 'project', id: projectId }, inherited });

dbTest('effectiveRoles: direct, group, inherited from the domain and down a project tree', async (database) => {
  const w = await world(database);
  const { db } = w;
  const [direct, viaGroup, fromDomain, fromParent, onTop] = await Promise.all(['direct', 'via-group', 'from-domain', 'from-parent', 'on-top'].map((name) => createRole(db, { name })));
  const top = await createProject(db, { name: 'top', domainId: 'default' });
  const mid = await createProject(db, { name: 'mid', parentId: top.id });
  const leaf = await createProject(db, { name: 'leaf', parentId: mid.id });
  const alice = await w.user('alice');
  const team = await w.group('team', [alice]);

  await createGrant(db, onProject(direct!.id, alice, leaf.id));
  await createGrant(db, { roleId: viaGroup!.id, actor: { kind: 'group', id: team }, target: { kind: 'project', id: leaf.id } });
  await createGrant(db, { roleId: fromDomain!.id, actor: { kind: 'group', id: team }, target: { kind: 'domain', id: 'default' }, inherited: true });
  await createGrant(db, onProject(fromParent!.id, alice, top.id, true));
  await createGrant(db, onProject(onTop!.id, alice, top.id));

  assert.deepEqual(names(await effectiveRoles(db, { userId: alice, projectId: leaf.id })), ['direct', 'from-domain', 'from-parent', 'via-group']);
  assert.deepEqual(names(await effectiveRoles(db, { userId: alice, projectId: mid.id })), ['from-domain', 'from-parent']);
  // An inherited grant does not apply to its own target, a direct one applies there only.
  assert.deepEqual(names(await effectiveRoles(db, { userId: alice, projectId: top.id })), ['from-domain', 'on-top']);
  // Inherited domain grants are for projects, not for the domain itself.
  assert.deepEqual(await effectiveRoles(db, { userId: alice, domainId: 'default' }), []);
  assert.deepEqual((await projectsForUser(db, alice)).sort(), [top.id, mid.id, leaf.id].sort());
  assert.deepEqual(await domainsForUser(db, alice), []);

  const stranger = await w.user('bob');
  assert.deepEqual(await effectiveRoles(db, { userId: stranger, projectId: leaf.id }), []);
  await assert.rejects(effectiveRoles(db, { userId: alice, projectId: 'nope' }), { status: 404 });
});

dbTest('effectiveRoles: implied chains, domain roles infer but never leak, system scope', async (database) => {
  const w = await world(database);
  const { db } = w;
  await createProject(db, { id: 'd2', name: 'D2', isDomain: true });
  const [admin, member, reader] = await Promise.all(['admin', 'member', 'reader'].map((name) => createRole(db, { name })));
  await createImpliedRole(db, admin!.id, member!.id);
  await createImpliedRole(db, member!.id, reader!.id);
  const operator = await createRole(db, { name: 'operator', domainId: 'default' });
  const observer = await createRole(db, { name: 'observer', domainId: 'default' });
  await createImpliedRole(db, operator.id, observer.id); // domain → domain
  await createImpliedRole(db, observer.id, reader!.id); // domain → global
  const p = await createProject(db, { name: 'p', domainId: 'default' });
  const alice = await w.user('alice');
  const bob = await w.user('bob');

  await createGrant(db, onProject(admin!.id, alice, p.id));
  assert.deepEqual(names(await effectiveRoles(db, { userId: alice, projectId: p.id })), ['admin', 'member', 'reader']);

  await createGrant(db, onProject(operator.id, bob, p.id));
  assert.deepEqual(names(await effectiveRoles(db, { userId: bob, projectId: p.id })), ['reader']);
  assert.deepEqual(names(await effectiveRoles(db, { userId: bob, projectId: p.id, keepDomainRoles: true })), ['observer', 'operator', 'reader']);
  // Listing: the domain roles are gone from the effective list, as Tempest's test_assignments_for_domain_roles expects.
  const eff = await listRoleAssignments(db, { userId: bob, projectId: p.id, effective: true });
  assert.deepEqual(eff.map((r) => r.roleId), [reader!.id]);
  assert.deepEqual(eff[0]!.indirect, { roleId: observer.id });

  // A domain role only goes on projects of its domain.
  const other = await createProject(db, { name: 'elsewhere', domainId: 'd2' });
  await assert.rejects(createGrant(db, onProject(operator.id, bob, other.id)), { status: 403, message: `Project ${other.id} must be in the same domain as the role ${operator.id} being assigned.` });
  await assert.rejects(createGrant(db, { roleId: operator.id, actor: { kind: 'user', id: bob }, target: { kind: 'system', id: 'system' } }), { status: 400 });

  const ops = await w.group('ops', [bob]);
  await createGrant(db, { roleId: member!.id, actor: { kind: 'group', id: ops }, target: { kind: 'system', id: 'system' } });
  assert.deepEqual(names(await effectiveRoles(db, { userId: bob, system: true })), ['member', 'reader']);
  assert.deepEqual(await effectiveRoles(db, { userId: alice, system: true }), []);
});

dbTest('grants: check, list, idempotent create, delete records revocations', async (database) => {
  const w = await world(database);
  const { db, revocations } = w;
  const role = await createRole(db, { name: 'r1' });
  const other = await createRole(db, { name: 'r2' });
  const p = await createProject(db, { name: 'p', domainId: 'default' });
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const team = await w.group('team', [alice, bob]);
  const g = onProject(role.id, alice, p.id);

  await createGrant(db, g);
  await createGrant(db, g);
  await checkGrant(db, g);
  assert.deepEqual((await listGrants(db, g.actor, g.target)).map((r) => r.id), [role.id]);
  assert.deepEqual(await listGrants(db, g.actor, g.target, true), []);
  await assert.rejects(checkGrant(db, { ...g, inherited: true }), { status: 404, message: `Could not find role assignment with role: ${role.id}, user or group: ${alice}, project, domain, or system: ${p.id}.` });
  await assert.rejects(checkGrant(db, { ...g, roleId: 'missing' }), { status: 404, message: 'Could not find role: missing.' });
  await assert.rejects(createGrant(db, { ...g, target: { kind: 'project', id: 'nope' } }), { status: 404 });

  await deleteGrant(db, revocations, g);
  await assert.rejects(checkGrant(db, g), { status: 404 });
  await assert.rejects(deleteGrant(db, revocations, g), { status: 404 });
  let events = await w.events();
  assert.equal(events.length, 1);
  assert.deepEqual({ ...events[0], issuedBefore: undefined }, { userId: alice, projectId: p.id, domainId: undefined, roleId: role.id, issuedBefore: undefined });

  // Group grant removal: one event per member who no longer holds the role there.
  await createGrant(db, onProject(other.id, bob, p.id));
  const gg: Grant = { roleId: other.id, actor: { kind: 'group', id: team }, target: { kind: 'project', id: p.id } };
  await createGrant(db, gg);
  await deleteGrant(db, revocations, gg);
  events = await w.events();
  assert.deepEqual(events.slice(1).map((e) => e.userId), [alice]);

  // Deleting a role removes its grants.
  await deleteRole(db, other.id);
  assert.deepEqual(await effectiveRoles(db, { userId: bob, projectId: p.id }), []);
});

dbTest('listRoleAssignments: filters, direct vs effective, subtree', async (database) => {
  const w = await world(database);
  const { db } = w;
  const [r1, r2, r3] = await Promise.all(['r1', 'r2', 'r3'].map((name) => createRole(db, { name })));
  await createImpliedRole(db, r1!.id, r3!.id);
  const top = await createProject(db, { name: 'top', domainId: 'default' });
  const leaf = await createProject(db, { name: 'leaf', parentId: top.id });
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const team = await w.group('team', [alice, bob]);
  await createGrant(db, onProject(r1!.id, alice, top.id));
  await createGrant(db, { roleId: r2!.id, actor: { kind: 'group', id: team }, target: { kind: 'project', id: top.id }, inherited: true });
  await createGrant(db, { roleId: r2!.id, actor: { kind: 'user', id: bob }, target: { kind: 'domain', id: 'default' } });
  await createGrant(db, { roleId: r2!.id, actor: { kind: 'user', id: bob }, target: { kind: 'system', id: 'system' } });

  const direct = await listRoleAssignments(db, {});
  assert.equal(direct.length, 4);
  assert.deepEqual((await listRoleAssignments(db, { userId: bob })).map((r) => (r.system ? 'system' : r.domainId ? 'domain' : 'project')).sort(), ['domain', 'system']);
  assert.deepEqual((await listRoleAssignments(db, { system: true })).map((r) => r.userId), [bob]);
  assert.deepEqual((await listRoleAssignments(db, { groupId: team })).map((r) => r.inherited), [true]);
  assert.deepEqual((await listRoleAssignments(db, { projectId: top.id, inherited: false })).map((r) => r.roleId), [r1!.id]);
  assert.deepEqual((await listRoleAssignments(db, { projectId: top.id, inherited: true })).map((r) => r.roleId), [r2!.id]);
  assert.deepEqual(await listRoleAssignments(db, { projectId: leaf.id }), []);
  assert.equal((await listRoleAssignments(db, { projectId: top.id, includeSubtree: true })).length, 2);
  assert.deepEqual((await listRoleAssignments(db, { roleId: r1!.id })).map((r) => r.userId), [alice]);

  // Effective on the leaf: the group's inherited grant, expanded to both members.
  const effLeaf = await listRoleAssignments(db, { projectId: leaf.id, effective: true });
  assert.deepEqual(effLeaf.map((r) => [r.userId, r.roleId, r.indirect]).sort(), [
    [alice, r2!.id, { groupId: team, projectId: top.id }],
    [bob, r2!.id, { groupId: team, projectId: top.id }],
  ].sort());
  // Effective on top with the subtree: alice's r1 (and implied r3) on top, the inherited r2 on leaf only.
  const effTree = await listRoleAssignments(db, { projectId: top.id, includeSubtree: true, effective: true, userId: alice });
  assert.deepEqual(effTree.map((r) => `${r.projectId === top.id ? 'top' : 'leaf'}:${r.roleId}`).sort(), [`leaf:${r2!.id}`, `top:${r1!.id}`, `top:${r3!.id}`].sort());
  // Effective lists leave system grants out, as Keystone's do; role filter applies after expansion.
  assert.deepEqual((await listRoleAssignments(db, { userId: bob, effective: true })).map((r) => r.domainId ?? r.projectId).sort(), ['default', leaf.id].sort());
  assert.deepEqual((await listRoleAssignments(db, { userId: alice, effective: true, roleId: r3!.id })).map((r) => r.indirect), [{ roleId: r1!.id }]);
  assert.deepEqual(await listRoleAssignments(db, { groupId: team, effective: true }), []);
});
