// The database layer: open a service's database by URL, migrate it, portable values and errors.
// Conventions for tables and columns: README.md in this folder.
export { openDatabase, type Database, type OpenDatabaseOptions } from './database.ts';
export { databaseUrlFor, parseDatabaseUrl, schemaNameFor, redact, type DialectName, type ParsedDatabaseUrl } from './url.ts';
export { migrate, appliedIds, MIGRATIONS_TABLE, type Migration } from './migrate.ts';
export { inTransaction } from './transaction.ts';
export { isUniqueViolation, isForeignKeyViolation, conflictOnDuplicate } from './errors.ts';
export { PortableValuesPlugin, toDbValue, fromDbBool, toDbJson, fromDbJson, toDbTime, fromDbTime } from './values.ts';
