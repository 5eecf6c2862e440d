// Passwords of users: what a new password writes, the self-service change, and password
// authentication with Keystone's failure modes. An unknown user, a wrong password, a disabled
// user or domain all give the same 401; only a lockout and an expired password say so (as
// Keystone does), since they can only be reached with the right user.
import type { Kysely } from 'kysely';
import type { Config } from '../../../lib/config.ts';
import { BadRequest, Unauthorized } from '../../../lib/errors.ts';
import { fromDbBool } from '../../../lib/db/values.ts';
import { systemClock, type Clock } from '../../../lib/clock.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import {
  checkMinimumAge, isInactive, isLockedOut, isPasswordExpired, passwordExpiry, securityCompliance, validatePassword,
  type SecurityCompliance,
} from './password-policy.ts';
import { getUserRowByName, rowToUser, type Revoker, type User } from './user-rows.ts';

export const AUTH_FAILED = 'The request you have made requires authentication.';
const denied = () => new Unauthorized(AUTH_FAILED);

/** Who is authenticating: a user id, or a name in a domain given by id or by name. */
export type PasswordAuthSelector = { userId: string } | { name: string; domainId?: string; domainName?: string };

/** The password columns of a user row for a new password (null: the user has none). */
export async function newPasswordValues(
  password: string | null, options: Record<string, unknown>, config: Config | undefined, now: Date, by: 'admin' | 'self',
): Promise<Record<string, unknown>> {
  if (password === null) return { password_hash: null, password_created_at: null, password_expires_at: null, password_self_service: false };
  return {
    password_hash: await hashPassword(password, config),
    password_created_at: now.toISOString(),
    password_expires_at: passwordExpiry(now, options, securityCompliance(config), by === 'admin'),
    password_self_service: by === 'self',
  };
}

/** The new password columns, after pushing the current hash into the history. */
export async function rememberAndReplace(
  tx: Kysely<any>, row: any, password: string | null, options: Record<string, unknown>, config: Config | undefined, now: Date, by: 'admin' | 'self',
): Promise<Record<string, unknown>> {
  if (row.password_hash) {
    await tx.insertInto('password_history').values({ user_id: row.id, password_hash: row.password_hash, created_at: row.password_created_at ?? now.toISOString() }).execute();
    // Keep what the history check can need (Keystone too keeps only that many old passwords).
    const keep = Math.max(securityCompliance(config).uniqueLastPasswordCount, 1);
    const old = await tx.selectFrom('password_history').select('created_at').where('user_id', '=', row.id).orderBy('created_at', 'desc').offset(keep).limit(1).executeTakeFirst();
    if (old) await tx.deleteFrom('password_history').where('user_id', '=', row.id).where('created_at', '<', old.created_at).execute();
  }
  return newPasswordValues(password, options, config, now, by);
}

async function enabledDomain(db: Kysely<any>, by: { id?: string; name?: string }): Promise<string | undefined> {
  let q = db.selectFrom('project').select(['id', 'enabled']).where('is_domain', '=', 1);
  q = by.id !== undefined ? q.where('id', '=', by.id) : q.where('name', '=', by.name ?? '');
  const row = await q.executeTakeFirst();
  return row && fromDbBool(row.enabled) ? row.id : undefined;
}

/** The user row of an enabled user in an enabled domain, or the generic 401. */
async function enabledUserRow(db: Kysely<any>, sel: PasswordAuthSelector): Promise<any> {
  let row: any;
  if ('userId' in sel) {
    row = await db.selectFrom('user').selectAll().where('id', '=', sel.userId).executeTakeFirst();
    if (!row || !(await enabledDomain(db, { id: row.domain_id }))) throw denied();
  } else {
    const domainId = await enabledDomain(db, sel.domainId !== undefined ? { id: sel.domainId } : { name: sel.domainName });
    if (!domainId) throw denied();
    row = await getUserRowByName(db, sel.name, domainId);
    if (!row) throw denied();
  }
  if (!fromDbBool(row.enabled)) throw denied();
  return row;
}

