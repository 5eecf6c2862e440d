// Visibility, members and isolation between projects: project B can neither see nor touch
// project A's private images; sharing, accepting and rejecting; public needs an admin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startImageCloud, type ImageCloud } from './helpers.ts';

let cl: ImageCloud;
before(async () => { cl = await startImageCloud(); });
after(() => cl.stop());

const listIds = async (token: string, q = '') => (await cl.api('GET', `/v2/images${q}`, { token })).body.images.map((i: any) => i.id);

test('isolation: another project gets 404 for a private image, whatever it tries', async () => {
  const img = await cl.create({ name: 'secret', visibility: 'private' });
  await cl.put(`/v2/images/${img.id}/file`, randomBytes(100));
  const bob = cl.bob.token;
  assert.ok(!(await listIds(bob)).includes(img.id));
  assert.ok(!(await listIds(bob, '?visibility=all')).includes(img.id));
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`, { token: bob })).status, 404);
  assert.equal((await cl.get(`/v2/images/${img.id}/file`, { token: bob })).status, 404);
  assert.equal((await cl.patch(img.id, [{ op: 'replace', path: '/name', value: 'mine' }], bob)).status, 404);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`, { token: bob })).status, 404);
  assert.equal((await cl.api('PUT', `/v2/images/${img.id}/tags/x`, { token: bob })).status, 404);
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/actions/deactivate`, { token: bob })).status, 404);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}/members`, { token: bob })).status, 404);
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/import`, { token: bob, body: { method: { name: 'copy-image' } } })).status, 404);
  assert.equal((await cl.api('GET', `/v2/images?marker=${img.id}`, { token: bob })).status, 400);
  // nor can it create images for project A
  assert.equal((await cl.api('POST', '/v2/images', { token: bob, body: { owner: cl.alice.project } })).status, 403);
  // the owner's reader sees it but may not change it
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`, { token: cl.rita.token })).status, 200);
  assert.equal((await cl.patch(img.id, [{ op: 'replace', path: '/name', value: 'x' }], cl.rita.token)).status, 403);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`, { token: cl.rita.token })).status, 403);
  assert.equal((await cl.api('POST', '/v2/images', { token: cl.rita.token, body: {} })).status, 403);
  // the admin sees everything
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`, { token: cl.admin })).status, 200);
});

test('public images need an admin; everyone sees them', async () => {
  assert.equal((await cl.api('POST', '/v2/images', { body: { name: 'pub', visibility: 'public' } })).status, 403);
  const r = await cl.api('POST', '/v2/images', { token: cl.admin, body: { name: 'pub', visibility: 'public', owner: cl.alice.project } });
  assert.equal(r.status, 201, r.text);
  assert.ok((await listIds(cl.bob.token)).includes(r.body.id));
  assert.equal((await cl.patch(r.body.id, [{ op: 'replace', path: '/name', value: 'x' }], cl.bob.token)).status, 403);
});

test('members: share, accept, reject; only the member decides; only shared images have members', async () => {
  const img = await cl.create({ name: 'to-share' });
  const bob = cl.bob.token;
  const add = await cl.api('POST', `/v2/images/${img.id}/members`, { body: { member: cl.bob.project } });
  assert.equal(add.status, 200, add.text);
  assert.deepEqual([add.body.member_id, add.body.image_id, add.body.status, add.body.schema], [cl.bob.project, img.id, 'pending', '/v2/schemas/member']);
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/members`, { body: { member: cl.bob.project } })).status, 409);
  // pending: visible by id, not listed
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`, { token: bob })).status, 200);
  assert.ok(!(await listIds(bob)).includes(img.id));
  assert.deepEqual(await listIds(bob, '?visibility=shared&member_status=pending'), [img.id]);
  // the owner may not accept for the member; bad statuses are 400
  assert.equal((await cl.api('PUT', `/v2/images/${img.id}/members/${cl.bob.project}`, { body: { status: 'accepted' } })).status, 403);
  assert.equal((await cl.api('PUT', `/v2/images/${img.id}/members/${cl.bob.project}`, { token: bob, body: { status: 'maybe' } })).status, 400);
  assert.equal((await cl.api('PUT', `/v2/images/${img.id}/members/${cl.bob.project}`, { token: bob, body: {} })).status, 400);
  assert.equal((await cl.api('PUT', `/v2/images/${img.id}/members/${cl.bob.project}`, { token: bob, body: { status: 'accepted' } })).status, 200);
  assert.ok((await listIds(bob)).includes(img.id));
  // the member sees its own membership; may not add others or delete the image
  assert.deepEqual((await cl.api('GET', `/v2/images/${img.id}/members`, { token: bob })).body.members.map((m: any) => m.member_id), [cl.bob.project]);
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/members`, { token: bob, body: { member: 'someone' } })).status, 403);
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}`, { token: bob })).status, 403);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}/members/${cl.bob.project}`)).body.status, 'accepted');
  assert.equal((await cl.api('GET', `/v2/images/${img.id}/members/nobody`)).status, 404);
  // reject: gone from the list again
  await cl.api('PUT', `/v2/images/${img.id}/members/${cl.bob.project}`, { token: bob, body: { status: 'rejected' } });
  assert.ok(!(await listIds(bob)).includes(img.id));
  // removed: not visible at all
  assert.equal((await cl.api('DELETE', `/v2/images/${img.id}/members/${cl.bob.project}`)).status, 204);
  assert.equal((await cl.api('GET', `/v2/images/${img.id}`, { token: bob })).status, 404);
  // bad member bodies; private images have no members
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/members`, { body: {} })).status, 400);
  assert.equal((await cl.api('POST', `/v2/images/${img.id}/members`, { body: { member: '' } })).status, 400);
  const priv = await cl.create({ name: 'private', visibility: 'private' });
  assert.equal((await cl.api('POST', `/v2/images/${priv.id}/members`, { body: { member: cl.bob.project } })).status, 403);
  assert.equal((await cl.api('GET', `/v2/images/${priv.id}/members`)).status, 403);
});
