// GET and HEAD of an object: plain, DLO or SLO, with conditional requests and ranges.
import type { ObjectRow } from '../db/rows.ts';
import { conditionalStatus } from '../service/conditional.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { dloAssembly, firstSegment, isDlo, isSlo, loadManifest, segmentAccess, sloAssembly, sloEtag, sloSize } from '../service/large-objects.ts';
import { contentRange, rangesFor } from '../service/ranges.ts';
import { bodyRange, multiRange, plainAssembly, type Assembly } from '../service/reader.ts';
import { httpDate, parseTs } from '../service/timestamp.ts';
import { pyList } from '../service/listing-format.ts';
import { isSymlink, symlinkHeaders } from '../service/symlinks.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';

/** The content type without the swift_bytes parameter SLO manifests carry. */
export const cleanContentType = (ct: string) => ct.replace(/;\s*swift_bytes=\d+/, '');

/** The headers of an object as GET/HEAD show them (before size/etag of large objects). */
export function objectHeaders(o: ObjectRow): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Type': cleanContentType(o.content_type),
    'Content-Length': String(o.size),
    'ETag': o.etag,
    'Last-Modified': httpDate(parseTs(o.ts)),
    'X-Timestamp': o.ts,
    'Accept-Ranges': 'bytes',
    ...o.headers,
  };
  if (o.delete_at !== null) h['X-Delete-At'] = String(o.delete_at);
  if (isSlo(o)) h['X-Static-Large-Object'] = 'True';
  if (o.sysmeta['X-Object-Version-Id']) h['X-Object-Version-Id'] = o.sysmeta['X-Object-Version-Id'];
  if (isSymlink(o)) Object.assign(h, symlinkHeaders(o));
  return h;
}

/** The stored SLO manifest as `?multipart-manifest=get` returns it (format=raw: the PUT form). */
async function manifestResponse(deps: SwiftDeps, req: SwiftRequest, o: ObjectRow): Promise<SwiftResponse> {
  const headers = objectHeaders(o);
  headers['Content-Type'] = 'application/json; charset=utf-8';
  headers['X-Static-Large-Object'] = 'True';
  let body: string;
  if (req.query.get('format') === 'raw') {
    const segs = await loadManifest(deps, o);
    body = pyList(segs.map((s): Record<string, string | number> => (s.data !== undefined ? { data: s.data }
      : { path: s.name, etag: s.hash, size_bytes: s.bytes, ...(s.range ? { range: s.range } : {}) })));
    headers['ETag'] = `"${sloEtag(o)}"`;
  } else {
    const segs = await loadManifest(deps, o);
    body = pyList(segs.map((s) => ({ ...s }) as Record<string, any>));
  }
  headers['Content-Length'] = String(Buffer.byteLength(body));
  return { status: 200, headers, body: req.method === 'HEAD' ? undefined : body };
}

/** Serves `o` (already authorized and live). */
export async function serveObject(deps: SwiftDeps, req: SwiftRequest, o: ObjectRow, extraHeaders: Record<string, string> = {}): Promise<SwiftResponse> {
  if (isSlo(o) && req.query.get('multipart-manifest') === 'get') return manifestResponse(deps, req, o);
  const headers = { ...objectHeaders(o), ...extraHeaders };
  let asm: Assembly;
  let etag = o.etag;
  let plainId: string | null | undefined = o.data_id;
  if (isSlo(o)) {
    asm = await sloAssembly(deps, o, segmentAccess(deps, req, o.account));
    etag = sloEtag(o);
    headers['ETag'] = `"${etag}"`;
    headers['X-Manifest-Etag'] = o.etag;
    headers['Content-Length'] = String(sloSize(o));
    plainId = undefined;
  } else if (isDlo(o) && req.query.get('multipart-manifest') !== 'get') {
    const dlo = await dloAssembly(deps, o.account, o.headers['X-Object-Manifest']!, segmentAccess(deps, req, o.account));
    asm = dlo.assembly;
    etag = dlo.etag;
    headers['ETag'] = `"${etag}"`;
    headers['Content-Length'] = String(asm.size);
    plainId = undefined;
  } else {
    asm = plainAssembly(o.data_id, o.size);
  }

  const cond = conditionalStatus(req.headers, etag, Math.ceil(parseTs(o.ts)));
  if (cond) {
    headers['Content-Length'] = '0';
    // the object server's 412 carries the object's metadata but not what would describe a body
    if (cond === 412) { delete headers['Content-Type']; delete headers['Accept-Ranges']; }
    return { status: cond, headers, body: cond === 412 ? '' : undefined };
  }
  if (req.method === 'HEAD') return { status: 200, headers };

  const ranges = rangesFor(req.headers['range'], asm.size);
  if (ranges && ranges.length === 0) {
    return { status: 416, headers: { 'Content-Range': `bytes */${asm.size}`, ...pick(headers, ['Content-Type', 'Accept-Ranges', 'Last-Modified', 'ETag', 'X-Timestamp']) } };
  }
  await firstSegment(asm, ranges?.[0]?.[0] ?? 0);
  if (ranges && ranges.length === 1 && !(asm.size === 0)) {
    const [start, end] = ranges[0]!;
    headers['Content-Range'] = contentRange(ranges[0]!, asm.size);
    headers['Content-Length'] = String(end - start);
    return { status: 206, headers, body: await bodyRange(deps.backend, asm, start, end, plainId) };
  }
  if (ranges && ranges.length > 1) {
    const mr = multiRange(deps.backend, asm, ranges, headers['Content-Type']!);
    headers['Content-Type'] = mr.contentType;
    headers['Content-Length'] = String(mr.length);
    return { status: 206, headers, body: mr.body };
  }
  return { status: 200, headers, body: await bodyRange(deps.backend, asm, 0, asm.size, plainId) };
}

const pick = (h: Record<string, string>, keys: string[]) => Object.fromEntries(keys.filter((k) => h[k] !== undefined).map((k) => [k, h[k]!]));
