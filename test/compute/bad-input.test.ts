// Bad input gets Nova's 4xx with Nova's fault body, never a 500: unknown flavor, image or network
// → 400; over quota → 403 "Quota exceeded"; an action in the wrong state → 409.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startComputeCloud, type ComputeCloud } from './helpers.ts';

let c: ComputeCloud;
let image: string;
let flavor: string;
let token: string;
const S = '/compute/v2.1/servers';
before(async () => {
  c = await startComputeCloud({ 'compute.fake_hosts': 1, 'compute.fake_spawn_delay_ms': 0 });
  image = await c.image();
  flavor = await c.flavor();
  token = (await c.user('carol')).token;
});
after(async () => { await c?.stop(); });

const boot = (server: Record<string, unknown>, mv = '2.37') => c.req('POST', S, { token, mv, body: { server: { name: 'x', imageRef: image, flavorRef: flavor, networks: 'none', ...server } } });

test('unknown flavor, image and network are 400 badRequest', async () => {
  for (const [body, text] of [
    [{ flavorRef: 'nope' }, 'Flavor nope could not be found.'],
    [{ imageRef: '11111111-2222-3333-4444-555555555555' }, 'could not be found'],
    [{ networks: [{ uuid: '11111111-2222-3333-4444-555555555555' }] }, 'could not be found'],
    [{ networks: [{ port: '11111111-2222-3333-4444-555555555555' }] }, 'could not be found'],
    [{ key_name: 'missing' }, 'Invalid key_name provided.'],
    [{ availability_zone: 'atlantis' }, 'availability zone is not available'],
  ] as const) {
    const r = await boot(body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.ok(r.body.badRequest.message.includes(text), r.body.badRequest.message);
    assert.equal(r.body.badRequest.code, 400);
  }
});

test('malformed bodies are 400, never 500', async () => {
  for (const body of [undefined, {}, { server: {} }, { server: { name: '', flavorRef: flavor } }, { server: { name: 'x'.repeat(256), flavorRef: flavor, imageRef: image, networks: 'none' } },
    { server: { name: 'x', flavorRef: flavor, imageRef: image, networks: 'some' } }, { server: { name: 'x', flavorRef: flavor, imageRef: image, networks: 'none', min_count: 0 } },
    { server: { name: 'x', flavorRef: flavor, imageRef: image, networks: 'none', accessIPv4: '1.2.3' } }, { server: { name: 'x', flavorRef: flavor, imageRef: 'not-a-uuid', networks: 'none' } }]) {
    const r = await c.req('POST', S, { token, mv: '2.37', body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
  }
  const raw = await c.req('POST', S, { token, raw: '{not json', headers: { 'content-type': 'application/json' } });
  assert.equal(raw.status, 400);
  assert.equal((await c.req('POST', `${S}/x/action`, { token, body: { reboot: { type: 'SOFT' } } })).status, 404);
  assert.equal((await c.req('GET', `${S}?limit=abc`, { token })).status, 400);
  assert.equal((await c.req('GET', `${S}?changes-since=yesterday`, { token })).status, 400);
  assert.equal((await c.req('GET', S, { token, mv: '2.999' })).status, 406);
});

test('over quota is 403 Quota exceeded', async () => {
  const admin = await c.adminToken();
  const u = await c.user('dave');
  assert.equal((await c.req('PUT', `/compute/v2.1/os-quota-sets/${u.projectId}`, { token: admin, body: { quota_set: { instances: 1 } } })).status, 200);
  const ok = await c.req('POST', S, { token: u.token, mv: '2.37', body: { server: { name: 'q1', imageRef: image, flavorRef: flavor, networks: 'none' } } });
  assert.equal(ok.status, 202);
  const over = await c.req('POST', S, { token: u.token, mv: '2.37', body: { server: { name: 'q2', imageRef: image, flavorRef: flavor, networks: 'none' } } });
  assert.equal(over.status, 403);
  assert.match(over.body.forbidden.message, /^Quota exceeded for instances: Requested 1, but already used 1 of 1 instances/);
  // min_count over the quota fails, max_count is trimmed to what fits
  const limits = await c.req('GET', '/compute/v2.1/limits', { token: u.token });
  assert.equal(limits.body.limits.absolute.maxTotalInstances, 1);
  assert.equal(limits.body.limits.absolute.totalInstancesUsed, 1);
});

test('an action in the wrong state is 409 conflictingRequest', async () => {
  const r = await boot({ name: 'state' });
  const id = r.body.server.id;
  await c.waitFor(id, (s) => s?.status === 'ACTIVE', token);
  const start = await c.req('POST', `${S}/${id}/action`, { token, body: { 'os-start': null } });
  assert.equal(start.status, 409);
  assert.match(start.body.conflictingRequest.message, /Cannot 'start' instance .* while it is in vm_state active/);
  assert.equal((await c.req('POST', `${S}/${id}/action`, { token, body: { unpause: null } })).status, 409);
  assert.equal((await c.req('POST', `${S}/${id}/action`, { token, body: { confirmResize: null } })).status, 409);
  assert.equal((await c.req('POST', `${S}/${id}/action`, { token, body: { nothing: null } })).status, 400);
  // locked: changes refused until unlocked
  assert.equal((await c.req('POST', `${S}/${id}/action`, { token, body: { lock: null } })).status, 202);
  assert.equal((await c.req('POST', `${S}/${id}/action`, { token, body: { 'os-stop': null } })).status, 409);
  assert.equal((await c.req('DELETE', `${S}/${id}`, { token })).status, 409);
  assert.equal((await c.req('POST', `${S}/${id}/action`, { token, body: { unlock: null } })).status, 202);
  assert.equal((await c.req('DELETE', `${S}/${id}`, { token })).status, 204);
});

test('another project\'s server is a 404, as Nova\'s project-only queries make it', async () => {
  const r = await boot({ name: 'mine' });
  const other = await c.user('eve');
  const id = r.body.server.id;
  for (const [m, p, body] of [['GET', `${S}/${id}`], ['PUT', `${S}/${id}`, { server: { name: 'x' } }], ['POST', `${S}/${id}/action`, { 'os-stop': null }],
    ['GET', `${S}/${id}/metadata`], ['GET', `${S}/${id}/os-instance-actions`]] as Array<[string, string, unknown?]>) {
    const res = await c.req(m, p, { token: other.token, body });
    assert.equal(res.status, 404, `${m} ${p} → ${res.status}`);
  }
  assert.equal((await c.req('GET', `${S}/11111111-2222-3333-4444-555555555555`, { token })).status, 404);
  assert.equal((await c.req('GET', `${S}/detail`, { token: other.token })).body.servers.length, 0);
  assert.equal((await c.req('GET', `${S}?all_tenants=1`, { token: other.token })).status, 403);
});
