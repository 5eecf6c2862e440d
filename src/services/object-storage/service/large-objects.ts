// Large objects. DLO (X-Object-Manifest: <container>/<prefix>): the content is every object of
// that container whose name starts with the prefix, in listing order. SLO (a manifest stored with
// ?multipart-manifest=put): an explicit list of segments, each checked when the manifest is
// stored and again when it is read. Both stream segment by segment.
import { createHash } from 'node:crypto';
import { Conflict } from '../../../lib/errors.ts';
import type { ObjectRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import type { SwiftDeps } from './deps.ts';
import { isExpired } from './objects.ts';
import { concatAssembly, dataAssembly, plainAssembly, readSmall, type Assembly } from './reader.ts';
import type { SwiftRequest } from '../api/swift-http.ts';
import { authorizeSub, refusalStatus, type SubRequest } from './sub-requests.ts';
import { followSymlink, isSymlink } from './symlinks.ts';

/** One segment as Swift stores it in an SLO manifest. */
export interface SloSegment {
  name: string;
  bytes: number;
  hash: string;
  content_type?: string;
  last_modified?: string;
  range?: string;
  sub_slo?: boolean;
  data?: string;
}

export class SegmentError extends Error {}

/** What the caller may reach (sub-requests.ts); each throws the 401 or 403 the caller would get. */
export interface SegmentAccess {
  /** A DLO's listing of its segment container. */
  list(container: string): Promise<void>;
  /** One segment of an SLO. */
  read(container: string, object: string): Promise<void>;
  /** Where a segment that is a symlink ends (undefined: nowhere), each hop authorized. */
  follow(link: ObjectRow): Promise<ObjectRow | undefined>;
}

/** The caller's access to the segments of a large object in `account`: each container asked once. */
export function segmentAccess(deps: SwiftDeps, req: SwiftRequest, account: string): SegmentAccess {
  const asked = new Map<string, Promise<void>>();
  const once = (key: string, sub: SubRequest) => {
    let answer = asked.get(key);
    if (!answer) asked.set(key, (answer = authorizeSub(deps, req, sub).then(() => undefined)));
    return answer;
  };
  return {
    list: (container) => once(`list ${container}`, { method: 'GET', account, container }),
    // object reads are allowed or not container by container
    read: (container, object) => once(`read ${container}`, { method: 'GET', account, container, object }),
    follow: async (link) => (await followSymlink(deps, { ...req, method: 'GET' }, link)).target,
  };
}

export const isSlo = (o: ObjectRow) => o.sysmeta['X-Static-Large-Object'] === 'True';
export const isDlo = (o: ObjectRow) => o.headers['X-Object-Manifest'] !== undefined;

/** Splits "/container/object" (or "container/object") of a segment path. */
export function splitSegmentPath(path: string): { container: string; name: string } | undefined {
  const p = path.replace(/^\/+/, '');
  const slash = p.indexOf('/');
  if (slash <= 0 || slash === p.length - 1) return undefined;
  return { container: p.slice(0, slash), name: p.slice(slash + 1) };
}

/** "M-N" of a stored SLO range → [start, end). */
function parseStoredRange(r: string): [number, number] {
  const [a, b] = r.split('-');
  return [Number(a), Number(b) + 1];
}

const segmentLength = (s: SloSegment) => {
  if (s.data !== undefined) return Buffer.from(s.data, 'base64').length;
  if (!s.range) return s.bytes;
  const [a, b] = parseStoredRange(s.range);
  return b - a;
};

export async function loadManifest(deps: SwiftDeps, o: ObjectRow): Promise<SloSegment[]> {
  const raw = await readSmall(deps.backend, o.data_id, o.size, deps.config.int('object_storage.max_manifest_size') * 4);
  return JSON.parse(raw.toString('utf8')) as SloSegment[];
}

/** Total content size of an SLO (as stored at manifest time). */
export const sloSize = (o: ObjectRow) => Number(o.sysmeta['X-Object-Sysmeta-Slo-Size'] ?? 0);
export const sloEtag = (o: ObjectRow) => o.sysmeta['X-Object-Sysmeta-Slo-Etag'] ?? '';

async function segmentRow(deps: SwiftDeps, account: string, path: string, access: SegmentAccess): Promise<ObjectRow> {
  const p = splitSegmentPath(path);
  if (p) {
    await access.read(p.container, p.name).catch((err: unknown) => {
      const refused = refusalStatus(err);
      throw refused ? new SegmentError(`Segment ${path}: ${refused}`) : err;
    });
  }
  const row = p && await store.getObject(deps.db, account, p.container, p.name);
  if (!row || isExpired(row, deps.now())) throw new SegmentError(`Segment ${path} not found`);
  if (!isSymlink(row)) return row;
  // a segment reached through a link, as Swift's segment GETs pass its symlink middleware
  const target = await access.follow(row).catch((err: unknown) => {
    if (refusalStatus(err) === undefined && !(err instanceof Conflict)) throw err;
    throw new SegmentError(`Segment ${path}: ${refusalStatus(err) ?? (err as Error).message}`);
  });
  if (!target) throw new SegmentError(`Segment ${path} not found`);
  return target;
}

/** The content of an SLO, segments resolved, authorized and verified as they are reached. */
export async function sloAssembly(deps: SwiftDeps, o: ObjectRow, access: SegmentAccess, depth = 0): Promise<Assembly> {
  if (depth > 10) throw new SegmentError('Max recursion depth exceeded on SLO manifest');
  const segs = await loadManifest(deps, o);
  return concatAssembly(segs.map(segmentLength), async (i) => {
    const s = segs[i]!;
    if (s.data !== undefined) return dataAssembly(Buffer.from(s.data, 'base64'));
    const row = await segmentRow(deps, o.account, s.name, access);
    const inner = s.sub_slo && isSlo(row) ? await sloAssembly(deps, row, access, depth + 1) : plainAssembly(row.data_id, row.size);
    const etag = s.sub_slo && isSlo(row) ? sloEtag(row) : row.etag;
    if (s.hash && s.hash !== etag) throw new SegmentError(`Object segment no longer valid: ${s.name} etag: ${etag} != ${s.hash}`);
    if (!s.range) return inner;
    const [a, b] = parseStoredRange(s.range);
    return { size: b - a, pieces: (from, to) => inner.pieces(from + a, to + a), prime: async (from) => inner.prime?.(from + a) };
  });
}

/** A large object's first segment, checked before the answer starts: 409 when it is missing or refused. */
export async function firstSegment(asm: Assembly, from: number): Promise<void> {
  if (from >= asm.size) return;
  try {
    await asm.prime?.(from);
  } catch (err) {
    throw err instanceof SegmentError ? new Conflict('') : err;
  }
}

export interface DloInfo { assembly: Assembly; etag: string; count: number }

/**
 * The segments of a DLO: the listing of <container>/<prefix> at the time of the request, which
 * the caller must be allowed to list (else its 401 or 403).
 */
export async function dloAssembly(deps: SwiftDeps, account: string, manifest: string, access: SegmentAccess): Promise<DloInfo> {
  const slash = manifest.indexOf('/');
  const container = decodeURIComponent(slash < 0 ? manifest : manifest.slice(0, slash));
  await access.list(container);
  const prefix = decodeURIComponent(slash < 0 ? '' : manifest.slice(slash + 1));
  const max = deps.config.int('object_storage.dlo_max_segments');
  const segs: Array<{ name: string; size: number; etag: string }> = [];
  let marker = '';
  while (segs.length < max) {
    const page = await store.listObjects(deps.db, account, container, { prefix, marker, limit: Math.min(10000, max - segs.length) });
    if (page.length === 0) break;
    for (const e of page) if ('row' in e) segs.push({ name: e.row.name, size: e.row.size, etag: e.row.etag });
    marker = segs[segs.length - 1]!.name;
    if (page.length < 10000) break;
  }
  const etag = createHash('md5').update(segs.map((s) => s.etag).join('')).digest('hex');
  const assembly = concatAssembly(segs.map((s) => s.size), async (i) => {
    const row = await store.getObject(deps.db, account, container, segs[i]!.name);
    if (!row) throw new SegmentError(`Segment ${container}/${segs[i]!.name} not found`);
    return plainAssembly(row.data_id, Math.min(row.size, segs[i]!.size));
  });
  return { assembly, etag, count: segs.length };
}
