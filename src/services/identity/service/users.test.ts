// Users against a real database: CRUD, password authentication failure modes, lockout,
// history, expiry, minimum age, filters, and the projects a user reaches.
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { dbTest } from '../../../../test/helpers/db.ts';
import { Config } from '../../../lib/config.ts';
import { BadRequest, Conflict, NotFound, Unauthorized } from '../../../lib/errors.ts';
import { migrate, type Database } from '../../../lib/db/index.ts';
import type { Clock } from '../../../lib/clock.ts';
import { migrations } from '../db/migrations.ts';
import { createProject, updateProject } from './projects.ts';
import {
  authenticatePassword, changePassword, createUser, deleteUser, getUser, listUserProjectIds, listUsers, parseTimeFilter, updateUser,
} from './users.ts';
import type { RevocationEvent } from './revocations.ts';

const GENERIC = 'The request you have made requires authentication.';
const DAY = 86_400_000;

function config(extra: Record<string, unknown> = {}): Config {
  return new Config({ 'identity.password_hash_cost': 'cheap', ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`identity.security_compliance.${k}`, v])) });
}

/** A clock the test moves. */
function testClock(start = Date.parse('2026-01-10T12:00:00Z')): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => { t += ms; } };
}

function revoker() {
  const events: Array<Partial<RevocationEvent>> = [];
  return { events, revoke: async (ev: Partial<RevocationEvent>) => { events.push(ev); } };
}

async function setup(database: Database): Promise<Kysely<any>> {
  await migrate(database, migrations);
  await createProject(database.db, { id: 'default', name: 'Default', isDomain: true });
  return database.db;
}

async function rejectsWith(p: Promise<unknown>, type: new (...a: any[]) => Error, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err.constructor.name}: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message); else assert.match(err.message, message);
    return true;
  });
}

dbTest('creates, reads, updates and deletes users as Keystone shows them', async (database) => {
  const db = await setup(database);
  const project = await createProject(db, { name: 'p1', domainId: 'default' });
  const u = await createUser(db, config(), { name: '  alice ', domainId: 'default', password: 'pw', defaultProjectId: project.id, extra: { email: 'a@x.org', description: 'A' } });
  assert.equal(u.name, 'alice', 'names are stripped');
  assert.deepEqual({ ...u, id: 'x' }, {
    id: 'x', name: 'alice', domainId: 'default', enabled: true, defaultProjectId: project.id, passwordExpiresAt: null, options: {},
    extra: { email: 'a@x.org', description: 'A' },
  });
  await rejectsWith(createUser(db, config(), { name: 'alice', domainId: 'default' }), Conflict,
    'Conflict occurred attempting to store user - Duplicate entry found with name alice at domain ID default.');
  await rejectsWith(createUser(db, config(), { name: 'bob', domainId: 'nowhere' }), NotFound, 'Could not find domain: nowhere.');
  await rejectsWith(createUser(db, config(), { name: 'bob', domainId: 'default', defaultProjectId: 'default' }), BadRequest, "User's default project ID cannot be a domain ID: default");

  const rev = revoker();
  const v = await updateUser(db, config(), u.id, { name: 'alice2', extra: { email: 'b@x.org', project_id: 'p' }, options: { ignore_password_expiry: true } }, rev);
  assert.equal(v.name, 'alice2');
  assert.deepEqual(v.extra, { email: 'b@x.org', description: 'A', project_id: 'p' });
  assert.deepEqual(v.options, { ignore_password_expiry: true });
  assert.equal(rev.events.length, 0, 'a rename revokes nothing');
  assert.deepEqual((await updateUser(db, config(), u.id, { options: { ignore_password_expiry: null } })).options, {}, 'null removes an option');
  await rejectsWith(updateUser(db, config(), u.id, { domainId: 'other' }), BadRequest, 'Cannot change Domain ID');
  await updateUser(db, config(), u.id, { enabled: false }, rev);
  assert.deepEqual(rev.events, [{ userId: u.id }], 'disabling revokes the user\'s tokens');

  await db.insertInto('credential').values({ id: 'c1', user_id: u.id, type: 'totp', blob: 'x' }).execute();
  await db.insertInto('assignment').values({ type: 'UserProject', actor_id: u.id, target_id: project.id, role_id: 'r', inherited: 0 }).execute();
  await deleteUser(db, u.id, rev);
  await rejectsWith(getUser(db, u.id), NotFound, `Could not find user: ${u.id}.`);
  assert.equal((await db.selectFrom('credential').selectAll().execute()).length, 0);
  assert.equal((await db.selectFrom('assignment').selectAll().execute()).length, 0);
  assert.deepEqual(rev.events.at(-1), { userId: u.id });
});

