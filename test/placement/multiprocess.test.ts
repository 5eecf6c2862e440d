// Three OS processes claiming from one SQLite file at once: writers are serialised by SQLite's
// lock (BEGIN IMMEDIATE), so exactly as many claims win as there is capacity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { migrate, openDatabase } from '../../src/lib/db/index.ts';
import { migrations } from '../../src/services/placement/db/migrations.ts';
import { createProvider } from '../../src/services/placement/service/providers.ts';
import { setInventories, INVENTORY_DEFAULTS } from '../../src/services/placement/service/inventories.ts';

const run = promisify(execFile);

test('claims from three processes on one SQLite database: exactly the capacity is allocated', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-placement-mp-'));
  try {
    const url = `sqlite://${join(dir, 'placement.db')}`;
    const db = await openDatabase(url, { service: 'placement' });
    await migrate(db, migrations);
    const rp = randomUUID();
    await createProvider(db, { uuid: rp, name: 'mp-host' });
    await setInventories(db, rp, 0, new Map([['VCPU', { total: 10, ...INVENTORY_DEFAULTS }]]), true);
    const worker = join(import.meta.dirname, 'claim-worker.ts');
    const outs = await Promise.all([0, 1, 2].map(() => run(process.execPath, [worker, url, rp, '6', '1'])));
    const results = outs.flatMap((o) => JSON.parse(o.stdout) as string[]);
    assert.equal(results.filter((r) => r === 'ok').length, 10, results.join(','));
    assert.equal(results.filter((r) => r === '409').length, 8, results.join(','));
    const inv = await db.db.selectFrom('inventories').select('used').where('provider_uuid', '=', rp).executeTakeFirstOrThrow();
    assert.equal(Number(inv.used), 10);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
