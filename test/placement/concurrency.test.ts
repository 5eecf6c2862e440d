// Placement's writes under concurrency, on SQLite and PostgreSQL, from two database handles (two
// API processes sharing one database; on SQLite one handle, see `other`): claims on the last capacity, consumer generation races,
// inventory changes racing allocations, and each process's provider model seeing the other's writes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dbTest } from '../helpers/db.ts';
import { migrate, type Database } from '../../src/lib/db/index.ts';
import { migrations } from '../../src/services/placement/db/migrations.ts';
import { createProvider, deleteProvider } from '../../src/services/placement/service/providers.ts';
import { setInventories, INVENTORY_DEFAULTS } from '../../src/services/placement/service/inventories.ts';
import { writeAllocations, deleteAllocations, type ConsumerWrite } from '../../src/services/placement/service/allocations.ts';
import { ProviderModel } from '../../src/services/placement/service/model.ts';
import { findCandidates } from '../../src/services/placement/service/candidates.ts';
import { CloudError } from '../../src/lib/errors.ts';

async function host(db: Database, name: string, vcpus: number): Promise<string> {
  const uuid = randomUUID();
  await createProvider(db, { uuid, name });
  await setInventories(db, uuid, 0, new Map([['VCPU', { total: vcpus, ...INVENTORY_DEFAULTS }], ['MEMORY_MB', { total: 4096, ...INVENTORY_DEFAULTS }]]), true);
  return uuid;
}
const claim = (rp: string, vcpu: number, consumer = randomUUID(), generation: number | null = null): ConsumerWrite => ({
  consumer, projectId: 'p', userId: 'u', generation, consumerType: 'INSTANCE', allocations: new Map([[rp, new Map([['VCPU', vcpu], ['MEMORY_MB', 256]])]]),
});
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (err) => (err instanceof CloudError ? `${err.status}` : `boom: ${err}`));
/**
 * The second "process": on PostgreSQL another pool on the same schema. On SQLite the same handle —
 * node:sqlite waits for a lock synchronously, so two handles in ONE process would block each
 * other's event loop; separate processes are covered by multiprocess.test.ts.
 */
const other = (a: Database, ctx: { url: string; reopen(): Promise<Database> }) => (ctx.url.startsWith('sqlite') ? Promise.resolve(a) : ctx.reopen());
const usedVcpu = async (db: Database, rp: string) =>
  Number((await db.db.selectFrom('inventories').select('used').where('provider_uuid', '=', rp).where('resource_class', '=', 'VCPU').executeTakeFirstOrThrow()).used);

dbTest('two processes claiming the last capacity: exactly as many win as fit, the rest get 409', async (a, ctx) => {
  await migrate(a, migrations);
  const b = await other(a, ctx);
  const rp = await host(a, 'cn-race', 4);
  // 12 claims of 2 VCPU against 4: two fit. Alternate the two handles.
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => outcome(writeAllocations(i % 2 ? b : a, [claim(rp, 2)], 'put'))));
  assert.equal(results.filter((r) => r === 'ok').length, 2, results.join(','));
  assert.ok(results.every((r) => r === 'ok' || r === '409'), results.join(','));
  assert.equal(await usedVcpu(a, rp), 4);
  const rows = await a.db.selectFrom('allocations').select(({ fn }) => fn.sum<number>('used').as('n')).where('resource_class', '=', 'VCPU').executeTakeFirstOrThrow();
  assert.equal(Number(rows.n), 4, 'inventories.used matches the allocation rows');
}, { timeout: 60_000 });

dbTest('one consumer written concurrently with the same generation: one wins, the other is a generation conflict', async (a, ctx) => {
  await migrate(a, migrations);
  const b = await other(a, ctx);
  const rp = await host(a, 'cn-gen', 16);
  const consumer = randomUUID();
  const first = await Promise.all([outcome(writeAllocations(a, [claim(rp, 1, consumer)], 'put')), outcome(writeAllocations(b, [claim(rp, 2, consumer)], 'put'))]);
  assert.deepEqual(first.sort(), ['409', 'ok']);
  const next = await Promise.all([outcome(writeAllocations(a, [claim(rp, 3, consumer, 1)], 'put')), outcome(writeAllocations(b, [claim(rp, 4, consumer, 1)], 'put'))]);
  assert.deepEqual(next.sort(), ['409', 'ok']);
  assert.ok([3, 4].includes(await usedVcpu(a, rp)));
  // Deleting twice at once: one 204, one 404, usage back to zero exactly once.
  const del = await Promise.all([outcome(deleteAllocations(a, consumer)), outcome(deleteAllocations(b, consumer))]);
  assert.deepEqual(del.sort(), ['404', 'ok']);
  assert.equal(await usedVcpu(a, rp), 0);
}, { timeout: 60_000 });

dbTest('an inventory write racing claims never leaves usage above what was checked', async (a, ctx) => {
  await migrate(a, migrations);
  const b = await other(a, ctx);
  const rp = await host(a, 'cn-inv', 8);
  const shrink = (async () => {
    for (let i = 0; i < 5; i++) {
      const gen = Number((await b.db.selectFrom('resource_providers').select('generation').where('uuid', '=', rp).executeTakeFirstOrThrow()).generation);
      const r = await outcome(setInventories(b, rp, gen, new Map([['VCPU', { total: 8, ...INVENTORY_DEFAULTS }], ['MEMORY_MB', { total: 4096, ...INVENTORY_DEFAULTS }]]), true));
      if (r !== 'ok') assert.equal(r, '409');
    }
  })();
  const claims = Promise.all(Array.from({ length: 10 }, () => outcome(writeAllocations(a, [claim(rp, 1)], 'put'))));
  const [results] = await Promise.all([claims, shrink]);
  assert.equal(results.filter((r) => r === 'ok').length, 8, results.join(','));
  assert.equal(await usedVcpu(a, rp), 8);
}, { timeout: 60_000 });

dbTest("each process's provider model sees the other's writes at its next refresh", async (a, ctx) => {
  await migrate(a, migrations);
  const b = await other(a, ctx);
  const modelA = new ProviderModel(a.db);
  const modelB = new ProviderModel(b.db);
  const rp = await host(a, 'cn-model', 4);
  await Promise.all([modelA.refresh(), modelB.refresh()]);
  const search = (m: ProviderModel) => findCandidates(m, [{ suffix: '', useSameProvider: false, resources: new Map([['VCPU', 3]]), requiredTraits: [], forbiddenTraits: new Set(), memberOf: [], forbiddenAggs: new Set() }],
    { sameSubtrees: [], nestedAware: true, randomize: false, maxCandidates: -1 }).requests.length;
  assert.equal(search(modelB), 1);
  await writeAllocations(a, [claim(rp, 2)], 'put'); // written through A
  await modelB.refresh();
  assert.equal(search(modelB), 0, 'B sees the usage A wrote');
  assert.equal(modelB.providers.get(rp)!.inventories.get('VCPU')!.used, 2);
  const rp2 = await host(b, 'cn-model-2', 8); // created through B
  await modelA.refresh();
  assert.equal(search(modelA), 1);
  assert.ok(modelA.providers.has(rp2));
  await deleteProvider(b, rp2); // deleted through B
  await modelA.refresh();
  assert.ok(!modelA.providers.has(rp2));
  assert.equal(search(modelA), 0);
}, { timeout: 60_000 });
