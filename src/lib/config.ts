// Configuration: defaults < config file (YAML) < STRATUS_* environment < command-line flags.
// Every key is declared in a schema (the kernel's own plus one per service), so an unknown or
// badly typed key stops the start with a message that names it.
import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type ConfigType = 'string' | 'integer' | 'boolean' | 'list';
export interface ConfigKey {
  type: ConfigType;
  default?: unknown;
  doc: string;
  /** Allowed values for strings. */
  choices?: readonly string[];
  min?: number;
}
/** Flat schema: dotted key (`identity.token_expiration`) → declaration. */
export type ConfigSchema = Record<string, ConfigKey>;
export type ConfigValues = Record<string, unknown>;

export class ConfigError extends Error {}

export const kernelConfig: ConfigSchema = {
  host: { type: 'string', default: '127.0.0.1', doc: 'Address to listen on.' },
  port: { type: 'integer', default: 8000, min: 0, doc: 'Port to listen on (0 = any free port).' },
  public_url: { type: 'string', doc: 'Base URL clients reach us at (default http://<host>:<port>).' },
  data_dir: { type: 'string', default: './data', doc: 'Where databases, keys and stores live.' },
  database: { type: 'string', default: 'sqlite:', doc: 'Database base URL: sqlite: (a file per service in data_dir) or postgres://…' },
  bus: { type: 'string', default: 'inproc://', doc: 'Message bus URL: inproc:// or rabbit://user:pass@host:5672/' },
  log_level: { type: 'string', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], doc: 'Log level.' },
  log_file: { type: 'string', doc: 'Write logs to this file instead of stderr.' },
  policy_file: { type: 'string', doc: 'YAML file of policy overrides (oslo.policy format), all services.' },
  enforce_scope: { type: 'boolean', default: false, doc: 'Deny when a token scope is not one of the rule scope types.' },
  admin_password: { type: 'string', doc: 'Password of the bootstrap admin (else generated and printed once).' },
  region: { type: 'string', default: 'RegionOne', doc: 'Region of the catalog endpoints.' },
  services: { type: 'list', doc: 'Services to run (default: all that are implemented).' },
  'auth.url': { type: 'string', doc: 'Identity v3 URL, for processes that do not run identity themselves.' },
  'auth.username': { type: 'string', default: 'stratus', doc: 'Service user those processes validate tokens with.' },
  'auth.password': { type: 'string', doc: 'Password of the service user.' },
  'auth.project_name': { type: 'string', default: 'service', doc: 'Project of the service user.' },
  'auth.user_domain_name': { type: 'string', default: 'Default', doc: 'Domain of the service user.' },
  'auth.project_domain_name': { type: 'string', default: 'Default', doc: 'Domain of the service project.' },
  max_body_bytes: { type: 'integer', default: 1048576, min: 1024, doc: 'Largest JSON request body.' },
};

function coerce(key: string, spec: ConfigKey, raw: unknown, from: string): unknown {
  const bad = (why: string) => new ConfigError(`config: bad value for '${key}' (from ${from}): ${why}`);
  switch (spec.type) {
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') throw bad('expected a string');
      const s = String(raw);
      if (spec.choices && !spec.choices.includes(s)) throw bad(`expected one of ${spec.choices.join(', ')}`);
      return s;
    }
    case 'integer': {
      const n = typeof raw === 'number' ? raw : /^-?\d+$/.test(String(raw).trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) throw bad('expected an integer');
      if (spec.min !== undefined && n < spec.min) throw bad(`must be >= ${spec.min}`);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw bad('expected true or false');
    }
    case 'list':
      if (Array.isArray(raw)) return raw.map(String);
      if (typeof raw === 'string') return raw.split(',').map((s) => s.trim()).filter(Boolean);
      throw bad('expected a list or a comma-separated string');
  }
}

/** Flattens `{identity: {token_expiration: 1}}` into `{'identity.token_expiration': 1}`. */
function flatten(obj: Record<string, unknown>, prefix = ''): ConfigValues {
  const out: ConfigValues = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k.replaceAll('-', '_');
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, key + '.'));
    else out[key] = v;
  }
  return out;
}

const envName = (key: string) => 'STRATUS_' + key.toUpperCase().replaceAll('.', '_');

export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigValues;
}

/** Resolves every key of `schema` from the layered sources; throws ConfigError naming the key. */
export function loadConfig(schema: ConfigSchema, sources: ConfigSources = {}): ConfigValues {
  const env = sources.env ?? process.env;
  const layers: Array<[string, ConfigValues]> = [];
  const file = sources.file ?? env.STRATUS_CONFIG;
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`config: file not found: ${file}`);
    let parsed: unknown;
    try { parsed = parseYaml(readFileSync(file, 'utf8')) ?? {}; } catch (e) {
      throw new ConfigError(`config: ${file} is not valid YAML: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config: ${file} must be a mapping`);
    const flat = flatten(parsed as Record<string, unknown>);
    for (const key of Object.keys(flat)) if (!(key in schema)) throw new ConfigError(`config: unknown key '${key}' in ${file}`);
    layers.push([file, flat]);
  }
  const fromEnv: ConfigValues = {};
  for (const key of Object.keys(schema)) if (env[envName(key)] !== undefined) fromEnv[key] = env[envName(key)];
  layers.push(['environment', fromEnv]);
  const flags = flatten(sources.flags ?? {});
  for (const key of Object.keys(flags)) if (!(key in schema)) throw new ConfigError(`config: unknown option '--${key.replaceAll('_', '-')}'`);
  layers.push(['command line', flags]);

  const out: ConfigValues = {};
  for (const [key, spec] of Object.entries(schema)) {
    let value = spec.default;
    for (const [from, layer] of layers) if (layer[key] !== undefined) value = coerce(key, spec, layer[key], from);
    out[key] = value;
  }
  return out;
}

/** Typed read of a resolved configuration. */
export class Config {
  readonly values: ConfigValues;
  constructor(values: ConfigValues) { this.values = values; }
  str(key: string): string { return this.get(key) as string; }
  optStr(key: string): string | undefined { return this.values[key] as string | undefined; }
  int(key: string): number { return this.get(key) as number; }
  bool(key: string): boolean { return this.get(key) as boolean; }
  list(key: string): string[] | undefined { return this.values[key] as string[] | undefined; }
  private get(key: string): unknown {
    if (!(key in this.values)) throw new Error(`config key '${key}' was not declared`);
    return this.values[key];
  }
}
