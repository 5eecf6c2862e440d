import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { dbTest } from '../../../test/helpers/db.ts';
import { Conflict } from '../errors.ts';
import type { Database } from './database.ts';
import { conflictOnDuplicate, isForeignKeyViolation, isUniqueViolation } from './errors.ts';

async function createTables({ db }: Database): Promise<void> {
  await db.schema.createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .execute();
  await db.schema.createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addUniqueConstraint('users_project_name', ['project_id', 'name'])
    .execute();
  await db.insertInto('projects').values({ id: 'p1', name: 'admin' }).execute();
  await db.insertInto('users').values({ id: 'u1', project_id: 'p1', name: 'alice' }).execute();
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected the query to fail');
}

dbTest('isUniqueViolation recognises primary key, unique column and composite unique', async (database) => {
  await createTables(database);
  const { db } = database;
  const pk = await caught(db.insertInto('projects').values({ id: 'p1', name: 'other' }).execute());
  const column = await caught(db.insertInto('projects').values({ id: 'p2', name: 'admin' }).execute());
  const composite = await caught(db.insertInto('users').values({ id: 'u2', project_id: 'p1', name: 'alice' }).execute());
  for (const err of [pk, column, composite]) {
    assert.equal(isUniqueViolation(err), true, String(err));
    assert.equal(isForeignKeyViolation(err), false);
  }
});

dbTest('isForeignKeyViolation recognises a missing parent and a parent still referenced', async (database) => {
  await createTables(database);
  const { db } = database;
  const missingParent = await caught(db.insertInto('users').values({ id: 'u2', project_id: 'nope', name: 'bob' }).execute());
  const stillReferenced = await caught(db.deleteFrom('projects').where('id', '=', 'p1').execute());
  for (const err of [missingParent, stillReferenced]) {
    assert.equal(isForeignKeyViolation(err), true, String(err));
    assert.equal(isUniqueViolation(err), false);
  }
});

dbTest('other database errors are neither', async (database) => {
  await createTables(database);
  const { db } = database;
  const notNull = await caught(db.insertInto('projects').values({ id: 'p3', name: null }).execute());
  const syntax = await caught(sql`selec 1`.execute(db));
  const noTable = await caught(db.selectFrom('missing').selectAll().execute());
  for (const err of [notNull, syntax, noTable]) {
    assert.equal(isUniqueViolation(err), false, String(err));
    assert.equal(isForeignKeyViolation(err), false, String(err));
  }
});

dbTest('conflictOnDuplicate turns a unique violation into Conflict (409) and passes the rest', async (database) => {
  await createTables(database);
  const { db } = database;
  await assert.rejects(
    conflictOnDuplicate(() => db.insertInto('projects').values({ id: 'p2', name: 'admin' }).execute(), 'Duplicate project name admin', { name: 'admin' }),
    (err: unknown) => err instanceof Conflict && err.status === 409 && err.message === 'Duplicate project name admin' && err.kwargs.name === 'admin',
  );
  await assert.rejects(
    conflictOnDuplicate(() => db.insertInto('users').values({ id: 'u9', project_id: 'nope', name: 'x' }).execute(), 'dup'),
    (err: unknown) => !(err instanceof Conflict) && isForeignKeyViolation(err),
  );
  assert.deepEqual(await conflictOnDuplicate(async () => 'ok', 'dup'), 'ok');
});

test('the detectors look through wrapping errors and ignore non-errors', () => {
  const pgLike = Object.assign(new Error('duplicate key'), { code: '23505' });
  assert.equal(isUniqueViolation(new Error('wrapped', { cause: pgLike })), true);
  for (const v of [undefined, null, 'UNIQUE constraint failed', 42, new Error('x'), { code: 'ERR_SQLITE_ERROR', errcode: 19 }]) {
    assert.equal(isUniqueViolation(v), false);
    assert.equal(isForeignKeyViolation(v), false);
  }
});
