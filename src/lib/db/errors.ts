// Constraint violations, recognised the same way for both drivers, so services can answer
// 409 Conflict (duplicate name) or 400/409 (dangling reference) without knowing the engine.
import { Conflict } from '../errors.ts';

// PostgreSQL SQLSTATE codes.
const PG_UNIQUE_VIOLATION = '23505';
const PG_FOREIGN_KEY_VIOLATION = '23503';
// SQLite extended result codes, as node:sqlite reports them in `errcode`.
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

interface DriverError {
  code?: unknown; // pg: SQLSTATE; node:sqlite: 'ERR_SQLITE_ERROR'
  errcode?: unknown; // node:sqlite: extended result code
  cause?: unknown;
}

/** Looks through `cause` chains too, in case someone wrapped the driver's error. */
function matches(err: unknown, pgCode: string, sqliteCodes: number[]): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as DriverError).cause, depth++) {
    const { code, errcode } = e as DriverError;
    if (code === pgCode) return true;
    if (code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' && sqliteCodes.includes(errcode)) return true;
  }
  return false;
}

/** A UNIQUE or PRIMARY KEY constraint rejected the write. */
export function isUniqueViolation(err: unknown): boolean {
  return matches(err, PG_UNIQUE_VIOLATION, [SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY]);
}

/** A FOREIGN KEY constraint rejected the write (missing parent, or rows still refer to it). */
export function isForeignKeyViolation(err: unknown): boolean {
  return matches(err, PG_FOREIGN_KEY_VIOLATION, [SQLITE_CONSTRAINT_FOREIGNKEY]);
}

/**
 * Runs `fn`; a unique violation becomes `Conflict(message)`, anything else is rethrown.
 * `await conflictOnDuplicate(() => insertUser(db, u), \`Duplicate entry: user ${u.name}\`)`
 */
export async function conflictOnDuplicate<T>(fn: () => Promise<T>, message: string, kwargs: Record<string, unknown> = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(message, kwargs);
    throw err;
  }
}
