import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { databaseUrlFor, parseDatabaseUrl, redact, schemaNameFor } from './url.ts';

test('parseDatabaseUrl reads the three sqlite forms', () => {
  assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/stratus/identity.db'), { dialect: 'sqlite', filename: '/var/lib/stratus/identity.db' });
  assert.deepEqual(parseDatabaseUrl('sqlite:data/identity.db'), { dialect: 'sqlite', filename: 'data/identity.db' });
  assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', filename: ':memory:' });
});

test('parseDatabaseUrl accepts postgres: and postgresql:', () => {
  assert.deepEqual(parseDatabaseUrl('postgres://u@h/db'), { dialect: 'postgres', connectionString: 'postgres://u@h/db' });
  assert.deepEqual(parseDatabaseUrl('postgresql://u@h/db'), { dialect: 'postgres', connectionString: 'postgresql://u@h/db' });
});

test('parseDatabaseUrl rejects unknown schemes, hosts on sqlite and empty paths', () => {
  assert.throws(() => parseDatabaseUrl('mysql://u:pw@h/db'), /Unsupported database URL "mysql:\/\/u:\*\*\*@h\/db"/);
  assert.throws(() => parseDatabaseUrl('sqlite://somehost/file.db'), /Bad sqlite URL/);
  assert.throws(() => parseDatabaseUrl('sqlite:'), /no file name/);
  assert.throws(() => parseDatabaseUrl('/just/a/path.db'), /Unsupported/);
});

test('databaseUrlFor gives each service its own sqlite file in the data directory', () => {
  assert.equal(databaseUrlFor('sqlite:', '/srv/data', 'identity'), 'sqlite:///srv/data/identity.db');
  assert.equal(databaseUrlFor('', '/srv/data', 'image'), 'sqlite:///srv/data/image.db');
  assert.equal(databaseUrlFor('sqlite:', 'rel/data', 'image'), `sqlite://${resolve('rel/data')}/image.db`);
  assert.deepEqual(parseDatabaseUrl(databaseUrlFor('sqlite:', '/srv/data', 'block-storage')), { dialect: 'sqlite', filename: '/srv/data/block-storage.db' });
});

test('databaseUrlFor treats a sqlite path as the directory, keeps :memory: and postgres URLs', () => {
  assert.equal(databaseUrlFor('sqlite:///other/dir', '/srv/data', 'compute'), 'sqlite:///other/dir/compute.db');
  assert.equal(databaseUrlFor('sqlite::memory:', '/srv/data', 'compute'), 'sqlite::memory:');
  assert.equal(databaseUrlFor('postgres://u@db/stratus', '/srv/data', 'compute'), 'postgres://u@db/stratus');
});

test('schemaNameFor maps dashes and rejects names that are not identifiers', () => {
  assert.equal(schemaNameFor('identity'), 'identity');
  assert.equal(schemaNameFor('block-storage'), 'block_storage');
  assert.throws(() => schemaNameFor('Bad"Name'), /cannot name a database schema/);
  assert.throws(() => databaseUrlFor('sqlite:', '/d', '../escape'), /cannot name a database schema/);
});

test('redact hides the password only', () => {
  assert.equal(redact('postgres://stratus:s3cret@db:5432/x'), 'postgres://stratus:***@db:5432/x');
  assert.equal(redact('postgres://stratus@db/x'), 'postgres://stratus@db/x');
});
