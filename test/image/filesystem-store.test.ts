// The filesystem store passes the ImageStore conformance suite, and cleans up after a crash.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { filesystemStore } from '../../src/services/image/stores/filesystem-store.ts';
import { storeConformance } from './store-conformance.ts';

storeConformance('filesystem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-store-'));
  return {
    store: filesystemStore('file', { dir }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    leftovers: async () => readdirSync(dir).filter((n) => n.startsWith('.')),
  };
});

test('filesystem store: init removes partial files a crashed writer left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-store-'));
  try {
    writeFileSync(join(dir, '.partial-abc-123'), 'half an image');
    writeFileSync(join(dir, 'complete-image'), 'whole image');
    await filesystemStore('file', { dir }).init();
    assert.deepEqual(readdirSync(dir), ['complete-image']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