dbTest('every password authentication failure looks the same', async (database) => {
  const db = await setup(database);
  const cfg = config();
  const u = await createUser(db, cfg, { name: 'carol', domainId: 'default', password: 'right' });
  const off = await createUser(db, cfg, { name: 'dave', domainId: 'default', password: 'right', enabled: false });
  await createProject(db, { id: 'd2', name: 'D2', isDomain: true, enabled: true });
  const inD2 = await createUser(db, cfg, { name: 'erin', domainId: 'd2', password: 'right' });
  await updateProject(db, 'd2', 'domain', { enabled: false });
  const nopw = await createUser(db, cfg, { name: 'frank', domainId: 'default' });

  assert.equal((await authenticatePassword(db, cfg, { userId: u.id }, 'right')).id, u.id);
  assert.equal((await authenticatePassword(db, cfg, { name: 'carol', domainId: 'default' }, 'right')).id, u.id);
  assert.equal((await authenticatePassword(db, cfg, { name: 'carol', domainName: 'Default' }, 'right')).id, u.id);

  const failures: Array<[string, () => Promise<unknown>]> = [
    ['unknown user id', () => authenticatePassword(db, cfg, { userId: 'nobody' }, 'right')],
    ['unknown user name', () => authenticatePassword(db, cfg, { name: 'nobody', domainId: 'default' }, 'right')],
    ['unknown domain', () => authenticatePassword(db, cfg, { name: 'carol', domainId: 'nowhere' }, 'right')],
    ['wrong password', () => authenticatePassword(db, cfg, { userId: u.id }, 'wrong')],
    ['empty password', () => authenticatePassword(db, cfg, { userId: u.id }, '')],
    ['disabled user, right password', () => authenticatePassword(db, cfg, { userId: off.id }, 'right')],
    ['disabled user, wrong password', () => authenticatePassword(db, cfg, { userId: off.id }, 'wrong')],
    ['disabled domain', () => authenticatePassword(db, cfg, { userId: inD2.id }, 'right')],
    ['user without a password', () => authenticatePassword(db, cfg, { userId: nopw.id }, '')],
  ];
  for (const [what, attempt] of failures) {
    await assert.rejects(attempt(), (err: Error) => {
      assert.ok(err instanceof Unauthorized, what);
      assert.equal(err.message, GENERIC, what);
      return true;
    });
  }
});

dbTest('lockout after failed attempts, until the lockout runs out', async (database) => {
  const db = await setup(database);
  const cfg = config({ lockout_failure_attempts: 2, lockout_duration: 60 });
  const clock = testClock();
  const u = await createUser(db, cfg, { name: 'gina', domainId: 'default', password: 'right' });
  const auth = (pw: string) => authenticatePassword(db, cfg, { userId: u.id }, pw, clock);

  await rejectsWith(auth('wrong'), Unauthorized, GENERIC);
  await auth('right'); // success clears the count
  await rejectsWith(auth('wrong'), Unauthorized, GENERIC);
  await rejectsWith(auth('wrong'), Unauthorized, GENERIC);
  await rejectsWith(auth('right'), Unauthorized, `The account is locked for user: ${u.id}.`);
  clock.advance(30_000);
  await rejectsWith(auth('right'), Unauthorized, `The account is locked for user: ${u.id}.`);
  clock.advance(31_000);
  assert.equal((await auth('right')).id, u.id, 'unlocked after lockout_duration');

  // An administrator re-enabling the user lifts a lockout at once.
  await rejectsWith(auth('wrong'), Unauthorized, GENERIC);
  await rejectsWith(auth('wrong'), Unauthorized, GENERIC);
  await updateUser(db, cfg, u.id, { enabled: true });
  await auth('right');

  // So does the user option.
  await updateUser(db, cfg, u.id, { options: { ignore_lockout_failure_attempts: true } });
  for (let i = 0; i < 3; i++) await rejectsWith(auth('wrong'), Unauthorized, GENERIC);
  await auth('right');
});

