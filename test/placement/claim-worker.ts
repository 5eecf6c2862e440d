// Child process for multiprocess.test.ts: opens the placement database by URL and makes claims.
// argv: <database url> <provider uuid> <claims> <vcpu each>; prints a JSON array of outcomes.
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/lib/db/index.ts';
import { writeAllocations } from '../../src/services/placement/service/allocations.ts';
import { CloudError } from '../../src/lib/errors.ts';

const [url, rp, n, vcpu] = process.argv.slice(2) as [string, string, string, string];
const db = await openDatabase(url, { service: 'placement' });
const results = await Promise.all(Array.from({ length: Number(n) }, () => writeAllocations(db, [{
  consumer: randomUUID(), projectId: 'p', userId: 'u', generation: null, allocations: new Map([[rp, new Map([['VCPU', Number(vcpu)]])]]),
}], 'put').then(() => 'ok', (err) => (err instanceof CloudError ? String(err.status) : `boom: ${err}`))));
await db.close();
process.stdout.write(JSON.stringify(results));
