// Data safety. Concurrent PUTs of one object: one of them wins whole, readers never see a mix
// or a partial object, stats stay exact and no blob leaks. A SIGKILLed process in the middle of
// an upload: after the restart nothing partial is visible and listings and stats match storage.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { dbFlags, swift, swiftUser } from './helpers.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const repo = new URL('../../', import.meta.url).pathname;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => { for (const f of cleanups.reverse()) await f(); });

function blobFiles(dataDir: string): string[] {
  const root = join(dataDir, 'object-storage', 'data');
  const out: string[] = [];
  for (const a of readdirSync(root)) out.push(...readdirSync(join(root, a)));
  return out;
}

test('concurrent PUTs of one object: last commit wins whole, readers see whole versions only', async () => {
  const c: TestCloud = await startTestCloud({ ...dbFlags() });
  cleanups.push(() => c.stop());
  const u = await swiftUser(c, 'racer');
  await swift('PUT', `${u.url}/race`, { token: u.token });
  const versions = Array.from({ length: 6 }, () => randomBytes(1024 * 1024 + Math.floor(Math.random() * 1000)));
  const known = new Set(versions.map(md5));
  assert.equal((await swift('PUT', `${u.url}/race/obj`, { token: u.token, body: versions[0] })).status, 201);
  let writing = true;
  const readers = Array.from({ length: 4 }, async () => {
    let reads = 0;
    while (writing) {
      const r = await swift('GET', `${u.url}/race/obj`, { token: u.token });
      assert.equal(r.status, 200);
      assert.equal(md5(r.body), r.headers['etag'], 'a read returns exactly the version its ETag names');
      assert.ok(known.has(md5(r.body)), 'a read returns one whole version');
      reads += 1;
    }
    return reads;
  });
  const writes = await Promise.all(versions.slice(1).map((v) => swift('PUT', `${u.url}/race/obj`, { token: u.token, body: v })));
  writing = false;
  assert.ok((await Promise.all(readers)).every((n) => n > 0));
  assert.ok(writes.every((w) => w.status === 201));
  const final = await swift('GET', `${u.url}/race/obj`, { token: u.token });
  assert.ok(known.has(md5(final.body)));
  const head = await swift('HEAD', `${u.url}/race`, { token: u.token });
  assert.deepEqual([head.headers['x-container-object-count'], head.headers['x-container-bytes-used']], ['1', String(final.body.length)]);
  assert.equal(blobFiles(c.cloud.config.str('data_dir')).length, 1, 'replaced blobs are all unlinked');
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

async function startProcess(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(join(repo, 'node_modules/.bin/node'), [join(repo, 'src/cli/main.ts'), 'up'], {
    env: { ...process.env, STRATUS_DATA_DIR: dataDir, STRATUS_PORT: String(port), STRATUS_ADMIN_PASSWORD: 'crash-admin', STRATUS_IDENTITY_PASSWORD_HASH_COST: 'cheap', STRATUS_LOG_LEVEL: 'warn', STRATUS_SERVICES: 'identity,object-storage' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`http://127.0.0.1:${port}/identity/v3`).catch(() => undefined))?.ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('stratus did not start');
}

test('SIGKILL during a PUT: after restart no partial object, listings and stats match what is stored', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swift-crash-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  let child = await startProcess(dataDir, port);
  cleanups.push(() => { child.kill('SIGKILL'); });
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/identity/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'crash-admin', domain: { id: 'default' } } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
  });
  const token = login.headers.get('x-subject-token')!;
  const body = await login.json() as any;
  const url = body.token.catalog.find((s: any) => s.type === 'object-store').endpoints.find((e: any) => e.interface === 'public').url;
  await swift('PUT', `${url}/box`, { token });
  const kept = randomBytes(300_000);
  const v1 = randomBytes(200_000);
  assert.equal((await swift('PUT', `${url}/box/kept`, { token, body: kept })).status, 201);
  assert.equal((await swift('PUT', `${url}/box/victim`, { token, body: v1 })).status, 201);
  const tiny = randomBytes(1000); // a small object: its data lives in the database
  assert.equal((await swift('PUT', `${url}/box/tiny`, { token, body: tiny })).status, 201);

  // two uploads in flight: an overwrite of `victim` and a new object; the process dies midway
  const size = 64 * 1024 * 1024;
  const inflight = ['victim', 'fresh'].map((name) => new Promise<void>((resolve) => {
    const req = request(`${url}/box/${name}`, { method: 'PUT', headers: { 'x-auth-token': token, 'content-length': String(size) } });
    req.on('error', () => resolve());
    req.on('response', () => resolve());
    const chunk = randomBytes(1024 * 1024);
    let sent = 0;
    const pump = () => { while (sent < size / 2) { sent += chunk.length; if (!req.write(chunk)) { req.once('drain', pump); return; } } };
    pump();
  }));
  await new Promise((r) => setTimeout(r, 700));
  child.kill('SIGKILL');
  await Promise.all(inflight);
  await new Promise((r) => child.once('exit', r));

  child = await startProcess(dataDir, port);
  const list = await swift('GET', `${url}/box?format=json`, { token });
  assert.deepEqual(list.json().map((o: any) => [o.name, o.bytes, o.hash]), [['kept', kept.length, md5(kept)], ['tiny', tiny.length, md5(tiny)], ['victim', v1.length, md5(v1)]]);
  const victim = await swift('GET', `${url}/box/victim`, { token });
  assert.deepEqual([victim.status, md5(victim.body)], [200, md5(v1)]);
  const small = await swift('GET', `${url}/box/tiny`, { token });
  assert.deepEqual([small.status, md5(small.body)], [200, md5(tiny)]);
  assert.equal((await swift('HEAD', `${url}/box/fresh`, { token })).status, 404);
  const c = await swift('HEAD', `${url}/box`, { token });
  const stored = String(kept.length + v1.length + tiny.length);
  assert.deepEqual([c.headers['x-container-object-count'], c.headers['x-container-bytes-used']], ['3', stored]);
  const a = await swift('HEAD', url, { token });
  assert.deepEqual([a.headers['x-account-object-count'], a.headers['x-account-bytes-used']], ['3', stored]);
  assert.deepEqual(readdirSync(join(dataDir, 'object-storage', 'tmp')), [], 'half-written uploads are gone');
  assert.equal(blobFiles(dataDir).length, 2, 'exactly the stored large objects have files');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
});
