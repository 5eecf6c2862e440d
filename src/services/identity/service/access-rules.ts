// Access rules: (service, path, method) triples that restrict what an application credential's
// tokens may call. They belong to a user and are shared by that user's credentials: asking
// again for the same triple reuses the rule, and a rule in use cannot be deleted.
import type { Kysely } from 'kysely';
import { Forbidden, NotFound } from '../../../lib/errors.ts';
import { fromDbJson } from '../../../lib/db/values.ts';
import { hexId } from '../../../lib/ids.ts';

export interface AccessRule { id: string; service: string; path: string; method: string }
export interface AccessRuleInput { id?: string; service?: string; path?: string; method?: string }

const toRule = (r: any): AccessRule => ({ id: r.id, service: r.service, path: r.path, method: r.method });
export const accessRuleNotFound = (id: string) => new NotFound(`Could not find Access Rule: ${id}.`, { type: 'access_rule' });

export async function accessRulesByIds(db: Kysely<any>, ids: string[]): Promise<AccessRule[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('access_rule').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, toRule(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The rules a new credential names: existing ones by id or by triple, the others created. */
export async function resolveAccessRules(tx: Kysely<any>, userId: string, wanted: AccessRuleInput[]): Promise<AccessRule[]> {
  const out: AccessRule[] = [];
  for (const w of wanted) {
    let row = w.id ? await tx.selectFrom('access_rule').selectAll().where('id', '=', w.id).where('user_id', '=', userId).executeTakeFirst() : undefined;
    if (!row && w.service !== undefined && w.path !== undefined && w.method !== undefined) {
      row = await tx.selectFrom('access_rule').selectAll().where('user_id', '=', userId)
        .where('service', '=', w.service).where('path', '=', w.path).where('method', '=', w.method).executeTakeFirst();
      if (!row) {
        // A given id is kept unless another user's rule already has it.
        const taken = w.id && (await tx.selectFrom('access_rule').select('id').where('id', '=', w.id).executeTakeFirst());
        row = { id: w.id && !taken ? w.id : hexId(), user_id: userId, service: w.service, path: w.path, method: w.method };
        await tx.insertInto('access_rule').values(row).execute();
      }
    }
    if (!row) throw accessRuleNotFound(w.id ?? '');
    if (!out.some((r) => r.id === row.id)) out.push(toRule(row));
  }
  return out;
}

export interface AccessRuleFilter { service?: string; path?: string; method?: string }

export async function listAccessRules(db: Kysely<any>, userId: string, f: AccessRuleFilter = {}): Promise<AccessRule[]> {
  let q = db.selectFrom('access_rule').selectAll().where('user_id', '=', userId);
  if (f.service !== undefined) q = q.where('service', '=', f.service);
  if (f.path !== undefined) q = q.where('path', '=', f.path);
  if (f.method !== undefined) q = q.where('method', '=', f.method);
  return (await q.orderBy('service').orderBy('path').orderBy('method').execute()).map(toRule);
}

export async function getAccessRule(db: Kysely<any>, userId: string, id: string): Promise<AccessRule> {
  const row = await db.selectFrom('access_rule').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  if (!row) throw accessRuleNotFound(id);
  return toRule(row);
}

export async function deleteAccessRule(db: Kysely<any>, userId: string, id: string): Promise<void> {
  await getAccessRule(db, userId, id);
  const creds = await db.selectFrom('application_credential').select('access_rules').where('user_id', '=', userId).where('access_rules', 'is not', null).execute();
  if (creds.some((c) => (fromDbJson<string[]>(c.access_rules) ?? []).includes(id))) throw new Forbidden('May not delete access rule in use');
  await db.deleteFrom('access_rule').where('id', '=', id).execute();
}
