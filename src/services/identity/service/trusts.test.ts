// Trusts against a real database: role subset checks, limits, redelegation, deletion.
import assert from 'node:assert/strict';
import { dbTest } from '../../../../test/helpers/db.ts';
import { migrate, type Database } from '../../../lib/db/index.ts';
import { migrations } from '../db/migrations.ts';
import { createProject } from './projects.ts';
import { createImpliedRole, createRole } from './roles.ts';
import { createGrant } from './assignments.ts';
import { RevocationList } from './revocations.ts';
import { consumeTrust, createTrust, deleteTrust, getTrust, listTrusts, parseExpiresAt, trustRoles, type TrustRequest } from './trusts.ts';

async function setup(database: Database) {
  await migrate(database, migrations);
  const db = database.db;
  await createProject(db, { id: 'default', name: 'Default', isDomain: true });
  for (const name of ['trustor', 'trustee', 'third']) {
    await db.insertInto('user').values({ id: name, name, domain_id: 'default', enabled: 1, created_at: new Date().toISOString() }).execute();
  }
  const project = await createProject(db, { name: 'p', domainId: 'default' });
  const delegated = await createRole(db, { name: 'delegated' });
  const kept = await createRole(db, { name: 'kept' });
  const implied = await createRole(db, { name: 'implied' });
  const domainRole = await createRole(db, { name: 'drole', domainId: 'default' });
  await createImpliedRole(db, delegated.id, implied.id);
  for (const role of [delegated, kept, domainRole]) {
    await createGrant(db, { roleId: role.id, actor: { kind: 'user', id: 'trustor' }, target: { kind: 'project', id: project.id } });
  }
  const revocations = new RevocationList(db, { tokenTtlMs: 3_600_000, onRevoke: () => {} });
  const base: TrustRequest = { trustor_user_id: 'trustor', trustee_user_id: 'trustee', impersonation: true, project_id: project.id, roles: [{ name: 'delegated' }] };
  return { db, project, delegated, kept, implied, domainRole, revocations, base };
}

dbTest('createTrust: the trustor must be the caller and hold every delegated role', async (database) => {
  const { db, project, delegated, kept, implied, domainRole, base } = await setup(database);
  const caller = { userId: 'trustor' };
  const t = await createTrust(db, base, caller);
  assert.deepEqual(t.roles, [{ id: delegated.id }]);
  assert.equal(t.project_id, project.id);
  assert.equal(t.redelegation_count, 0);
  assert.equal(t.remaining_uses, null);

  // Implied roles the trustor holds and domain roles may be delegated too.
  await createTrust(db, { ...base, roles: [{ id: implied.id }, { id: domainRole.id }] }, caller);
  await assert.rejects(createTrust(db, base, { userId: 'trustee' }), { status: 403, message: 'You are not authorized to perform the requested action: The authenticated user should match the trustor.' });
  await assert.rejects(createTrust(db, { ...base, roles: [] }, caller), { status: 403 });
  await assert.rejects(createTrust(db, { ...base, roles: [{ name: 'nope' }] }, caller), { status: 404, message: 'Role nope is not defined' });
  await assert.rejects(createTrust(db, { ...base, trustee_user_id: 'ghost' }, caller), { status: 404, message: 'Could not find user: ghost.' });
  const foreign = await createRole(db, { name: 'foreign' });
  await assert.rejects(createTrust(db, { ...base, roles: [{ id: foreign.id }] }, caller), { status: 404, message: `Could not find role: ${foreign.id}.` });
  await assert.rejects(createTrust(db, { ...base, roles: [{ id: delegated.id }, { id: foreign.id }] }, caller), { status: 404 });
  // Without a project there is nothing to delegate.
  await assert.rejects(createTrust(db, { ...base, project_id: null }, caller), { status: 404 });
  const bare = await createTrust(db, { ...base, project_id: null, roles: [] }, caller);
  assert.deepEqual(bare.roles, []);
  await assert.rejects(createTrust(db, { ...base, remaining_uses: 2, allow_redelegation: true }, caller), { status: 400 });
  assert.equal((await listTrusts(db, { trustorUserId: 'trustor' })).length, 3);
  assert.equal((await listTrusts(db, { trusteeUserId: 'trustor' })).length, 0);
  void kept;
});

