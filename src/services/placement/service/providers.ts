// Resource providers: create, read, rename, (re)parent and delete, keeping root_uuid right for
// every provider of a tree.
import type { Kysely } from 'kysely';
import type { Database } from '../../../lib/db/index.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { badRequest, codes, conflict, notFound } from '../errors.ts';
import { write } from '../db/changes.ts';

export interface Provider {
  uuid: string;
  name: string;
  generation: number;
  parentUuid: string | null;
  rootUuid: string;
  createdAt: string;
  updatedAt: string;
}

export const providerFromRow = (r: any): Provider => ({
  uuid: r.uuid, name: r.name, generation: Number(r.generation), parentUuid: r.parent_uuid ?? null, rootUuid: r.root_uuid,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

export async function findProvider(db: Kysely<any>, uuid: string): Promise<Provider | undefined> {
  const row = await db.selectFrom('resource_providers').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  return row ? providerFromRow(row) : undefined;
}

/** The provider, or placement's 404. */
export async function requireProvider(db: Kysely<any>, uuid: string): Promise<Provider> {
  const rp = await findProvider(db, uuid);
  if (!rp) throw notFound(`No resource provider with uuid ${uuid} found`);
  return rp;
}

export interface NewProvider { uuid: string; name: string; parentUuid?: string | null }

export async function createProvider(database: Database, p: NewProvider): Promise<Provider> {
  const fail = (why: string) => badRequest(`Unable to create resource provider "${p.name}", ${p.uuid}: Object action create failed because: ${why}`);
  const duplicate = async (db: Kysely<any>) => {
    const dups: string[] = [];
    if (await db.selectFrom('resource_providers').select('uuid').where('uuid', '=', p.uuid).executeTakeFirst()) dups.push(`uuid: ${p.uuid}`);
    if (await db.selectFrom('resource_providers').select('uuid').where('name', '=', p.name).executeTakeFirst()) dups.push(`name: ${p.name}`);
    return conflict(`Conflicting resource provider ${dups.join(', ') || `name: ${p.name}`} already exists.`, codes.DUPLICATE_NAME);
  };
  try {
    return await write(database, async ({ trx, touch, now }) => {
      let root = p.uuid;
      if (p.parentUuid) {
        if (p.parentUuid === p.uuid) throw fail('parent provider UUID cannot be same as UUID. Please set parent provider UUID to None if there is no parent.');
        const parent = await findProvider(trx, p.parentUuid);
        if (!parent) throw fail('parent provider UUID does not exist.');
        root = parent.rootUuid;
      }
      if (await trx.selectFrom('resource_providers').select('uuid').where((eb) => eb.or([eb('uuid', '=', p.uuid), eb('name', '=', p.name)])).executeTakeFirst()) {
        throw await duplicate(trx);
      }
      const row = { uuid: p.uuid, name: p.name, generation: 0, parent_uuid: p.parentUuid ?? null, root_uuid: root, change_seq: 0, created_at: now, updated_at: now };
      await trx.insertInto('resource_providers').values(row).execute();
      touch(p.uuid);
      return providerFromRow(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await duplicate(database.db);
    throw err;
  }
}

export interface ProviderUpdate { name: string; parentUuid?: string | null }

/** PUT /resource_providers/{uuid}: name, and parent (re-parenting and un-parenting from 1.37). */
export async function updateProvider(database: Database, uuid: string, u: ProviderUpdate, allowReparenting: boolean): Promise<Provider> {
  const fail = (why: string) => badRequest(`Unable to save resource provider ${uuid}: Object action update failed because: ${why}`);
  try {
    return await write(database, async ({ trx, touch, now }) => {
      const rp = await requireProvider(trx, uuid);
      const clash = await trx.selectFrom('resource_providers').select('uuid').where('name', '=', u.name).where('uuid', '!=', uuid).executeTakeFirst();
      if (clash) throw conflict(`Conflicting resource provider ${u.name} already exists.`, codes.DUPLICATE_NAME);
      let parentUuid = rp.parentUuid;
      let rootUuid = rp.rootUuid;
      if (u.parentUuid !== undefined && u.parentUuid !== rp.parentUuid) {
        if (u.parentUuid === null) {
          if (!allowReparenting) throw fail('un-parenting a provider is not currently allowed.');
          parentUuid = null;
          rootUuid = uuid;
        } else {
          const parent = await findProvider(trx, u.parentUuid);
          if (!parent) throw fail('parent provider UUID does not exist.');
          if (rp.parentUuid !== null && !allowReparenting) throw fail('re-parenting a provider is not currently allowed.');
          const subtree = await subtreeOf(trx, rp);
          if (subtree.includes(parent.uuid)) throw fail('creating loop in the provider tree is not allowed.');
          parentUuid = parent.uuid;
          rootUuid = parent.rootUuid;
        }
      }
      await trx.updateTable('resource_providers').set({ name: u.name, parent_uuid: parentUuid, updated_at: now }).where('uuid', '=', uuid).execute();
      if (rootUuid !== rp.rootUuid) {
        const subtree = await subtreeOf(trx, rp);
        await trx.updateTable('resource_providers').set({ root_uuid: rootUuid }).where('uuid', 'in', subtree).execute();
        touch(...subtree);
      }
      touch(uuid);
      return { ...rp, name: u.name, parentUuid, rootUuid, updatedAt: now };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`Conflicting resource provider ${u.name} already exists.`, codes.DUPLICATE_NAME);
    throw err;
  }
}

/** The provider and all its descendants. */
async function subtreeOf(db: Kysely<any>, rp: Provider): Promise<string[]> {
  const tree = await db.selectFrom('resource_providers').select(['uuid', 'parent_uuid']).where('root_uuid', '=', rp.rootUuid).execute();
  const children = new Map<string, string[]>();
  for (const r of tree) if (r.parent_uuid) children.set(r.parent_uuid, [...children.get(r.parent_uuid) ?? [], r.uuid]);
  const out: string[] = [];
  for (const stack = [rp.uuid]; stack.length;) {
    const u = stack.pop()!;
    out.push(u);
    stack.push(...children.get(u) ?? []);
  }
  return out;
}

export async function deleteProvider(database: Database, uuid: string): Promise<void> {
  await write(database, async ({ trx, tombstone }) => {
    if (!await findProvider(trx, uuid)) throw notFound(`No resource provider with uuid ${uuid} found for delete`);
    if (await trx.selectFrom('resource_providers').select('uuid').where('parent_uuid', '=', uuid).limit(1).executeTakeFirst()) {
      throw conflict(`Unable to delete parent resource provider ${uuid}: It has child resource providers.`, codes.PROVIDER_CANNOT_DELETE_PARENT);
    }
    if (await trx.selectFrom('allocations').select('provider_uuid').where('provider_uuid', '=', uuid).limit(1).executeTakeFirst()) {
      throw conflict(`Unable to delete resource provider ${uuid}: Resource provider has allocations.`, codes.PROVIDER_IN_USE);
    }
    // Children of these tables cascade, but say it: SQLite enforces cascades only with foreign_keys=ON.
    for (const table of ['inventories', 'provider_traits', 'provider_aggregates']) await trx.deleteFrom(table).where('provider_uuid', '=', uuid).execute();
    await trx.deleteFrom('resource_providers').where('uuid', '=', uuid).execute();
    tombstone(uuid);
  });
}
