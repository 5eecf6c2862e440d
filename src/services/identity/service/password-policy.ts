// Keystone's [security_compliance] options, all off by default: password regex, expiry, history,
// minimum age, lockout after failed attempts, disabling inactive users; plus the per-user
// options that exempt a user from them. The configuration keys are declared here
// (`passwordConfig`) and read with their defaults, so the logic works before they are wired.
import type { Config, ConfigSchema } from '../../../lib/config.ts';
import { BadRequest } from '../../../lib/errors.ts';
import { HASH_COST_KEY } from './passwords.ts';

const SC = 'identity.security_compliance.';

export const passwordConfig: ConfigSchema = {
  [HASH_COST_KEY]: { type: 'string', default: 'default', doc: 'Cost of new password and secret hashes (scrypt): default (log2 N = 16, ≈0.2 s and 64 MiB each), cheap (4, for tests and benchmarks) or log2 N (1..20).' },
  [SC + 'lockout_failure_attempts']: { type: 'integer', default: 0, min: 0, doc: 'Failed password authentications before a user is locked out (0 = never).' },
  [SC + 'lockout_duration']: { type: 'integer', default: 1800, min: 0, doc: 'Seconds a locked-out user stays locked (0 = until an admin re-enables the user).' },
  [SC + 'password_expires_days']: { type: 'integer', default: 0, min: 0, doc: 'Days a password stays valid (0 = forever).' },
  [SC + 'unique_last_password_count']: { type: 'integer', default: 0, min: 0, doc: 'A self-service new password must differ from this many recent ones, the current included (0 = off).' },
  [SC + 'minimum_password_age']: { type: 'integer', default: 0, min: 0, doc: 'Days a self-service password must be kept before it can be changed again.' },
  [SC + 'password_regex']: { type: 'string', doc: 'Regular expression every new password must match (anchored at the start, as Python re.match).' },
  [SC + 'password_regex_description']: { type: 'string', doc: 'The password requirements, in words, for error messages.' },
  [SC + 'change_password_upon_first_use']: { type: 'boolean', default: false, doc: 'Passwords set by an administrator are expired at once, so the user must change them.' },
  [SC + 'disable_user_account_days_inactive']: { type: 'integer', default: 0, min: 0, doc: 'Disable users who have not authenticated for this many days (0 = never).' },
  'identity.credential.user_limit': { type: 'integer', default: -1, doc: 'Credentials a user may own (-1 = unlimited).' },
  'identity.application_credential.user_limit': { type: 'integer', default: -1, doc: 'Application credentials a user may own (-1 = unlimited).' },
};

export interface SecurityCompliance {
  lockoutFailureAttempts: number;
  lockoutDurationSeconds: number;
  passwordExpiresDays: number;
  uniqueLastPasswordCount: number;
  minimumPasswordAgeDays: number;
  passwordRegex?: string;
  passwordRegexDescription?: string;
  changePasswordUponFirstUse: boolean;
  disableUserAccountDaysInactive: number;
}

function read<T>(config: Config | undefined, key: string): T {
  return (config?.values[key] ?? passwordConfig[key]!.default) as T;
}

export function securityCompliance(config?: Config): SecurityCompliance {
  return {
    lockoutFailureAttempts: read(config, SC + 'lockout_failure_attempts'),
    lockoutDurationSeconds: read(config, SC + 'lockout_duration'),
    passwordExpiresDays: read(config, SC + 'password_expires_days'),
    uniqueLastPasswordCount: read(config, SC + 'unique_last_password_count'),
    minimumPasswordAgeDays: read(config, SC + 'minimum_password_age'),
    passwordRegex: read(config, SC + 'password_regex'),
    passwordRegexDescription: read(config, SC + 'password_regex_description'),
    changePasswordUponFirstUse: read(config, SC + 'change_password_upon_first_use'),
    disableUserAccountDaysInactive: read(config, SC + 'disable_user_account_days_inactive'),
  };
}

export const userLimit = (config: Config | undefined, kind: 'credential' | 'application_credential'): number => read(config, `identity.${kind}.user_limit`);

