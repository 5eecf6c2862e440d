// Credentials, the EC2 view, and groups against a real database.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { dbTest } from '../../../../test/helpers/db.ts';
import { Config } from '../../../lib/config.ts';
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../lib/errors.ts';
import { migrate, type Database } from '../../../lib/db/index.ts';
import { migrations } from '../db/migrations.ts';
import { createProject } from './projects.ts';
import {
  createCredential, createEc2Credential, ec2CredentialId, getCredential, getEc2Credential, listCredentials, updateCredential,
} from './credentials.ts';
import { addUserToGroup, checkUserInGroup, createGroup, deleteGroup, listGroups, removeUserFromGroup, updateGroup } from './groups.ts';
import { createUser, listUsers } from './users.ts';

const cheap = (extra: Record<string, unknown> = {}) => new Config({ 'identity.password_hash_cost': 'cheap', ...extra });

async function setup(database: Database): Promise<Kysely<any>> {
  await migrate(database, migrations);
  await createProject(database.db, { id: 'default', name: 'Default', isDomain: true });
  return database.db;
}

dbTest('an ec2 credential is identified by the sha256 of its access key', async (database) => {
  const db = await setup(database);
  const blob = JSON.stringify({ access: 'AKIA-access', secret: 's3' });
  const c = await createCredential(db, cheap(), { userId: 'u1', projectId: 'p1', type: 'ec2', blob });
  assert.equal(c.id, createHash('sha256').update('AKIA-access').digest('hex'));
  assert.equal(c.id, ec2CredentialId('AKIA-access'));
  assert.equal(c.blob, blob, 'the blob comes back as the same string');
  await assert.rejects(createCredential(db, cheap(), { userId: 'u2', projectId: 'p1', type: 'ec2', blob }), Conflict);
  await assert.rejects(createCredential(db, cheap(), { userId: 'u1', type: 'ec2', blob: JSON.stringify({ access: 'other' }) }), /Expecting to find project_id in credential/);
  await assert.rejects(createCredential(db, cheap(), { userId: 'u1', projectId: 'p1', type: 'ec2', blob: 'not json' }), { message: 'Invalid blob in credential' });
  await assert.rejects(createCredential(db, cheap(), { userId: 'u1', projectId: 'p1', type: 'ec2', blob: '{"secret": "x"}' }), /Expecting to find access in credential/);

  // A credential made with a trust-scoped token records the trust, which can never change.
  const scoped = await createCredential(db, cheap(), { userId: 'u1', projectId: 'p1', type: 'EC2', blob: JSON.stringify({ access: 'k2', secret: 's' }) }, { trustId: 't1' });
  assert.deepEqual(JSON.parse(scoped.blob), { access: 'k2', secret: 's', trust_id: 't1' });
  await assert.rejects(updateCredential(db, scoped.id, { blob: JSON.stringify({ access: 'k2', secret: 'new' }) }), { message: 'trust_id can not be updated for credential' });
  const updated = await updateCredential(db, scoped.id, { blob: JSON.stringify({ access: 'k2', secret: 'new', trust_id: 't1' }), projectId: 'p2' });
  assert.equal(updated.projectId, 'p2');
  await assert.rejects(updateCredential(db, scoped.id, { id: 'other' }), BadRequest);

  // Other types get a random id and need no project.
  const totp = await createCredential(db, cheap(), { userId: 'u2', type: 'totp', blob: 'abc', extra: { note: 'n' } });
  assert.match(totp.id, /^[0-9a-f]{32}$/);
  assert.equal(totp.projectId, null);
  assert.deepEqual(totp.extra, { note: 'n' });
  await assert.rejects(updateCredential(db, totp.id, { type: 'ec2' }), /Expecting to find project_id/);
  assert.deepEqual((await listCredentials(db, { userId: 'u2' })).map((c) => c.id), [totp.id]);
  assert.equal((await listCredentials(db, { type: 'ec2' })).length, 1, 'the type is kept as given (EC2)');
  await assert.rejects(getCredential(db, 'nope'), { message: 'Could not find credential: nope.' });
});

