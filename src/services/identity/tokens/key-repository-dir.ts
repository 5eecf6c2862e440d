// The on-disk key repository, laid out as Keystone's (`[fernet_tokens] key_repository`):
// one file per key named by its number, holding the key text. The same directory can be
// shared with, or copied to and from, a real Keystone.
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateFernetKey } from './fernet.ts';
import { DEFAULT_MAX_ACTIVE_KEYS, keysPrimaryFirst, planRotation } from './key-repository.ts';
import type { FernetKeyRepository } from './key-repository.ts';

/** `<dataDir>/fernet-keys`, the default place of the token key repository. */
export function defaultKeyRepoDir(dataDir: string): string {
  return join(dataDir, 'fernet-keys');
}

export interface DirectoryKeyRepoOptions {
  /**
   * How often revision() looks at the disk for changes made by another process
   * (keystone-manage, a key sync). Rotations made through this object are seen at once.
   * 0 looks on every call. Default 1000 ms.
   */
  checkIntervalMs?: number;
  /** Milliseconds clock, for tests. */
  now?: () => number;
}

const KEY_FILE = /^\d+$/;
const STAGED = '0';
const STAGED_TMP = '0.tmp';

export function createDirectoryKeyRepo(dir: string, options: DirectoryKeyRepoOptions = {}): FernetKeyRepository {
  const checkIntervalMs = options.checkIntervalMs ?? 1000;
  const now = options.now ?? Date.now;
  let rev = 0;
  let lastCheck = -Infinity;
  let lastFingerprint = '';

  /** `_get_key_files`: numerically named regular files; empty ones are ignored, as Keystone does. */
  function readKeys(): Map<number, string> {
    const keys = new Map<number, string>();
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return keys; // missing or unreadable: no keys (Keystone's load_keys returns [] too)
    }
    for (const name of names) {
      if (!KEY_FILE.test(name)) continue;
      const path = join(dir, name);
      try {
        if (!statSync(path).isFile()) continue;
        const key = readFileSync(path, 'utf8');
        if (key.length > 0) keys.set(Number(name), key);
      } catch {
        // removed between readdir and read: a concurrent rotation; the next check catches up
      }
    }
    return keys;
  }

  // Comparing contents (a handful of 44-byte files) rather than mtimes: directory mtimes are
  // coarse, and a rotation elsewhere can land within one tick of our last look.
  const fingerprint = (keys: Map<number, string>) => [...keys].map(([i, k]) => `${i}:${k}`).join('\n');

  function noteChange(keys: Map<number, string>): void {
    const fp = fingerprint(keys);
    if (fp !== lastFingerprint) {
      lastFingerprint = fp;
      rev++;
    }
  }

  /** `_create_tmp_new_key`: written under a temporary name, owner-only, then renamed into place. */
  function writeTmpKey(): void {
    const tmp = join(dir, STAGED_TMP);
    rmSync(tmp, { force: true }); // a leftover from a crash could carry wider permissions
    writeFileSync(tmp, generateFernetKey(), { mode: 0o600, flag: 'wx' });
  }

  function rotate(maxActiveKeys = DEFAULT_MAX_ACTIVE_KEYS): void {
    const plan = planRotation(readKeys().keys(), maxActiveKeys);
    writeTmpKey();
    renameSync(join(dir, STAGED), join(dir, String(plan.newPrimary)));
    renameSync(join(dir, STAGED_TMP), join(dir, STAGED));
    for (const i of plan.purge) rmSync(join(dir, String(i)), { force: true });
    noteChange(readKeys());
  }

  return {
    load() {
      const keys = readKeys();
      noteChange(keys);
      return keysPrimaryFirst(keys);
    },
    revision() {
      const t = now();
      if (t - lastCheck >= checkIntervalMs) {
        lastCheck = t;
        noteChange(readKeys());
      }
      return rev;
    },
    setup() {
      // Keystone's create_directory: owner-only; chmod because mkdir's mode passes through umask.
      if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
      if (readKeys().has(0)) return;
      writeTmpKey();
      renameSync(join(dir, STAGED_TMP), join(dir, STAGED));
      rotate();
    },
    rotate,
  };
}
