// Per-project image quotas, with Glance's limit names (glance.quota.keystone): image_count_total,
// image_count_uploading, image_size_total and image_stage_total (sizes in MiB). Glance checks
// sizes only before a transfer starts; here every transfer also holds a reservation that grows
// with each chunk, so one large upload — or several at once — cannot overrun the limit.
import type { Kysely } from 'kysely';
import { PayloadTooLarge } from '../../../lib/errors.ts';

export const QUOTA_NAMES = ['image_size_total', 'image_stage_total', 'image_count_total', 'image_count_uploading'] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];
export type Limits = Record<QuotaName, number>;

const MiB = 1 << 20;

export interface Reservation {
  /** Counts `bytes` more against the limit; throws 413 when that exceeds it. */
  add(bytes: number): void;
  /** Stops counting; `committed` when the bytes are now stored (and so in the usage). */
  release(committed?: boolean): void;
}

export interface Quotas {
  limits(project: string | undefined): Limits;
  usage(db: Kysely<any>, project: string): Promise<Limits>;
  /** 413 unless the project may own one more image. */
  checkImageCount(db: Kysely<any>, project: string | undefined): Promise<void>;
  /** 413 unless the project may start one more upload/stage/import. */
  checkUploading(db: Kysely<any>, project: string | undefined): Promise<void>;
  /** Starts counting a transfer of data (`store`) or staged data (`stage`) for the project. */
  reserve(db: Kysely<any>, project: string | undefined, kind: 'store' | 'stage', declared?: number): Promise<Reservation>;
}

/** Parses `image.quota_overrides` entries "<project>:<limit>=<value>". */
export function parseOverrides(entries: string[]): Map<string, Partial<Limits>> {
  const out = new Map<string, Partial<Limits>>();
  for (const e of entries) {
    const m = /^([^:]+):([a-z_]+)=(-?\d+)$/.exec(e.trim());
    if (!m || !(QUOTA_NAMES as readonly string[]).includes(m[2]!)) throw new Error(`config: bad image.quota_overrides entry '${e}' (want <project>:<limit>=<value>, limits ${QUOTA_NAMES.join(', ')})`);
    out.set(m[1]!, { ...out.get(m[1]!), [m[2]!]: Number(m[3]) });
  }
  return out;
}

export function createQuotas(defaults: Limits, overrides: Map<string, Partial<Limits>>): Quotas {
  /** Bytes in flight per project and kind, in this process. */
  const inflight = new Map<string, number>();
  /** Bytes committed per project and kind since start: a reservation's `used` misses them. */
  const committedBytes = new Map<string, number>();
  const limits = (project: string | undefined): Limits => ({ ...defaults, ...(project ? overrides.get(project) : {}) });

  async function storedBytes(db: Kysely<any>, project: string): Promise<number> {
    const r = await db.selectFrom('images as i').innerJoin('image_locations as l', 'l.image_id', 'i.id')
      .select((eb) => eb.fn.sum<number>('i.size').as('total'))
      .where('i.owner', '=', project).where('i.deleted', '=', 0).executeTakeFirst();
    return Number(r?.total ?? 0);
  }
  async function stagedBytes(db: Kysely<any>, project: string): Promise<number> {
    const r = await db.selectFrom('images').select((eb) => eb.fn.sum<number>('size').as('total'))
      .where('owner', '=', project).where('deleted', '=', 0).where('status', 'in', ['uploading', 'importing']).executeTakeFirst();
    return Number(r?.total ?? 0);
  }
  async function count(db: Kysely<any>, project: string, statuses?: string[]): Promise<number> {
    let q = db.selectFrom('images').select((eb) => eb.fn.countAll<number>().as('n')).where('owner', '=', project).where('deleted', '=', 0);
    if (statuses) q = q.where('status', 'in', statuses);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  }
  const over = (name: QuotaName, limit: number, usage: number) =>
    new PayloadTooLarge(`Project quota ${name} exceeded: limit ${limit}, usage ${usage}${name.endsWith('_total') && name.startsWith('image_s') ? ' MiB' : ''}`);

  return {
    limits,
    async usage(db, project) {
      return {
        image_size_total: Math.floor(await storedBytes(db, project) / MiB),
        image_stage_total: Math.floor(await stagedBytes(db, project) / MiB),
        image_count_total: await count(db, project),
        image_count_uploading: await count(db, project, ['saving', 'uploading', 'importing']),
      };
    },
    async checkImageCount(db, project) {
      const limit = limits(project).image_count_total;
      if (limit < 0 || !project) return;
      const n = await count(db, project);
      if (n + 1 > limit) throw over('image_count_total', limit, n);
    },
    async checkUploading(db, project) {
      const limit = limits(project).image_count_uploading;
      if (limit < 0 || !project) return;
      const n = await count(db, project, ['saving', 'uploading', 'importing']);
      if (n + 1 > limit) throw over('image_count_uploading', limit, n);
    },
    async reserve(db, project, kind, declared) {
      const name: QuotaName = kind === 'store' ? 'image_size_total' : 'image_stage_total';
      const limitMiB = limits(project)[name];
      if (limitMiB < 0 || !project) return { add() { /* unlimited */ }, release() { /* nothing held */ } };
      const key = `${kind}:${project}`;
      const used = kind === 'store' ? await storedBytes(db, project) : await stagedBytes(db, project);
      const limit = limitMiB * MiB;
      const already = inflight.get(key) ?? 0;
      const committedAtStart = committedBytes.get(key) ?? 0;
      const usedNow = () => used + (committedBytes.get(key) ?? 0) - committedAtStart;
      if (used + already + (declared ?? 0) > limit) throw over(name, limitMiB, Math.ceil((used + already) / MiB));
      let mine = 0;
      let released = false;
      const release = (committed = false) => {
        if (released) return;
        released = true;
        if (committed) committedBytes.set(key, (committedBytes.get(key) ?? 0) + mine);
        const left = (inflight.get(key) ?? 0) - mine;
        if (left <= 0) inflight.delete(key); else inflight.set(key, left);
      };
      return {
        release,
        add(bytes) {
          mine += bytes;
          const total = (inflight.get(key) ?? 0) + bytes;
          inflight.set(key, total);
          if (usedNow() + total > limit) {
            // Drop this transfer's bytes at once, before the stream is torn down: otherwise a
            // concurrent upload that still fits could cross the limit on them and fail too.
            release();
            throw over(name, limitMiB, Math.ceil((usedNow() + total - bytes) / MiB));
          }
        },
      };
    },
  };
}
