// Keystone's inexact list filters (`name__contains=x`, `name__istartswith=x`, …) and its
// timestamp rendering, shared by the user, group, credential and application credential routes.

const COMPARATORS: Record<string, (value: string, wanted: string) => boolean> = {
  contains: (v, w) => v.includes(w),
  startswith: (v, w) => v.startsWith(w),
  endswith: (v, w) => v.endsWith(w),
  equals: (v, w) => v === w,
};

/**
 * Keeps the items matching every `<field>__[i]<comparator>` query parameter for the given
 * fields (an `i` prefix makes the comparison case-insensitive), as Keystone's driver hints do.
 */
export function applyInexactFilters<T>(items: T[], query: Record<string, unknown>, fields: Record<string, (item: T) => unknown>): T[] {
  const tests: Array<(item: T) => boolean> = [];
  for (const [key, raw] of Object.entries(query)) {
    const m = /^(.+?)__(i?)(contains|startswith|endswith|equals)$/.exec(key);
    const get = m && Object.hasOwn(fields, m[1]!) ? fields[m[1]!] : undefined;
    if (!m || !get) continue;
    const fold = m[2] === 'i' ? (s: string) => s.toLowerCase() : (s: string) => s;
    const compare = COMPARATORS[m[3]!]!;
    for (const wanted of [raw].flat()) {
      tests.push((item) => {
        const value = get(item);
        return typeof value === 'string' && compare(fold(value), fold(String(wanted)));
      });
    }
  }
  return tests.length ? items.filter((item) => tests.every((t) => t(item))) : items;
}

/** A query parameter that may be repeated: its last value, as a string. */
export function lastValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return String(Array.isArray(value) ? value.at(-1) : value);
}

/** Keystone renders stored datetimes as `2026-01-01T12:00:00.000000` (no zone, microseconds). */
export function keystoneTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z?$/.exec(iso);
  if (!m) return iso;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}`;
}
