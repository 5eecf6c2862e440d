import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbTest } from '../../../../test/helpers/db.ts';
import { migrate } from '../../../lib/db/index.ts';
import { migrations } from '../db/migrations.ts';
import { createConfig, deleteConfig, getConfig, getConfigDefault, getSecurityComplianceConfig, hasConfig, updateConfig } from './domain-configs.ts';

const custom = { identity: { driver: 'ldap' }, ldap: { url: 'ldap://myldap.com:389/', user_tree_dn: 'ou=Users,dc=my_new_root,dc=org' } };

dbTest('domain config: whitelist, sensitive options never shown, partial reads', async (database) => {
  await migrate(database, migrations);
  const db = database.db;
  assert.equal(await hasConfig(db, 'd1'), false);
  assert.deepEqual(await createConfig(db, 'd1', { ...custom, ldap: { ...custom.ldap, password: 's3cret' } }), custom);
  assert.equal(await hasConfig(db, 'd1'), true);
  assert.deepEqual(await getConfig(db, 'd1'), custom);
  assert.deepEqual(await getConfig(db, 'd1', 'ldap'), { ldap: custom.ldap });
  assert.deepEqual(await getConfig(db, 'd1', 'ldap', 'url'), { url: 'ldap://myldap.com:389/' });
  await assert.rejects(getConfig(db, 'd1', 'ldap', 'password'), { status: 404, message: 'Could not find option password in group ldap in domain configuration for domain d1.' });

  await assert.rejects(createConfig(db, 'd1', { ldap: { admin_token: 'x' } }), { status: 403, message: 'Invalid domain specific configuration: Option admin_token in group ldap is not supported for domain specific configurations.' });
  await assert.rejects(createConfig(db, 'd1', { token: { expiration: 1 } }), { status: 403, message: 'Invalid domain specific configuration: Group token is not supported for domain specific configurations.' });
  await assert.rejects(createConfig(db, 'd1', {}), { status: 403, message: 'Invalid domain specific configuration: No options specified.' });
  await assert.rejects(createConfig(db, 'd1', { ldap: 'x' }), { status: 403 });
  await assert.rejects(getConfig(db, 'd2'), { status: 404, message: 'Could not find any options in domain configuration for domain d2.' });

  // Updates merge; values keep their JSON type.
  const updated = await updateConfig(db, 'd1', { identity: { driver: 'sql', list_limit: 42 } }, 'identity');
  assert.deepEqual(updated, { identity: { driver: 'sql', list_limit: 42 }, ldap: custom.ldap });
  assert.deepEqual(await updateConfig(db, 'd1', { driver: 'ldap' }, 'identity', 'driver'), { identity: { driver: 'ldap', list_limit: 42 }, ldap: custom.ldap });
  await assert.rejects(updateConfig(db, 'd1', { ldap: { url: 'x' } }, 'identity'), { status: 403 });
  await assert.rejects(updateConfig(db, 'd1', { driver: 'x', list_limit: 1 }, 'identity', 'driver'), { status: 403 });
  await assert.rejects(updateConfig(db, 'd1', { user: 'x' }, 'ldap', 'user'), { status: 404, message: 'Could not find option user in group ldap in domain configuration for domain d1.' });

  await deleteConfig(db, 'd1', 'identity', 'driver');
  await assert.rejects(getConfig(db, 'd1', 'identity', 'driver'), { status: 404 });
  await assert.rejects(deleteConfig(db, 'd1', 'identity', 'driver'), { status: 404 });
  await deleteConfig(db, 'd1', 'identity');
  await assert.rejects(getConfig(db, 'd1', 'identity'), { status: 404, message: 'Could not find group identity in domain configuration for domain d1.' });
  await deleteConfig(db, 'd1');
  assert.equal(await hasConfig(db, 'd1'), false, 'the sensitive password went with the rest');
});

test('domain config defaults and security compliance', () => {
  const all = getConfigDefault();
  assert.deepEqual(Object.keys(all), ['identity', 'ldap']);
  assert.deepEqual(getConfigDefault('identity'), { identity: { driver: 'sql', list_limit: null } });
  assert.deepEqual(getConfigDefault('ldap', 'url'), { url: 'ldap://localhost' });
  assert.ok(!('password' in (all.ldap as object)), 'sensitive options have no readable default');
  assert.throws(() => getConfigDefault('ldap', 'password'), { status: 403, message: 'Invalid domain specific configuration: Reading the default for option password in group ldap is not supported.' });
  assert.throws(() => getConfigDefault('token'), { status: 403 });

  const values = { password_regex: '^.{8,}$', password_regex_description: 'at least 8' };
  assert.deepEqual(getSecurityComplianceConfig('default', 'default', values), { security_compliance: values });
  assert.deepEqual(getSecurityComplianceConfig('default', 'default', {}, 'password_regex'), { password_regex: null });
  assert.throws(() => getSecurityComplianceConfig('other', 'default', values), { status: 403 });
  assert.throws(() => getSecurityComplianceConfig('default', 'default', values, 'lockout_duration'), { status: 403 });
});
