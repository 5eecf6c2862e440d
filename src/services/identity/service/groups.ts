// Groups and group membership. Membership changes revoke the member's tokens, since their
// roles may have come through the group.
import type { Kysely } from 'kysely';
import { BadRequest, Conflict, NotFound } from '../../../lib/errors.ts';
import { fromDbJson, toDbJson } from '../../../lib/db/values.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { hexId } from '../../../lib/ids.ts';
import { getProject } from './projects.ts';
import { getUserRow, type Revoker } from './user-rows.ts';

export interface Group {
  id: string;
  name: string;
  domainId: string;
  description: string | null;
  extra: Record<string, unknown>;
}

export function rowToGroup(row: any): Group {
  return { id: row.id, name: row.name, domainId: row.domain_id, description: row.description ?? null, extra: fromDbJson<Record<string, unknown>>(row.extra) ?? {} };
}

export const groupNotFound = (id: string) => new NotFound(`Could not find group: ${id}.`, { type: 'group' });
const duplicate = (name: string, domainId: string) => new Conflict(`Conflict occurred attempting to store group - Duplicate entry found with name ${name} at domain ID ${domainId}.`);

export async function getGroup(db: Kysely<any>, id: string): Promise<Group> {
  const row = await db.selectFrom('group').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw groupNotFound(id);
  return rowToGroup(row);
}

export interface GroupFilter { name?: string; domainId?: string; userId?: string }

export async function listGroups(db: Kysely<any>, f: GroupFilter = {}): Promise<Group[]> {
  let q = db.selectFrom('group').selectAll('group');
  if (f.userId !== undefined) q = q.innerJoin('user_group', 'user_group.group_id', 'group.id').where('user_group.user_id', '=', f.userId);
  if (f.name !== undefined) q = q.where('group.name', '=', f.name);
  if (f.domainId !== undefined) q = q.where('group.domain_id', '=', f.domainId);
  return (await q.orderBy('group.name').execute()).map(rowToGroup);
}

export interface GroupInput { name: string; domainId: string; description?: string | null; extra?: Record<string, unknown> }

export async function createGroup(db: Kysely<any>, input: GroupInput): Promise<Group> {
  await getProject(db, input.domainId, 'domain');
  const id = hexId();
  const name = input.name.trim();
  try {
    await db.insertInto('group').values({ id, name, domain_id: input.domainId, description: input.description === undefined ? '' : input.description, extra: toDbJson(input.extra ?? {}) }).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(name, input.domainId);
    throw err;
  }
  return getGroup(db, id);
}

export interface GroupPatch { id?: string; name?: string; domainId?: string; description?: string | null; extra?: Record<string, unknown> }

export async function updateGroup(db: Kysely<any>, id: string, patch: GroupPatch): Promise<Group> {
  const before = await getGroup(db, id);
  if (patch.id !== undefined && patch.id !== id) throw new BadRequest('Cannot change ID');
  if (patch.domainId !== undefined && patch.domainId !== before.domainId) throw new BadRequest('Cannot change Domain ID');
  const values: Record<string, unknown> = {};
  if (patch.name !== undefined) values.name = patch.name.trim();
  if (patch.description !== undefined) values.description = patch.description;
  if (patch.extra !== undefined) values.extra = toDbJson({ ...before.extra, ...patch.extra });
  if (Object.keys(values).length) {
    try {
      await db.updateTable('group').set(values).where('id', '=', id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(values.name as string, before.domainId);
      throw err;
    }
  }
  return getGroup(db, id);
}

/** Deletes a group, its memberships and its role assignments (members lose those roles). */
export async function deleteGroup(db: Kysely<any>, id: string, revoker?: Revoker): Promise<void> {
  await getGroup(db, id);
  const members = (await db.selectFrom('user_group').select('user_id').where('group_id', '=', id).execute()).map((r) => r.user_id);
  const hadRoles = !!(await db.selectFrom('assignment').select('role_id').where('actor_id', '=', id).where('type', 'like', 'Group%').executeTakeFirst());
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('assignment').where('actor_id', '=', id).where('type', 'in', ['GroupProject', 'GroupDomain', 'GroupSystem']).execute();
    await tx.deleteFrom('user_group').where('group_id', '=', id).execute();
    await tx.deleteFrom('group').where('id', '=', id).execute();
  });
  // As Keystone: a group without roles gave its members nothing, so their tokens stay valid.
  if (hadRoles && revoker) for (const userId of members) await revoker.revoke({ userId });
}

export async function addUserToGroup(db: Kysely<any>, userId: string, groupId: string): Promise<void> {
  await getGroup(db, groupId);
  await getUserRow(db, userId);
  const exists = await db.selectFrom('user_group').select('user_id').where('user_id', '=', userId).where('group_id', '=', groupId).executeTakeFirst();
  if (exists) return;
  try {
    await db.insertInto('user_group').values({ user_id: userId, group_id: groupId }).execute();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err; // added concurrently: the same outcome
  }
}

const notMember = (userId: string, groupId: string) => new NotFound(`User '${userId}' not found in group '${groupId}'`);

export async function checkUserInGroup(db: Kysely<any>, userId: string, groupId: string): Promise<void> {
  await getGroup(db, groupId);
  await getUserRow(db, userId);
  const row = await db.selectFrom('user_group').select('user_id').where('user_id', '=', userId).where('group_id', '=', groupId).executeTakeFirst();
  if (!row) throw notMember(userId, groupId);
}

export async function removeUserFromGroup(db: Kysely<any>, userId: string, groupId: string, revoker?: Revoker): Promise<void> {
  const result = await db.deleteFrom('user_group').where('user_id', '=', userId).where('group_id', '=', groupId).executeTakeFirst();
  if (!Number(result.numDeletedRows)) {
    // Say which of them does not exist, as Keystone does.
    await getGroup(db, groupId);
    await getUserRow(db, userId);
    throw notMember(userId, groupId);
  }
  await revoker?.revoke({ userId });
}
