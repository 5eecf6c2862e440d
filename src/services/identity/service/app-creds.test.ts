// Application credentials and access rules against a real database.
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { dbTest } from '../../../../test/helpers/db.ts';
import { Config } from '../../../lib/config.ts';
import { BadRequest, Conflict, Forbidden, NotFound, Unauthorized } from '../../../lib/errors.ts';
import { migrate, type Database } from '../../../lib/db/index.ts';
import type { Clock } from '../../../lib/clock.ts';
import { migrations } from '../db/migrations.ts';
import { createProject, updateProject } from './projects.ts';
import { createUser, updateUser } from './users.ts';
import { authenticateAppCred, createAppCred, deleteAppCred, getAppCred, listAppCreds, parseExpiresAt } from './app-creds.ts';
import { deleteAccessRule, getAccessRule, listAccessRules } from './access-rules.ts';

const cfg = new Config({ 'identity.password_hash_cost': 'cheap' });
const GENERIC = 'The request you have made requires authentication.';

interface World { db: Kysely<any>; userId: string; projectId: string; roles: Record<string, string> }

async function world(database: Database): Promise<World> {
  await migrate(database, migrations);
  const db = database.db;
  await createProject(db, { id: 'default', name: 'Default', isDomain: true });
  const project = await createProject(db, { name: 'p', domainId: 'default' });
  const user = await createUser(db, cfg, { name: 'owner', domainId: 'default', password: 'pw' });
  const roles: Record<string, string> = {};
  for (const name of ['admin', 'member', 'reader']) {
    roles[name] = `role-${name}`;
    await db.insertInto('role').values({ id: roles[name], name, domain_id: '' }).execute();
  }
  return { db, userId: user.id, projectId: project.id, roles };
}

dbTest('roles: the token\'s by default, a subset by id or name, never twice', async (database) => {
  const { db, userId, projectId, roles } = await world(database);
  const base = { userId, projectId, name: 'a' };
  // Token roles can hold a role twice (assigned directly and implied): stored once.
  const tokenRoles = [roles.member!, roles.reader!, roles.reader!];
  const all = await createAppCred(db, cfg, base, tokenRoles);
  assert.deepEqual(all.roles.map((r) => r.id), [roles.member, roles.reader]);
  assert.deepEqual(all.roles[0], { id: roles.member, name: 'member', domain_id: null });

  const some = await createAppCred(db, cfg, { ...base, name: 'b', roles: [{ id: roles.reader }, { name: 'reader' }, { name: 'member' }] }, tokenRoles);
  assert.deepEqual(some.roles.map((r) => r.name), ['reader', 'member']);

  await assert.rejects(createAppCred(db, cfg, { ...base, name: 'c', roles: [{ id: roles.admin }] }, tokenRoles),
    (e: Error) => e instanceof BadRequest && e.message === 'Invalid application credential: Cannot create an application credential with unassigned role');
  await assert.rejects(createAppCred(db, cfg, { ...base, name: 'c', roles: [{ name: 'nope' }] }, tokenRoles), (e: Error) => e instanceof NotFound && e.message === 'Could not find role: nope.');
  await assert.rejects(createAppCred(db, cfg, base, tokenRoles), (e: Error) => e instanceof Conflict && /Duplicate entry found with name a\./.test(e.message));
});

dbTest('the secret is generated when absent, returned once, and stored hashed', async (database) => {
  const { db, userId, projectId, roles } = await world(database);
  const ac = await createAppCred(db, cfg, { userId, projectId, name: 'gen' }, [roles.member!]);
  assert.match(ac.secret, /^[A-Za-z0-9_-]{86}$/, '64 random bytes, url-safe base64');
  const row = await db.selectFrom('application_credential').selectAll().where('id', '=', ac.id).executeTakeFirstOrThrow();
  assert.match(row.secret_hash, /^\$scrypt\$/);
  assert.ok(!row.secret_hash.includes(ac.secret));
  assert.equal('secret' in (await getAppCred(db, ac.id)), false);
  const own = await createAppCred(db, cfg, { userId, projectId, name: 'own', secret: 'my-secret' }, [roles.member!]);
  assert.equal(own.secret, 'my-secret');
});

