// The user record as the rest of identity sees it, read from its row.
import type { Kysely } from 'kysely';
import { NotFound } from '../../../lib/errors.ts';
import { fromDbBool, fromDbJson } from '../../../lib/db/values.ts';
import type { RevocationList } from './revocations.ts';

export interface User {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  defaultProjectId: string | null;
  /** ISO timestamp, or null when the password never expires (or there is none). */
  passwordExpiresAt: string | null;
  options: Record<string, unknown>;
  /** Properties Keystone keeps in `extra` and shows at top level (email, description…). */
  extra: Record<string, unknown>;
}

/** Records revocation events; the RevocationList or a test double. */
export type Revoker = Pick<RevocationList, 'revoke'>;

export function rowToUser(row: any): User {
  return {
    id: row.id, name: row.name, domainId: row.domain_id, enabled: fromDbBool(row.enabled),
    defaultProjectId: row.default_project_id ?? null, passwordExpiresAt: row.password_expires_at ?? null,
    options: fromDbJson<Record<string, unknown>>(row.options) ?? {}, extra: fromDbJson<Record<string, unknown>>(row.extra) ?? {},
  };
}

export const userNotFound = (id: string) => new NotFound(`Could not find user: ${id}.`, { type: 'user' });

export async function getUserRow(db: Kysely<any>, id: string): Promise<any> {
  const row = await db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw userNotFound(id);
  return row;
}

export async function getUser(db: Kysely<any>, id: string): Promise<User> {
  return rowToUser(await getUserRow(db, id));
}

export async function getUserByName(db: Kysely<any>, name: string, domainId: string): Promise<User> {
  const row = await db.selectFrom('user').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
  if (!row) throw userNotFound(name);
  return rowToUser(row);
}

export async function getUserRowByName(db: Kysely<any>, name: string, domainId: string): Promise<any> {
  return db.selectFrom('user').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
}
