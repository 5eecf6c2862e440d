// Domain-specific configuration (keystone/resource/core.py DomainConfigManager): per-domain
// values for the identity/ldap options that select and configure a domain's identity driver.
// Only whitelisted options are accepted; sensitive ones (the LDAP password) are stored but
// never shown. Values are any JSON value, kept as JSON text.
import type { Kysely } from 'kysely';
import { Forbidden, NotFound } from '../../../lib/errors.ts';
import { fromDbBool, fromDbJson, toDbJson } from '../../../lib/db/index.ts';
import { CONFIG_DEFAULTS, SENSITIVE_OPTIONS, WHITELISTED_OPTIONS } from './domain-config-options.ts';

export type DomainConfig = Record<string, Record<string, unknown>>;

const invalid = (reason: string) => new Forbidden(`Invalid domain specific configuration: ${reason}.`);
const notFound = (domainId: string, what: string) => new NotFound(`Could not find ${what} in domain configuration for domain ${domainId}.`);
const what = (group?: string, option?: string) => (option ? `option ${option} in group ${group}` : group ? `group ${group}` : 'any options');

/** Python truthiness, which Keystone's "does this option exist" checks rely on. */
const truthy = (v: unknown) => !(v === null || v === undefined || v === false || v === 0 || v === '' ||
  (Array.isArray(v) && !v.length) || (typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).length));
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function assertValidGroupAndOption(group?: string, option?: string): void {
  if (!group) return;
  if (!(group in WHITELISTED_OPTIONS) && !(group in SENSITIVE_OPTIONS)) throw invalid(`Group ${group} is not supported for domain specific configurations`);
  if (option && !WHITELISTED_OPTIONS[group]!.includes(option) && !(SENSITIVE_OPTIONS[group] ?? []).includes(option)) {
    throw invalid(`Option ${option} in group ${group} is not supported for domain specific configurations`);
  }
}

export function assertValidConfig(config: unknown): asserts config is DomainConfig {
  if (!truthy(config) || !isObject(config)) throw invalid('No options specified');
  for (const [group, options] of Object.entries(config)) {
    if (!truthy(options) || !isObject(options)) throw invalid(`The value of group ${group} specified in the config should be a dictionary of options`);
    for (const option of Object.keys(options)) assertValidGroupAndOption(group, option);
  }
}

interface OptionRow { group: string; option: string; value: unknown; sensitive: boolean }

async function listOptions(db: Kysely<any>, domainId: string, f: { group?: string; option?: string; sensitive?: boolean } = {}): Promise<OptionRow[]> {
  let q = db.selectFrom('domain_config').selectAll().where('domain_id', '=', domainId);
  if (f.group) q = q.where('group', '=', f.group);
  if (f.group && f.option) q = q.where('option', '=', f.option);
  if (f.sensitive !== undefined) q = q.where('sensitive', '=', f.sensitive);
  const rows = await q.orderBy('group').orderBy('option').execute();
  return rows.map((r) => ({ group: r.group, option: r.option, value: fromDbJson(r.value), sensitive: fromDbBool(r.sensitive) }));
}

function toConfig(rows: OptionRow[]): DomainConfig {
  const out: DomainConfig = {};
  for (const r of rows) (out[r.group] ??= {})[r.option] = r.value;
  return out;
}

function toRows(config: DomainConfig): OptionRow[] {
  return Object.entries(config).flatMap(([group, options]) => Object.entries(options).map(([option, value]) => ({
    group, option, value, sensitive: (SENSITIVE_OPTIONS[group] ?? []).includes(option),
  })));
}

async function writeOptions(db: Kysely<any>, domainId: string, rows: OptionRow[]): Promise<void> {
  for (const r of rows) {
    await db.deleteFrom('domain_config').where('domain_id', '=', domainId).where('group', '=', r.group).where('option', '=', r.option).execute();
    await db.insertInto('domain_config').values({ domain_id: domainId, group: r.group, option: r.option, value: toDbJson(r.value) ?? 'null', sensitive: r.sensitive }).execute();
  }
}

export async function hasConfig(db: Kysely<any>, domainId: string): Promise<boolean> {
  return !!(await db.selectFrom('domain_config').select('option').where('domain_id', '=', domainId).executeTakeFirst());
}