/** Lockout, then the password itself; counts failures and clears them on success. */
async function checkPassword(db: Kysely<any>, row: any, options: Record<string, unknown>, password: string, sc: SecurityCompliance, now: Date): Promise<void> {
  const lock = isLockedOut(row.failed_auth_count ?? 0, row.failed_auth_at ?? null, options, sc, now);
  if (lock === 'locked') throw new Unauthorized(`The account is locked for user: ${row.id}.`);
  if (!(await verifyPassword(password, row.password_hash))) {
    // A lockout that ran out starts counting afresh.
    await db.updateTable('user')
      .set((eb) => ({ failed_auth_count: lock === 'expired-lock' ? 1 : eb('failed_auth_count', '+', 1), failed_auth_at: now.toISOString() }))
      .where('id', '=', row.id).execute();
    throw denied();
  }
  if (row.failed_auth_count) await db.updateTable('user').set({ failed_auth_count: 0, failed_auth_at: null }).where('id', '=', row.id).execute();
}

/**
 * Keystone's password authentication: the same 401 for an unknown user, a wrong password and a
 * disabled user or domain; lockout counting; a 401 naming the expiry for an expired password.
 */
export async function authenticatePassword(
  db: Kysely<any>, config: Config | undefined, sel: PasswordAuthSelector, password: string, clock: Clock = systemClock,
): Promise<User> {
  const sc = securityCompliance(config);
  const now = clock.now();
  const row = await enabledUserRow(db, sel);
  const user = rowToUser(row);
  if (isInactive(row.last_active_at ?? null, row.created_at ?? null, user.options, sc, now)) {
    await db.updateTable('user').set({ enabled: false }).where('id', '=', row.id).execute();
    throw denied();
  }
  await checkPassword(db, row, user.options, password, sc, now);
  if (isPasswordExpired(user.passwordExpiresAt, user.options, now)) throw new Unauthorized(`The password is expired and needs to be changed for user: ${user.id}.`);
  if (sc.disableUserAccountDaysInactive) await db.updateTable('user').set({ last_active_at: now.toISOString() }).where('id', '=', row.id).execute();
  return user;
}

async function checkHistory(db: Kysely<any>, row: any, password: string, sc: SecurityCompliance): Promise<void> {
  const count = sc.uniqueLastPasswordCount;
  if (count <= 0) return;
  const older = await db.selectFrom('password_history').select('password_hash').where('user_id', '=', row.id).orderBy('created_at', 'desc').limit(count).execute();
  const recent = [row.password_hash, ...older.map((h) => h.password_hash)].filter(Boolean).slice(0, count);
  for (const hash of recent) {
    if (await verifyPassword(password, hash)) {
      throw new BadRequest(`The new password cannot be identical to a previous password. The total number which includes the new password must be unique is ${count}.`);
    }
  }
}

/**
 * The self-service change (POST /v3/users/{id}/password): the original password must match
 * (an expired one still may be changed), then the regex, lock_password, minimum age and
 * history rules apply. The user's tokens are revoked.
 */
export async function changePassword(
  db: Kysely<any>, config: Config | undefined, userId: string, original: string, password: string, revoker?: Revoker, clock: Clock = systemClock,
): Promise<void> {
  const sc = securityCompliance(config);
  const now = clock.now();
  const row = await db.selectFrom('user').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!row) throw denied();
  const user = rowToUser(row);
  await checkPassword(db, row, user.options, original, sc, now);
  if (!user.enabled) throw new Unauthorized(`The account is disabled for user: ${userId}.`);
  validatePassword(password, sc);
  if (user.options.lock_password === true) {
    throw new BadRequest('You cannot change your password at this time due to password policy disallowing password changes. Please contact your administrator to reset your password.');
  }
  if (fromDbBool(row.password_self_service)) checkMinimumAge(row.password_created_at ?? null, sc, now);
  await checkHistory(db, row, password, sc);
  await db.transaction().execute(async (tx) => {
    const values = await rememberAndReplace(tx, row, password, user.options, config, now, 'self');
    await tx.updateTable('user').set({ ...values, failed_auth_count: 0, failed_auth_at: null }).where('id', '=', userId).execute();
  });
  await revoker?.revoke({ userId });
}