dbTest('authentication: by id or by name and user; every failure is the same 401', async (database) => {
  const { db, userId, projectId, roles } = await world(database);
  let now = Date.parse('2026-03-01T00:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  const ac = await createAppCred(db, cfg, { userId, projectId, name: 'ci', secret: 's3cret', expiresAt: '2026-03-02T00:00:00.123456' }, [roles.member!], clock);
  assert.equal(ac.expires_at, '2026-03-02T00:00:00.123456Z', 'kept to the microsecond');

  const ok = await authenticateAppCred(db, { id: ac.id, secret: 's3cret' }, undefined, clock);
  assert.deepEqual([ok.user_id, ok.project_id, ok.roles.map((r) => r.id), ok.unrestricted], [userId, projectId, [roles.member], false]);
  assert.equal((await authenticateAppCred(db, { name: 'ci', secret: 's3cret', user: { id: userId } }, undefined, clock)).id, ac.id);
  assert.equal((await authenticateAppCred(db, { name: 'ci', user: { name: 'owner', domain: { name: 'Default' } } }, 's3cret', clock)).id, ac.id);

  const other = await createUser(db, cfg, { name: 'other', domainId: 'default' });
  const failures: Array<[string, () => Promise<unknown>]> = [
    ['unknown id', () => authenticateAppCred(db, { id: 'nope', secret: 's3cret' }, undefined, clock)],
    ['wrong secret', () => authenticateAppCred(db, { id: ac.id, secret: 'wrong' }, undefined, clock)],
    ['no secret', () => authenticateAppCred(db, { id: ac.id }, undefined, clock)],
    ['unknown name', () => authenticateAppCred(db, { name: 'nope', secret: 's3cret', user: { id: userId } }, undefined, clock)],
    ['someone else\'s name', () => authenticateAppCred(db, { name: 'ci', secret: 's3cret', user: { id: other.id } }, undefined, clock)],
    ['id with another user', () => authenticateAppCred(db, { id: ac.id, secret: 's3cret', user: { id: other.id } }, undefined, clock)],
    ['unknown user', () => authenticateAppCred(db, { name: 'ci', secret: 's3cret', user: { id: 'nobody' } }, undefined, clock)],
  ];
  const expectGeneric = async (what: string, attempt: () => Promise<unknown>) => {
    await assert.rejects(attempt(), (e: Error) => { assert.ok(e instanceof Unauthorized, what); assert.equal(e.message, GENERIC, what); return true; });
  };
  for (const [what, attempt] of failures) await expectGeneric(what, attempt);
  await assert.rejects(authenticateAppCred(db, { secret: 's3cret' }), /Expecting to find id or name in application credential/);
  await assert.rejects(authenticateAppCred(db, { name: 'ci', secret: 's3cret' }), /Expecting to find user in application_credential/);

  await updateUser(db, cfg, userId, { enabled: false });
  await expectGeneric('disabled user', () => authenticateAppCred(db, { id: ac.id, secret: 's3cret' }, undefined, clock));
  await updateUser(db, cfg, userId, { enabled: true });
  await updateProject(db, 'default', 'domain', { enabled: false });
  await expectGeneric('disabled domain', () => authenticateAppCred(db, { id: ac.id, secret: 's3cret' }, undefined, clock));
  await updateProject(db, 'default', 'domain', { enabled: true });
  now = Date.parse('2026-03-02T00:00:01Z');
  await expectGeneric('expired', () => authenticateAppCred(db, { id: ac.id, secret: 's3cret' }, undefined, clock));
});

dbTest('expires_at must be a timestamp in the future', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  assert.equal(parseExpiresAt('2026-03-01T10:00:00', now), '2026-03-01T10:00:00.000000Z');
  assert.equal(parseExpiresAt('2026-03-01T12:00:00.5+02:00', now), '2026-03-01T10:00:00.500000Z');
  assert.throws(() => parseExpiresAt('2026-02-01T00:00:00Z', now), /must not be before now/);
  assert.throws(() => parseExpiresAt('soon', now), /Timestamp not in expected format/);
  return Promise.resolve();
});

dbTest('access rules are shared by triple, listed, and cannot be deleted while in use', async (database) => {
  const { db, userId, projectId, roles } = await world(database);
  const rule = { service: 'compute', path: '/v2.1/servers/*/ips', method: 'GET' };
  const a = await createAppCred(db, cfg, { userId, projectId, name: 'a', accessRules: [rule] }, [roles.member!]);
  const ruleId = a.access_rules![0]!.id;
  assert.deepEqual(a.access_rules, [{ id: ruleId, ...rule }]);
  const b = await createAppCred(db, cfg, { userId, projectId, name: 'b', accessRules: [{ id: ruleId }, rule] }, [roles.member!]);
  assert.deepEqual(b.access_rules!.map((r) => r.id), [ruleId], 'the same triple is the same rule');
  assert.equal((await listAccessRules(db, userId)).length, 1);
  assert.deepEqual(await listAccessRules(db, userId, { service: 'image' }), []);
  assert.deepEqual(await getAccessRule(db, userId, ruleId), { id: ruleId, ...rule });
  await assert.rejects(getAccessRule(db, 'someone-else', ruleId), { message: `Could not find Access Rule: ${ruleId}.` });
  assert.equal((await createAppCred(db, cfg, { userId, projectId, name: 'c' }, [roles.member!])).access_rules, null);

  await assert.rejects(deleteAccessRule(db, userId, ruleId), (e: Error) => e instanceof Forbidden && e.message === 'May not delete access rule in use');
  const events: unknown[] = [];
  await deleteAppCred(db, a.id, { revoke: async (ev) => { events.push(ev); } });
  assert.deepEqual(events, [{ consumerId: a.id }], 'tokens of the credential are revoked');
  await deleteAppCred(db, b.id);
  await assert.rejects(deleteAppCred(db, b.id), NotFound);
  await deleteAccessRule(db, userId, ruleId);
  assert.deepEqual(await listAccessRules(db, userId), []);
  assert.deepEqual((await listAppCreds(db, userId)).map((c) => c.name), ['c']);
  assert.deepEqual((await listAppCreds(db, userId, { name: 'zzz' })), []);
});