dbTest('OS-EC2: random keys, found by access key, limited per user', async (database) => {
  const db = await setup(database);
  const cfg = cheap({ 'identity.credential.user_limit': 2 });
  const c = await createEc2Credential(db, cfg, 'u1', 'p1');
  assert.match(c.access, /^[0-9a-f]{32}$/);
  assert.match(c.secret!, /^[0-9a-f]{32}$/);
  assert.deepEqual({ ...c, access: 'a', secret: 's' }, { user_id: 'u1', tenant_id: 'p1', access: 'a', secret: 's', trust_id: null });
  assert.equal((await getEc2Credential(db, 'u1', c.access)).id, ec2CredentialId(c.access));
  await assert.rejects(getEc2Credential(db, 'u2', c.access), NotFound, 'another user\'s key is not found');
  await assert.rejects(getEc2Credential(db, 'u1', 'unknown'), NotFound);
  await createEc2Credential(db, cfg, 'u1', 'p1');
  await assert.rejects(createEc2Credential(db, cfg, 'u1', 'p1'), (e: Error) => e instanceof Forbidden && /maximum of 2 already exceeded/.test(e.message));
});

dbTest('groups: CRUD, membership, and revocation when members lose roles', async (database) => {
  const db = await setup(database);
  const events: unknown[] = [];
  const revoker = { revoke: async (ev: unknown) => { events.push(ev); } };
  const u = await createUser(db, cheap(), { name: 'u', domainId: 'default' });
  const g = await createGroup(db, { name: ' admins ', domainId: 'default', extra: { kind: 'x' } });
  assert.equal(g.name, 'admins');
  assert.equal(g.description, '');
  await assert.rejects(createGroup(db, { name: 'admins', domainId: 'default' }), Conflict);
  await assert.rejects(createGroup(db, { name: 'x', domainId: 'nowhere' }), { message: 'Could not find domain: nowhere.' });
  const g2 = await updateGroup(db, g.id, { description: 'People' });
  assert.deepEqual([g2.name, g2.description, g2.extra], ['admins', 'People', { kind: 'x' }]);

  await assert.rejects(checkUserInGroup(db, u.id, g.id), { message: `User '${u.id}' not found in group '${g.id}'` });
  await addUserToGroup(db, u.id, g.id);
  await addUserToGroup(db, u.id, g.id); // idempotent
  await checkUserInGroup(db, u.id, g.id);
  assert.deepEqual((await listUsers(db, { groupId: g.id })).map((x) => x.id), [u.id]);
  assert.deepEqual((await listGroups(db, { userId: u.id })).map((x) => x.id), [g.id]);
  await assert.rejects(addUserToGroup(db, 'nobody', g.id), { message: 'Could not find user: nobody.' });
  await assert.rejects(addUserToGroup(db, u.id, 'nogroup'), { message: 'Could not find group: nogroup.' });

  await removeUserFromGroup(db, u.id, g.id, revoker);
  assert.deepEqual(events, [{ userId: u.id }]);
  await assert.rejects(removeUserFromGroup(db, u.id, g.id, revoker), NotFound);

  // Deleting a group without roles leaves its members' tokens alone; with roles it revokes them.
  await addUserToGroup(db, u.id, g.id);
  await deleteGroup(db, g.id, revoker);
  assert.equal(events.length, 1);
  const g3 = await createGroup(db, { name: 'g3', domainId: 'default' });
  await addUserToGroup(db, u.id, g3.id);
  await db.insertInto('assignment').values({ type: 'GroupProject', actor_id: g3.id, target_id: 'p', role_id: 'r', inherited: 0 }).execute();
  await deleteGroup(db, g3.id, revoker);
  assert.equal(events.length, 2);
  assert.equal((await db.selectFrom('assignment').selectAll().execute()).length, 0);
  assert.equal((await db.selectFrom('user_group').selectAll().execute()).length, 0);
});
