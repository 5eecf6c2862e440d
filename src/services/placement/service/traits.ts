// Traits: the standard os-traits names (in code) and CUSTOM_* ones (in the database); a
// provider's traits are replaced as a whole under its generation.
import type { Kysely } from 'kysely';
import type { Database } from '../../../lib/db/index.ts';
import { isUniqueViolation } from '../../../lib/db/index.ts';
import { badRequest, concurrentUpdate, conflict, notFound } from '../errors.ts';
import { write } from '../db/changes.ts';
import { STANDARD_TRAITS } from './standard-traits.ts';
import { requireProvider } from './providers.ts';

const standard = new Set(STANDARD_TRAITS);
export const isStandardTrait = (name: string): boolean => standard.has(name);

export interface Trait { name: string; createdAt?: string }
export interface TraitFilter { nameIn?: string[]; prefix?: string; associated?: boolean }

export async function listTraits(db: Kysely<any>, f: TraitFilter = {}): Promise<Trait[]> {
  // Custom traits are few: filter in code rather than with a LIKE whose escaping differs per engine.
  const custom = (await db.selectFrom('custom_traits').selectAll().orderBy('name').execute()).map((r) => ({ name: r.name as string, createdAt: r.created_at as string }));
  let all: Trait[] = [...STANDARD_TRAITS.map((name) => ({ name })), ...custom];
  if (f.nameIn) { const want = new Set(f.nameIn); all = all.filter((t) => want.has(t.name)); }
  if (f.prefix !== undefined) all = all.filter((t) => t.name.startsWith(f.prefix!));
  if (f.associated !== undefined) {
    const used = new Set((await db.selectFrom('provider_traits').select('trait').distinct().execute()).map((r) => r.trait as string));
    all = all.filter((t) => used.has(t.name) === f.associated);
  }
  return all;
}

export async function findTrait(db: Kysely<any>, name: string): Promise<Trait | undefined> {
  if (standard.has(name)) return { name };
  const row = await db.selectFrom('custom_traits').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? { name: row.name, createdAt: row.created_at } : undefined;
}

/** The names among `names` that are not traits. */
export async function unknownTraits(db: Kysely<any>, names: Iterable<string>): Promise<string[]> {
  const custom = [...new Set(names)].filter((n) => !standard.has(n));
  if (!custom.length) return [];
  const found = new Set((await db.selectFrom('custom_traits').select('name').where('name', 'in', custom).execute()).map((r) => r.name));
  return custom.filter((n) => !found.has(n));
}

/** Creates a custom trait; false when it already existed. */
export async function ensureTrait(database: Database, name: string): Promise<{ created: boolean; trait: Trait }> {
  const existing = await findTrait(database.db, name);
  if (existing) return { created: false, trait: existing };
  const createdAt = new Date().toISOString();
  try {
    await database.db.insertInto('custom_traits').values({ name, created_at: createdAt }).execute();
    return { created: true, trait: { name, createdAt } };
  } catch (err) {
    if (isUniqueViolation(err)) return { created: false, trait: { name, createdAt } };
    throw err;
  }
}

export async function deleteTrait(database: Database, name: string): Promise<void> {
  if (standard.has(name)) throw badRequest(`Cannot delete standard trait ${name}.`);
  await write(database, async ({ trx }) => {
    const row = await trx.selectFrom('custom_traits').select('name').where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(`No such trait(s): ${name}.`);
    if (await trx.selectFrom('provider_traits').select('trait').where('trait', '=', name).limit(1).executeTakeFirst()) {
      throw conflict(`The trait ${name} is in use by a resource provider.`);
    }
    await trx.deleteFrom('custom_traits').where('name', '=', name).execute();
  });
}

export async function providerTraits(db: Kysely<any>, uuid: string): Promise<string[]> {
  const rows = await db.selectFrom('provider_traits').select('trait').where('provider_uuid', '=', uuid).orderBy('trait').execute();
  return rows.map((r) => r.trait as string);
}

/**
 * Replaces a provider's traits. `generation` is the caller's view (undefined: not checked, as
 * DELETE /resource_providers/{uuid}/traits); the provider's generation is bumped either way.
 */
export async function setProviderTraits(database: Database, uuid: string, traits: string[], generation?: number): Promise<number> {
  const unknown = await unknownTraits(database.db, traits);
  if (unknown.length) throw badRequest(`No such trait ${unknown.join(', ')}`);
  return write(database, async ({ trx, touch, now }) => {
    const rp = await requireProvider(trx, uuid);
    if (generation !== undefined && rp.generation !== generation) {
      throw concurrentUpdate("Resource provider's generation already changed. Please update the generation and try again.");
    }
    await trx.deleteFrom('provider_traits').where('provider_uuid', '=', uuid).execute();
    for (const trait of new Set(traits)) await trx.insertInto('provider_traits').values({ provider_uuid: uuid, trait }).execute();
    const bumped = await trx.updateTable('resource_providers').set((eb) => ({ generation: eb('generation', '+', 1), updated_at: now }))
      .where('uuid', '=', uuid).where('generation', '=', rp.generation).executeTakeFirst();
    if (Number(bumped.numUpdatedRows) !== 1) throw concurrentUpdate('Another thread concurrently updated the resource provider data. Please retry your update');
    touch(uuid);
    return rp.generation + 1;
  });
}