/** Replaces the domain's whole configuration; answers the whitelisted part. */
export async function createConfig(db: Kysely<any>, domainId: string, config: unknown): Promise<DomainConfig> {
  assertValidConfig(config);
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('domain_config').where('domain_id', '=', domainId).execute();
    await writeOptions(tx, domainId, toRows(config));
  });
  return toConfig(await listOptions(db, domainId, { sensitive: false }));
}

/** The whitelisted config, or one group of it (`{group: {...}}`), or one option (`{option: value}`). */
export async function getConfig(db: Kysely<any>, domainId: string, group?: string, option?: string): Promise<Record<string, unknown>> {
  assertValidGroupAndOption(group, option);
  const rows = await listOptions(db, domainId, { group, option, sensitive: false });
  if (!rows.length) throw notFound(domainId, what(group, option));
  return option ? { [rows[0]!.option]: rows[0]!.value } : toConfig(rows);
}

/**
 * Merges `config` into the domain's configuration. With a group (and option) in the path the
 * body must hold exactly that group (option), which must already exist. Answers the whole
 * whitelisted config.
 */
export async function updateConfig(db: Kysely<any>, domainId: string, config: unknown, group?: string, option?: string): Promise<Record<string, unknown>> {
  const update = group && option ? { [group]: config } : config;
  assertValidConfig(update);
  assertValidGroupAndOption(group, option);
  if (group) {
    const groups = Object.keys(update);
    if (groups.length !== 1 || (option && Object.keys(update[groups[0]!]!).length !== 1)) {
      throw invalid(option
        ? `Trying to update option ${option} in group ${group}, so that, and only that, option must be specified  in the config`
        : `Trying to update group ${group}, so that, and only that, group must be specified in the config`);
    }
    if (!(group in update)) throw invalid(`request to update group ${group}, but config provided contains group ${groups[0]} instead`);
    if (option && !(option in update[group]!)) {
      throw invalid(`Trying to update option ${option} in group ${group}, but config provided contains option ${Object.keys(update[group]!)[0]} instead`);
    }
    if (!(await listOptions(db, domainId, { group, option })).length) throw notFound(domainId, what(group, option));
  }
  await db.transaction().execute((tx) => writeOptions(tx, domainId, toRows(update)));
  return getConfig(db, domainId);
}

export async function deleteConfig(db: Kysely<any>, domainId: string, group?: string, option?: string): Promise<void> {
  assertValidGroupAndOption(group, option);
  if (group) {
    const current = toConfig(await listOptions(db, domainId))[group];
    if (!current || !truthy(current)) throw notFound(domainId, what(group));
    if (option && !truthy(current[option])) throw notFound(domainId, what(group, option));
  }
  let q = db.deleteFrom('domain_config').where('domain_id', '=', domainId);
  if (group) q = q.where('group', '=', group);
  if (group && option) q = q.where('option', '=', option);
  await q.execute();
}

/** The defaults a domain falls back to, for the whitelisted options only. */
export function getConfigDefault(group?: string, option?: string): Record<string, unknown> {
  assertValidGroupAndOption(group, option);
  if (group && option) {
    if (!WHITELISTED_OPTIONS[group]!.includes(option)) throw invalid(`Reading the default for option ${option} in group ${group} is not supported`);
    return { [option]: CONFIG_DEFAULTS[group]![option] ?? null };
  }
  const out: DomainConfig = {};
  for (const g of group ? [group] : Object.keys(WHITELISTED_OPTIONS)) {
    out[g] = Object.fromEntries(WHITELISTED_OPTIONS[g]!.map((o) => [o, CONFIG_DEFAULTS[g]![o] ?? null]));
  }
  return out;
}

export const SECURITY_COMPLIANCE_READABLE = ['password_regex', 'password_regex_description'] as const;

/** GET /v3/domains/{default}/config/security_compliance[/{option}]: the password rules' text. */
export function getSecurityComplianceConfig(domainId: string, defaultDomainId: string, values: Record<string, unknown>, option?: string): Record<string, unknown> {
  if (domainId !== defaultDomainId) throw invalid('Reading security compliance information for any domain other than the default domain is not allowed or supported.');
  if (option && !(SECURITY_COMPLIANCE_READABLE as readonly string[]).includes(option)) {
    throw invalid('Reading security compliance values other than password_regex and password_regex_description is not allowed.');
  }
  if (option) return { [option]: values[option] ?? null };
  return { security_compliance: Object.fromEntries(SECURITY_COMPLIANCE_READABLE.map((o) => [o, values[o] ?? null])) };
}