dbTest('self-service password change: original password, history, regex, revocation', async (database) => {
  const db = await setup(database);
  const cfg = config({ unique_last_password_count: 2, password_regex: '^.{4,}$', password_regex_description: 'at least 4 characters' });
  const rev = revoker();
  const u = await createUser(db, cfg, { name: 'hank', domainId: 'default', password: 'pass-A' });
  const change = (from: string, to: string) => changePassword(db, cfg, u.id, from, to, rev);

  await rejectsWith(change('wrong', 'pass-B'), Unauthorized, GENERIC);
  await rejectsWith(change('pass-A', 'abc'), BadRequest, 'The password does not match the requirements: at least 4 characters.');
  await rejectsWith(change('pass-A', 'pass-A'), BadRequest, /cannot be identical to a previous password.*unique is 2\./);
  await change('pass-A', 'pass-B');
  assert.deepEqual(rev.events, [{ userId: u.id }]);
  await rejectsWith(authenticatePassword(db, cfg, { userId: u.id }, 'pass-A'), Unauthorized, GENERIC);
  await authenticatePassword(db, cfg, { userId: u.id }, 'pass-B');
  await rejectsWith(change('pass-B', 'pass-A'), BadRequest, /cannot be identical/);
  await change('pass-B', 'pass-C');
  await change('pass-C', 'pass-A'); // two passwords later, A may come back

  // An administrator's reset is not held to the history.
  await updateUser(db, cfg, u.id, { password: 'pass-A' });
  await authenticatePassword(db, cfg, { userId: u.id }, 'pass-A');
  await rejectsWith(createUser(db, cfg, { name: 'ivy', domainId: 'default', password: 'abc' }), BadRequest, /does not match the requirements/);

  await updateUser(db, cfg, u.id, { options: { lock_password: true } });
  await rejectsWith(change('pass-A', 'pass-Z'), BadRequest, /password policy disallowing password changes/);
});

dbTest('password expiry, change upon first use, and minimum age', async (database) => {
  const db = await setup(database);
  const clock = testClock();
  const cfg = config({ password_expires_days: 10, minimum_password_age: 1 });
  const u = await createUser(db, cfg, { name: 'jack', domainId: 'default', password: 'one' }, clock);
  assert.equal(u.passwordExpiresAt, '2026-01-20T12:00:00.000Z');
  await authenticatePassword(db, cfg, { userId: u.id }, 'one', clock);
  clock.advance(11 * DAY);
  await rejectsWith(authenticatePassword(db, cfg, { userId: u.id }, 'one', clock), Unauthorized, `The password is expired and needs to be changed for user: ${u.id}.`);
  await rejectsWith(authenticatePassword(db, cfg, { userId: u.id }, 'bad', clock), Unauthorized, GENERIC);
  // An expired password may still be changed; the new one has its own expiry.
  await changePassword(db, cfg, u.id, 'one', 'two', undefined, clock);
  await authenticatePassword(db, cfg, { userId: u.id }, 'two', clock);
  await rejectsWith(changePassword(db, cfg, u.id, 'two', 'three', undefined, clock), BadRequest, /minimum password age.*used for 1 day\(s\).*again in 1 day\(s\)/);
  clock.advance(DAY + 1000);
  await changePassword(db, cfg, u.id, 'two', 'three', undefined, clock);
  // Exempt users never expire.
  const exempt = await createUser(db, cfg, { name: 'kim', domainId: 'default', password: 'pw', options: { ignore_password_expiry: true } }, clock);
  assert.equal(exempt.passwordExpiresAt, null);

  const first = config({ change_password_upon_first_use: true });
  const v = await createUser(db, first, { name: 'lee', domainId: 'default', password: 'temp' }, clock);
  await rejectsWith(authenticatePassword(db, first, { userId: v.id }, 'temp', clock), Unauthorized, /password is expired/);
  await changePassword(db, first, v.id, 'temp', 'mine', undefined, clock);
  await authenticatePassword(db, first, { userId: v.id }, 'mine', clock);
});

