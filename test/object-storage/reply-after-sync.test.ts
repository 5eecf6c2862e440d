// A write is answered only once its commit is durable: the router awaits syncCommits() before
// replying to PUT, POST, COPY or DELETE, and reads never wait for it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { anonymousContext } from '../../src/lib/auth/context.ts';
import { Config } from '../../src/lib/config.ts';
import { migrate, openDatabase } from '../../src/lib/db/index.ts';
import type { ApiRequest, Reply } from '../../src/lib/http/routes.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { swiftRoutes } from '../../src/services/object-storage/api/router.ts';
import { constraintsFrom, objectStorageConfig } from '../../src/services/object-storage/config.ts';
import { migrations } from '../../src/services/object-storage/db/migrations.ts';
import type { SwiftDeps } from '../../src/services/object-storage/service/deps.ts';
import { createTimestampSource } from '../../src/services/object-storage/service/timestamp.ts';
import { createFsBackend } from '../../src/services/object-storage/storage/fs-backend.ts';

test('writes are answered after their commit is synced; reads do not wait', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'swift-reply-sync-'));
  const database = await openDatabase(`sqlite://${join(root, 'os.db')}`, { service: 'object-storage' });
  await migrate(database, migrations);
  const config = new Config(Object.fromEntries(Object.entries(objectStorageConfig).map(([k, v]) => [k, v.default])));
  const syncs: Array<() => void> = [];
  const durable = database.durableCommits();
  const deps: SwiftDeps = {
    db: database.db, backend: createFsBackend({ root }), policy: { authorize() {}, isRegistered: () => true },
    // each sync waits until the test lets it go, then really syncs
    syncCommits: () => new Promise<void>((resolve) => syncs.push(resolve)).then(durable),
    constraints: constraintsFrom(config), config, ts: createTimestampSource(), log: silentLogger(), now: () => Date.now() / 1000,
  };
  t.after(async () => { await deps.backend.close?.(); await database.close(); rmSync(root, { recursive: true, force: true }); });
  await deps.backend.recover();
  const handler = swiftRoutes(deps, '/object-store')[0].handler;
  const call = (method: string, path: string, body?: Buffer): Promise<Reply> => handler({
    ctx: { ...anonymousContext('req'), userId: 'u', projectId: 'p', roles: ['admin'] },
    params: {}, query: {}, target: {}, baseUrl: 'http://127.0.0.1/object-store', log: silentLogger(),
    headers: body ? { 'content-length': String(body.length), 'content-type': 'text/plain' } : {},
    body: body ? Readable.from([body]) : undefined,
    raw: { method, raw: { url: `/object-store/v1/AUTH_p${path}` } },
  } as unknown as ApiRequest) as Promise<Reply>;

  for (const [method, path, body, status] of [['PUT', '/c', undefined, 201], ['PUT', '/c/o', Buffer.from('data'), 201], ['POST', '/c/o', undefined, 202]] as const) {
    let answered = false;
    const pending = call(method, path, body).then((r) => { answered = true; return r; });
    for (let i = 0; i < 200 && syncs.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(syncs.length, 1, `${method} ${path} asks for a sync`);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(answered, false, `${method} ${path} is not answered before its sync`);
    syncs.shift()!();
    assert.equal((await pending).status, status);
  }
  const read = await call('GET', '/c/o');
  assert.equal(read.status, 200);
  assert.equal(syncs.length, 0, 'a GET never waits for a sync');
});