dbTest('trusts: expiry, uses, deletion, token roles', async (database) => {
  const { db, delegated, implied, revocations, base, project } = await setup(database);
  const caller = { userId: 'trustor' };
  assert.throws(() => parseExpiresAt('bad.123Z'), { status: 400 });
  assert.throws(() => parseExpiresAt('2000-01-01T00:00:00Z'), { status: 400, message: /must not be before now/ });
  assert.equal(parseExpiresAt('2999-02-27T18:30:59.999999Z').toISOString(), '2999-02-27T18:30:59.999Z');
  assert.equal(parseExpiresAt('2999-02-27T18:30:59').toISOString(), '2999-02-27T18:30:59.000Z');

  const limited = await createTrust(db, { ...base, remaining_uses: 2, expires_at: '2999-01-01T00:00:00Z' }, caller);
  assert.equal(limited.expires_at, '2999-01-01T00:00:00.000Z');
  await consumeTrust(db, limited.id);
  assert.equal((await getTrust(db, limited.id)).remaining_uses, 1);
  await consumeTrust(db, limited.id);
  await assert.rejects(getTrust(db, limited.id), { status: 404, message: `Could not find trust: ${limited.id}.` });
  await assert.rejects(consumeTrust(db, limited.id), { status: 404 });

  const expired = await createTrust(db, base, caller);
  await db.updateTable('trust').set({ expires_at: '2001-01-01T00:00:00.000Z' }).where('id', '=', expired.id).execute();
  await assert.rejects(getTrust(db, expired.id), { status: 404 });
  await assert.rejects(consumeTrust(db, expired.id), { status: 404 });

  const t = await createTrust(db, base, caller);
  assert.deepEqual((await trustRoles(db, t)).map((r) => r.name).sort(), ['delegated', 'implied']);
  // The trustor losing the role makes the trust useless.
  await db.deleteFrom('assignment').where('role_id', '=', delegated.id).execute();
  await assert.rejects(trustRoles(db, t), { status: 403 });
  await createGrant(db, { roleId: delegated.id, actor: { kind: 'user', id: 'trustor' }, target: { kind: 'project', id: project.id } });

  await deleteTrust(db, revocations, t.id);
  await assert.rejects(getTrust(db, t.id), { status: 404 });
  await assert.rejects(deleteTrust(db, revocations, t.id), { status: 404 });
  const ev = await db.selectFrom('revocation_event').selectAll().execute();
  assert.deepEqual(ev.map((e) => e.trust_id), [t.id]);
  assert.ok(!(await listTrusts(db)).some((x) => x.id === t.id));
  void implied;
});

dbTest('trusts: redelegation keeps within the parent trust and its depth', async (database) => {
  const { db, kept, base, revocations } = await setup(database);
  const root = await createTrust(db, { ...base, allow_redelegation: true, expires_at: '2999-01-01T00:00:00Z' }, { userId: 'trustor' });
  assert.equal(root.redelegation_count, 3);
  // The trustee, with a token from `root` and impersonating the trustor, redelegates to a third user.
  const viaRoot = { userId: 'trustor', trustId: root.id };
  const child = await createTrust(db, { ...base, trustee_user_id: 'third', allow_redelegation: true }, viaRoot);
  assert.equal(child.redelegated_trust_id, root.id);
  assert.equal(child.redelegation_count, 2);
  assert.equal(child.expires_at, root.expires_at);
  await getTrust(db, child.id);
  await assert.rejects(createTrust(db, { ...base, roles: [{ id: kept.id }] }, viaRoot), { status: 403 });
  await assert.rejects(createTrust(db, { ...base, expires_at: '2999-06-01T00:00:00Z' }, viaRoot), { status: 403 });
  await assert.rejects(createTrust(db, { ...base, allow_redelegation: true, redelegation_count: 1 }, viaRoot), { status: 403 });
  await assert.rejects(createTrust(db, { ...base, allow_redelegation: true, redelegation_count: 9 }, { userId: 'trustor' }), { status: 403 });
  // A trust that does not allow redelegation cannot be redelegated from.
  const flat = await createTrust(db, base, { userId: 'trustor' });
  await assert.rejects(createTrust(db, base, { userId: 'trustor', trustId: flat.id }), { status: 403 });
  // Deleting the root takes the chain with it.
  await deleteTrust(db, revocations, root.id);
  await assert.rejects(getTrust(db, child.id), { status: 404 });
});
