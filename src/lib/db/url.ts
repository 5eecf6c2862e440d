// Database URLs: which engine, and where. Pure functions, no I/O.
//
//   sqlite:///abs/path/file.db   absolute file
//   sqlite:relative/path.db      file relative to the working directory
//   sqlite::memory:              private in-memory database (gone on close)
//   postgres://user@host/db      PostgreSQL (also postgresql://); one schema per service
import { isAbsolute, join, resolve } from 'node:path';

export type DialectName = 'sqlite' | 'postgres';

export type ParsedDatabaseUrl =
  | { dialect: 'sqlite'; filename: string }
  | { dialect: 'postgres'; connectionString: string };

export const SQLITE_MEMORY = ':memory:';

export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  if (scheme === 'postgres:' || scheme === 'postgresql:') return { dialect: 'postgres', connectionString: url };
  if (scheme !== 'sqlite:') {
    throw new Error(`Unsupported database URL "${redact(url)}": expected sqlite: or postgres:`);
  }
  const rest = url.slice('sqlite:'.length);
  if (rest === SQLITE_MEMORY) return { dialect: 'sqlite', filename: SQLITE_MEMORY };
  let path = rest;
  if (rest.startsWith('//')) {
    // sqlite:///abs: the authority is empty, the path absolute. A host makes no sense for a file.
    path = rest.slice(2);
    if (!path.startsWith('/')) throw new Error(`Bad sqlite URL "${url}": use sqlite:///absolute/path or sqlite:relative/path`);
  }
  if (path === '' || path === '/') throw new Error(`Bad sqlite URL "${url}": no file name`);
  // Taken verbatim (no %-decoding): these are file paths, not web URLs.
  return { dialect: 'sqlite', filename: path };
}

/**
 * PostgreSQL schema for a service: its id with `-` turned into `_` so it needs no quoting in
 * search_path (`block-storage` → `block_storage`).
 */
export function schemaNameFor(service: string): string {
  const schema = service.replace(/-/g, '_');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Service name "${service}" cannot name a database schema (lowercase letters, digits, - and _)`);
  }
  return schema;
}

/**
 * The URL of one service's database, from the configured base URL.
 * - `sqlite:` (or empty): `sqlite://<dataDir>/<service>.db` — every service has its own file.
 * - `sqlite:<path>`: the path names the DIRECTORY holding the per-service files.
 * - `sqlite::memory:`: each opened database is already private, so it stays as is.
 * - postgres URL: unchanged; openDatabase puts the service in its own schema.
 */
export function databaseUrlFor(baseUrl: string, dataDir: string, service: string): string {
  schemaNameFor(service); // the same names are valid for both engines; reject bad ones early
  const base = baseUrl.trim() === '' ? 'sqlite:' : baseUrl.trim();
  const parsed = base === 'sqlite:' || base === 'sqlite://' ? null : parseDatabaseUrl(base);
  if (parsed?.dialect === 'postgres') return base;
  if (parsed?.filename === SQLITE_MEMORY) return base;
  const dir = parsed ? parsed.filename : dataDir;
  // Absolute so the URL is sqlite:///…, independent of a later chdir.
  const absolute = isAbsolute(dir) ? dir : resolve(dir);
  return `sqlite://${join(absolute, `${service}.db`)}`;
}

/** The URL without its password, for logs and error messages. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
