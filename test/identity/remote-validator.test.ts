// The HTTP token validator other processes use (keystonemiddleware's job), against a real cloud.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCloud, ADMIN_PASSWORD, type TestCloud } from '../helpers/cloud.ts';
import { createRemoteValidator } from '../../src/lib/auth/remote-validator.ts';
import { createAuthenticator } from '../../src/lib/auth/authenticator.ts';
import { NotFound, Unauthorized } from '../../src/lib/errors.ts';

let c: TestCloud;
before(async () => { c = await startTestCloud(); });
after(() => c.stop());

test('validates a user token over HTTP with service credentials; a revoked token stops working', async () => {
  const validator = createRemoteValidator({ authUrl: c.cloud.authUrl, username: 'admin', password: ADMIN_PASSWORD, projectName: 'admin' });
  const user = await c.login({ name: 'admin', password: ADMIN_PASSWORD }, { project: { name: 'admin', domain: { id: 'default' } } });
  const info = await validator.validate(user.token);
  assert.equal(info.userName, 'admin');
  assert.equal(info.projectName, 'admin');
  assert.deepEqual(info.roles.sort(), ['admin', 'member', 'reader']);
  assert.ok(info.expiresAt && Date.parse(info.expiresAt) > Date.now());

  const auth = createAuthenticator(validator);
  const ctx = await auth.authenticate({ authToken: user.token }, 'req-1');
  assert.equal(ctx.userId, info.userId);

  const revoke = await c.request('DELETE', '/identity/v3/auth/tokens', { token: await c.adminToken(), headers: { 'x-subject-token': user.token } });
  assert.equal(revoke.status, 204);
  await assert.rejects(validator.validate(user.token), NotFound);
  auth.invalidate();
  await assert.rejects(auth.authenticate({ authToken: user.token }, 'req-2'), Unauthorized);
  await assert.rejects(validator.validate('garbage'), NotFound);
});