dbTest('list filters: name, domain, enabled, password_expires_at with operators', async (database) => {
  const db = await setup(database);
  const clock = testClock();
  await createProject(db, { id: 'd2', name: 'D2', isDomain: true });
  const a = await createUser(db, config({ password_expires_days: 5 }), { name: 'a', domainId: 'default', password: 'x' }, clock);
  const b = await createUser(db, config({ password_expires_days: 9 }), { name: 'b', domainId: 'd2', password: 'x', enabled: false }, clock);
  await createUser(db, config(), { name: 'c', domainId: 'default', password: 'x' }, clock);
  const names = (users: Array<{ name: string }>) => users.map((u) => u.name);
  assert.deepEqual(names(await listUsers(db)), ['a', 'b', 'c']);
  assert.deepEqual(names(await listUsers(db, { name: 'b' })), ['b']);
  assert.deepEqual(names(await listUsers(db, { domainId: 'default' })), ['a', 'c']);
  assert.deepEqual(names(await listUsers(db, { enabled: false })), ['b']);
  assert.deepEqual(names(await listUsers(db, { passwordExpiresAt: parseTimeFilter('lt:2026-01-17T00:00:00Z') })), ['a']);
  assert.deepEqual(names(await listUsers(db, { passwordExpiresAt: parseTimeFilter('gte:2026-01-15T12:00:00Z') })), ['a', 'b']);
  assert.deepEqual(names(await listUsers(db, { passwordExpiresAt: parseTimeFilter(b.passwordExpiresAt!) })), ['b'], 'eq by default');
  assert.deepEqual(names(await listUsers(db, { passwordExpiresAt: parseTimeFilter('neq:' + a.passwordExpiresAt) })), ['b']);
  assert.throws(() => parseTimeFilter('lx:2026-01-17T00:00:00Z'), /The given operator lx is not valid/);
  assert.throws(() => parseTimeFilter('lt:yesterday'), /Timestamp not in expected format/);
});

dbTest('a user reaches projects directly, through groups and by inheritance', async (database) => {
  const db = await setup(database);
  const u = await createUser(db, config(), { name: 'mo', domainId: 'default' });
  await createProject(db, { id: 'd2', name: 'D2', isDomain: true });
  const direct = await createProject(db, { name: 'direct', domainId: 'default' });
  const viaGroup = await createProject(db, { name: 'via-group', domainId: 'default' });
  const parent = await createProject(db, { name: 'parent', domainId: 'default' });
  const child = await createProject(db, { name: 'child', parentId: parent.id });
  const grandchild = await createProject(db, { name: 'grandchild', parentId: child.id });
  const inD2 = await createProject(db, { name: 'in-d2', domainId: 'd2' });
  await createProject(db, { name: 'unrelated', domainId: 'default' });
  await db.insertInto('group').values({ id: 'g', name: 'g', domain_id: 'default' }).execute();
  await db.insertInto('user_group').values({ user_id: u.id, group_id: 'g' }).execute();
  const grant = (type: string, actor: string, target: string, inherited = 0) => db.insertInto('assignment').values({ type, actor_id: actor, target_id: target, role_id: 'r', inherited }).execute();
  await grant('UserProject', u.id, direct.id);
  await grant('GroupProject', 'g', viaGroup.id);
  await grant('UserProject', u.id, parent.id, 1); // the subtree, not the parent itself
  await grant('GroupDomain', 'g', 'd2', 1);
  await grant('UserDomain', u.id, 'default'); // a domain role reaches no project
  const ids = new Set(await listUserProjectIds(db, u.id));
  assert.deepEqual(ids, new Set([direct.id, viaGroup.id, child.id, grandchild.id, inD2.id]));
});