// The user options Keystone knows (keystone/identity/backends/resource_options.py); all nullable,
// null removes the option.
const bool = { type: ['boolean', 'null'] };
export const userOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ignore_change_password_upon_first_use: bool,
    ignore_password_expiry: bool,
    ignore_lockout_failure_attempts: bool,
    lock_password: bool,
    ignore_user_inactivity: bool,
    multi_factor_auth_rules: { type: ['array', 'null'], uniqueItems: true, items: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } } },
    multi_factor_auth_enabled: bool,
  },
};

/** Applies an options patch: null removes an option, anything else sets it. */
export function mergeOptions(before: Record<string, unknown>, patch: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = { ...before };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Keystone's validators.validate_password: the configured regex, matched from the start. */
export function validatePassword(password: unknown, sc: SecurityCompliance): void {
  if (!sc.passwordRegex) return;
  if (typeof password !== 'string') throw new BadRequest('Password validation error: Password must be a string type.');
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${sc.passwordRegex})`);
  } catch {
    throw new BadRequest('Password validation error: Unable to validate password due to invalid configuration.');
  }
  if (!re.test(password)) throw new BadRequest(`The password does not match the requirements: ${sc.passwordRegexDescription ?? sc.passwordRegex}.`);
}

const DAY_MS = 86_400_000;

/** When a password set at `now` expires: never, or after password_expires_days (whole seconds). */
export function passwordExpiry(now: Date, options: Record<string, unknown>, sc: SecurityCompliance, setByAdmin: boolean): string | null {
  if (setByAdmin && sc.changePasswordUponFirstUse && options.ignore_change_password_upon_first_use !== true) return now.toISOString();
  if (!sc.passwordExpiresDays || options.ignore_password_expiry === true) return null;
  const at = new Date(now.getTime() + sc.passwordExpiresDays * DAY_MS);
  at.setUTCMilliseconds(0);
  return at.toISOString();
}

export function isPasswordExpired(expiresAt: string | null, options: Record<string, unknown>, now: Date): boolean {
  return !!expiresAt && options.ignore_password_expiry !== true && now.getTime() >= new Date(expiresAt).getTime();
}

/** Locked when the failed attempts reached the limit and the lockout has not yet run out. */
export function isLockedOut(failedCount: number, failedAt: string | null, options: Record<string, unknown>, sc: SecurityCompliance, now: Date): 'locked' | 'expired-lock' | 'open' {
  if (options.ignore_lockout_failure_attempts === true || !sc.lockoutFailureAttempts || failedCount < sc.lockoutFailureAttempts) return 'open';
  if (!sc.lockoutDurationSeconds) return 'locked';
  const until = new Date(failedAt ?? 0).getTime() + sc.lockoutDurationSeconds * 1000;
  return until > now.getTime() ? 'locked' : 'expired-lock';
}

/** Inactive for too long (Keystone turns `enabled` false then, and so do we). */
export function isInactive(lastActiveAt: string | null, createdAt: string | null, options: Record<string, unknown>, sc: SecurityCompliance, now: Date): boolean {
  if (!sc.disableUserAccountDaysInactive || options.ignore_user_inactivity === true) return false;
  const last = lastActiveAt ?? createdAt;
  if (!last) return false;
  // Keystone counts whole days between dates (last_active_at is a date column).
  const days = Math.floor((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - Date.parse(last.slice(0, 10))) / DAY_MS);
  return days >= sc.disableUserAccountDaysInactive;
}

/** Minimum password age of a self-service password: the BadRequest Keystone gives, or nothing. */
export function checkMinimumAge(createdAt: string | null, sc: SecurityCompliance, now: Date): void {
  if (!sc.minimumPasswordAgeDays || !createdAt) return;
  const minAge = new Date(createdAt).getTime() + sc.minimumPasswordAgeDays * DAY_MS;
  if (now.getTime() < minAge) {
    const daysLeft = Math.floor((minAge - now.getTime()) / DAY_MS);
    throw new BadRequest(`You cannot change your password at this time due to the minimum password age. Once you change your password, it must be used for ${sc.minimumPasswordAgeDays} day(s) before it can be changed. Please try again in ${daysLeft} day(s) or contact your administrator to reset your password.`);
  }
}
