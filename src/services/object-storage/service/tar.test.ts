import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tarEntries, TarError } from './tar.ts';

async function* chunked(b: Buffer, n: number) { for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n); }

test('reads a GNU tar with a long name, skipping bodies left unread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tar-'));
  try {
    const long = 'd/' + 'x'.repeat(150) + '.txt';
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, long), 'long one');
    writeFileSync(join(dir, 'd', 'a.bin'), Buffer.alloc(1300, 7));
    writeFileSync(join(dir, 'd', 'b.txt'), 'bee');
    execFileSync('tar', ['-cf', join(dir, 'x.tar'), '-C', dir, 'd']);
    const tar = readFileSync(join(dir, 'x.tar'));
    const seen: Record<string, string> = {};
    for await (const e of tarEntries(chunked(tar, 333))) {
      if (e.type !== '0') continue;
      if (e.name.endsWith('a.bin')) continue; // never read: must be skipped correctly
      const parts: Buffer[] = [];
      for await (const c of e.body) parts.push(c);
      seen[e.name] = Buffer.concat(parts).toString();
    }
    assert.deepEqual(seen, { [long]: 'long one', 'd/b.txt': 'bee' });
    await assert.rejects(async () => { for await (const _ of tarEntries(chunked(tar.subarray(0, 700), 100))) { /* */ } }, TarError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
