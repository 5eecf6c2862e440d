// Roles and implied roles against a real database.
import assert from 'node:assert/strict';
import { dbTest } from '../../../../test/helpers/db.ts';
import { migrate } from '../../../lib/db/index.ts';
import { migrations } from '../db/migrations.ts';
import {
  createImpliedRole, createRole, deleteImpliedRole, deleteRole, expandImplied, getImpliedRole, getRole, listImpliedRules, listRoles, updateRole,
} from './roles.ts';

dbTest('roles: names unique per domain, global vs domain listing, immutability', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const global = await createRole(db, { name: 'observer', description: 'sees' });
  assert.equal(global.domainId, null);
  const scoped = await createRole(db, { name: 'observer', domainId: 'd1' });
  await assert.rejects(createRole(db, { name: 'observer' }), { status: 409, message: 'Conflict occurred attempting to store role - Duplicate entry found with name observer.' });
  await assert.rejects(createRole(db, { name: 'observer', domainId: 'd1' }), { status: 409, message: /at domain ID d1\.$/ });
  assert.deepEqual((await listRoles(db, { domainId: null })).map((r) => r.id), [global.id]);
  assert.deepEqual((await listRoles(db, { domainId: 'd1' })).map((r) => r.id), [scoped.id]);
  assert.equal((await listRoles(db, { name: 'observer' })).length, 2);

  assert.equal((await updateRole(db, global.id, { name: 'watcher' })).name, 'watcher');
  await assert.rejects(updateRole(db, global.id, { domainId: 'd1' }), { status: 400 });
  await updateRole(db, global.id, { options: { immutable: true } });
  await assert.rejects(updateRole(db, global.id, { name: 'x' }), { status: 403 });
  await assert.rejects(deleteRole(db, global.id), { status: 403 });
  assert.deepEqual((await updateRole(db, global.id, { options: { immutable: null } })).options, {});
  await deleteRole(db, global.id);
  await assert.rejects(getRole(db, global.id), { status: 404, message: `Could not find role: ${global.id}.` });
});

dbTest('implied roles: domain may imply global, not the reverse; admin is never implied', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => createRole(db, { name })));
  const admin = await createRole(db, { name: 'admin' });
  const d1 = await createRole(db, { name: 'd1', domainId: 'dom' });
  const d2 = await createRole(db, { name: 'd2', domainId: 'other' });
  await createImpliedRole(db, a!.id, b!.id);
  await createImpliedRole(db, b!.id, c!.id);
  await createImpliedRole(db, c!.id, a!.id); // cycles are allowed, expansion copes
  await assert.rejects(createImpliedRole(db, a!.id, b!.id), { status: 409 });
  await createImpliedRole(db, d1.id, d2.id);
  await createImpliedRole(db, d1.id, a!.id);
  await assert.rejects(createImpliedRole(db, a!.id, d1.id), { status: 403, message: `${d1.id} cannot be an implied roles.` });
  await assert.rejects(createImpliedRole(db, b!.id, admin.id), { status: 403 });
  await assert.rejects(createImpliedRole(db, 'missing', a!.id), { status: 404 });

  assert.deepEqual([...await expandImplied(db, [d1.id])].sort(), [d1.id, d2.id, a!.id, b!.id, c!.id].sort());
  assert.deepEqual((await listImpliedRules(db, d1.id)).map((r) => r.impliedRoleId).sort(), [d2.id, a!.id].sort());
  await getImpliedRole(db, a!.id, b!.id);
  await deleteImpliedRole(db, a!.id, b!.id);
  await assert.rejects(getImpliedRole(db, a!.id, b!.id), { status: 404, message: `${a!.id} does not imply ${b!.id}.` });
  await assert.rejects(deleteImpliedRole(db, a!.id, b!.id), { status: 404 });
  // Deleting a role drops the rules it takes part in.
  await deleteRole(db, c!.id);
  assert.deepEqual((await listImpliedRules(db)).filter((r) => r.priorRoleId === c!.id || r.impliedRoleId === c!.id), []);
});
