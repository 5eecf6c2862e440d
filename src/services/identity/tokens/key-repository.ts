// A Fernet key repository with Keystone's semantics (keystone/common/fernet_utils.py):
// keys are numbered; the highest number is the primary (encrypts), 0 is the staged key
// (the next primary, already accepted for decryption), the rest are secondaries.
// Staging lets one node rotate and the others sync the files afterwards: every node already
// accepts the key that becomes primary.
import { generateFernetKey } from './fernet.ts';

export interface FernetKeyRepository {
  /** The keys, primary first and the staged key 0 last; empty when there are none. */
  load(): string[];
  /**
   * A number that changes whenever the keys may have changed (rotation here or by another
   * process). Cheap: callers compare it on every token and re-load only when it moves.
   */
  revision(): number;
  /** `keystone-manage fernet_setup`: keys 0 and 1, unless key 0 already exists. */
  setup(): void;
  /** `keystone-manage fernet_rotate`: staged becomes primary, a new staged key, excess secondaries go. */
  rotate(maxActiveKeys?: number): void;
}

export const DEFAULT_MAX_ACTIVE_KEYS = 3;

export interface RotationPlan {
  /** The number key 0 is renamed to. */
  newPrimary: number;
  /** Key numbers to delete afterwards, oldest first. */
  purge: number[];
}

/**
 * What `rotate_keys` does to a repository holding `indices`: 0 → max+1, then, counting
 * the keys other than the new staged one, the oldest beyond `maxActiveKeys - 1` are removed,
 * so the repository ends with `maxActiveKeys` keys in all.
 */
export function planRotation(indices: Iterable<number>, maxActiveKeys: number): RotationPlan {
  if (!Number.isInteger(maxActiveKeys) || maxActiveKeys < 1) throw new Error('maxActiveKeys must be an integer >= 1');
  const existing = [...indices];
  if (!existing.includes(0)) throw new Error('Fernet key repository has no staged key 0; run setup first');
  const newPrimary = Math.max(...existing) + 1;
  const kept = [newPrimary, ...existing.filter((i) => i !== 0)].sort((a, b) => b - a);
  return { newPrimary, purge: kept.slice(Math.max(0, maxActiveKeys - 1)).reverse() };
}

/** Orders a number → key map as `load_keys` does: highest number first. */
export function keysPrimaryFirst(keys: ReadonlyMap<number, string>): string[] {
  return [...keys.keys()].sort((a, b) => b - a).map((i) => keys.get(i)!);
}

/** A repository in memory, for tests and throwaway clouds. `initial` maps key number → key. */
export function createInMemoryKeyRepo(initial: Record<number, string> = {}): FernetKeyRepository & {
  /** The current number → key map (a copy), to inspect layout in tests. */
  snapshot(): Map<number, string>;
} {
  const keys = new Map<number, string>(Object.entries(initial).map(([i, k]) => [Number(i), k]));
  let rev = 0;

  function rotate(maxActiveKeys = DEFAULT_MAX_ACTIVE_KEYS): void {
    const plan = planRotation(keys.keys(), maxActiveKeys);
    keys.set(plan.newPrimary, keys.get(0)!);
    keys.set(0, generateFernetKey());
    for (const i of plan.purge) keys.delete(i);
    rev++;
  }

  return {
    load: () => keysPrimaryFirst(keys),
    revision: () => rev,
    setup() {
      if (keys.has(0)) return;
      keys.set(0, generateFernetKey());
      rotate();
    },
    rotate,
    snapshot: () => new Map(keys),
  };
}
