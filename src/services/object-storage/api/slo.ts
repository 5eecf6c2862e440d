// Static large objects (slo middleware): PUT ?multipart-manifest=put validates every segment and
// stores Swift's manifest form; DELETE ?multipart-manifest=delete removes the segments too.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BadRequest, Conflict, MethodNotAllowed, NotFound, PayloadTooLarge, Unprocessable } from '../../../lib/errors.ts';
import type { ContainerRow, ObjectRow } from '../db/rows.ts';
import * as store from '../db/store.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { SwiftStatus } from '../service/errors.ts';
import { isSlo, loadManifest, sloEtag, sloSize, splitSegmentPath, type SloSegment } from '../service/large-objects.ts';
import { normalizeEtag } from '../service/conditional.ts';
import { checkObjectCreation, contentTypeFor, deleteAtFrom, objectMetadataFrom } from '../service/object-headers.ts';
import { deleteObject, isExpired, putObject, type ObjectKey } from '../service/objects.ts';
import { rangesFor } from '../service/ranges.ts';
import { isoTs, parseTs } from '../service/timestamp.ts';
import { bulkResultBody, resultContentType } from './bulk-format.ts';
import { writeResponse } from './object-write.ts';
import { pyQuote } from '../service/quote.ts';
import { authorizeSub, refusalStatus } from '../service/sub-requests.ts';
import { followSymlink, isSymlink } from '../service/symlinks.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';

interface InputSegment { path?: string; etag?: string | null; size_bytes?: number | null; range?: string; data?: string }

async function readBody(stream: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > max) throw new PayloadTooLarge(`Manifest File > ${max} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** parse_and_validate_input: the manifest's syntax, before any segment is looked at. */
function parseManifest(body: Buffer, selfPath: string): InputSegment[] {
  let parsed: unknown;
  try { parsed = JSON.parse(body.toString('utf8')); } catch { throw new BadRequest('Manifest must be valid JSON.\n'); }
  if (!Array.isArray(parsed)) throw new BadRequest('Manifest must be a list.\n');
  const errors: string[] = [];
  parsed.forEach((seg: any, i) => {
    if (!seg || typeof seg !== 'object' || Array.isArray(seg)) { errors.push(`Index ${i}: not a JSON object`); return; }
    const type = 'path' in seg ? 'path' : 'data' in seg ? 'data' : undefined;
    if (!type) { errors.push(`Index ${i}: expected keys to include one of 'path' or 'data'`); return; }
    const allowed = type === 'path' ? ['path', 'etag', 'size_bytes', 'range'] : ['data'];
    const extra = Object.keys(seg).filter((k) => !allowed.includes(k)).sort();
    if (extra.length) { errors.push(`Index ${i}: extraneous keys ${extra.map((k) => JSON.stringify(k)).join(', ')}`); return; }
    if (type === 'data') {
      if (typeof seg.data !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(seg.data)) errors.push(`Index ${i}: data must be valid base64`);
      return;
    }
    if (typeof seg.path !== 'string') { errors.push(`Index ${i}: "path" must be a string`); return; }
    if (!(seg.etag === undefined || seg.etag === null || typeof seg.etag === 'string')) { errors.push(`Index ${i}: "etag" must be a string or null (if provided)`); return; }
    if (!seg.path.replace(/^\/+|\/+$/g, '').includes('/')) { errors.push(`Index ${i}: path does not refer to an object. Path must be of the form /container/object.`); return; }
    if (seg.size_bytes !== undefined && seg.size_bytes !== null) {
      const n = Number(seg.size_bytes);
      if (!Number.isInteger(n)) { errors.push(`Index ${i}: invalid size_bytes`); return; }
      if (n < 1 && i !== parsed.length - 1) { errors.push(`Index ${i}: too small; each segment must be at least 1 byte.`); return; }
      seg.size_bytes = n;
    }
    if ('/' + seg.path.replace(/^\/+/, '') === selfPath) { errors.push(`Index ${i}: manifest must not include itself as a segment`); return; }
    if (seg.range) {
      const r = typeof seg.range === 'string' ? rangesFor(`bytes=${seg.range}`, Number.MAX_SAFE_INTEGER) : undefined;
      if (!r) { errors.push(`Index ${i}: invalid range`); return; }
      if (seg.range.split(',').length > 1) { errors.push(`Index ${i}: multiple ranges (only one allowed)`); return; }
    }
  });
  if (errors.length) throw new BadRequest(errors.join('\n'));
  return parsed as InputSegment[];
}

const quote = (s: string) => pyQuote(s);

export async function sloPut(deps: SwiftDeps, req: SwiftRequest, _container: ContainerRow, key: ObjectKey): Promise<SwiftResponse> {
  const h = req.headers;
  if (h['x-copy-from']) throw new MethodNotAllowed('Multipart Manifest PUTs cannot be COPY requests');
  const maxSize = deps.config.int('object_storage.max_manifest_size');
  if (h['content-length'] === undefined && (h['transfer-encoding'] ?? '').toLowerCase() !== 'chunked') throw new SwiftStatus(411, '');
  if (h['content-length'] !== undefined && Number(h['content-length']) > maxSize) throw new PayloadTooLarge(`Manifest File > ${maxSize} bytes`);
  checkObjectCreation(h, key.name, deps.constraints);
  const body = await readBody(req.body, maxSize);
  const segments = parseManifest(body, `/${key.container}/${key.name}`);
  const maxSegs = deps.config.int('object_storage.max_manifest_segments');
  if (segments.filter((s) => s.path !== undefined).length > maxSegs) throw new PayloadTooLarge(`Number of object-backed segments must be <= ${maxSegs}`);

  const problems: Array<[string, string]> = [];
  const stored: SloSegment[] = [];
  let total = 0;
  for (const [i, seg] of segments.entries()) {
    if (seg.data !== undefined) {
      const raw = Buffer.from(seg.data, 'base64');
      stored.push({ data: raw.toString('base64') } as SloSegment);
      total += raw.length;
      continue;
    }
    const path = seg.path!;
    const p = splitSegmentPath(path);
    // each segment is a HEAD of the caller's own: one it may not read is refused before it is looked for
    const found = p && await authorizeSub(deps, req, { method: 'HEAD', account: key.account, container: p.container, object: p.name }).catch(refusal);
    if (typeof found === 'string') { problems.push([quote(path.replace(/^\/+/, '')), found]); continue; }
    let row = found?.object;
    // a link is followed, as Swift's HEAD of the segment is: the manifest records its target
    if (row && isSymlink(row) && !isExpired(row, deps.now())) {
      const end = await followSymlink(deps, { ...req, method: 'HEAD' }, row).then((f) => f.target, (err: unknown) => (err instanceof Conflict ? '409 Conflict' : refusal(err)));
      if (typeof end === 'string') { problems.push([quote(path.replace(/^\/+/, '')), end]); continue; }
      row = end;
    }
    if (!row || isExpired(row, deps.now())) { problems.push([quote(path.replace(/^\/+/, '')), '404 Not Found']); continue; }
    const size = isSlo(row) ? sloSize(row) : row.size;
    const etag = isSlo(row) ? sloEtag(row) : row.etag;
    let length = size;
    let range: string | undefined;
    if (seg.range) {
      const r = rangesFor(`bytes=${seg.range}`, size);
      if (!r || r.length === 0) problems.push([quote(path), 'Unsatisfiable Range']);
      else if (!(r[0]![0] === 0 && r[0]![1] === size)) { range = `${r[0]![0]}-${r[0]![1] - 1}`; length = r[0]![1] - r[0]![0]; }
    }
    if (length < 1 && i !== segments.length - 1) problems.push([quote(path), 'Too small; each segment must be at least 1 byte.']);
    if (seg.size_bytes !== undefined && seg.size_bytes !== null && seg.size_bytes !== size) problems.push([quote(path), 'Size Mismatch']);
    if (seg.etag !== undefined && seg.etag !== null && normalizeEtag(seg.etag) !== etag) problems.push([quote(path), 'Etag Mismatch']);
    const s: SloSegment = { name: '/' + path.replace(/^\/+/, ''), bytes: size, hash: etag, content_type: row.content_type.replace(/;\s*swift_bytes=\d+/, ''), last_modified: isoTs(parseTs(row.ts)) };
    if (range) s.range = range;
    if (isSlo(row)) s.sub_slo = true;
    stored.push(s);
    total += length;
  }
  if (problems.length) {
    const ct = resultContentType(h['accept']);
    throw Object.assign(new BadRequest(bulkResultBody(ct, {}, problems, 'upload')), { headers: { 'Content-Type': ct } });
  }
  const sloEtagValue = createHash('md5').update(stored.map((s) => (s.data !== undefined ? createHash('md5').update(Buffer.from(s.data, 'base64')).digest('hex')
    : s.range ? `${s.hash}:${s.range};` : s.hash)).join('')).digest('hex');
  if (h['etag'] && normalizeEtag(h['etag']) !== sloEtagValue) throw new Unprocessable('');
  const json = Buffer.from(JSON.stringify(stored));
  const row = await putObject(deps, {
    ...key, source: { stream: Readable.from([json]) }, contentType: `${contentTypeFor(h, key.name)};swift_bytes=${total}`,
    headers: objectMetadataFrom(h), deleteAt: deleteAtFrom(h, deps.now()),
    sysmeta: { 'X-Static-Large-Object': 'True', 'X-Object-Sysmeta-Slo-Etag': sloEtagValue, 'X-Object-Sysmeta-Slo-Size': String(total) },
  });
  return writeResponse(row, 201, `"${sloEtagValue}"`);
}

/** DELETE ?multipart-manifest=delete: the segments (nested manifests too), then the manifest. */
export async function sloDelete(deps: SwiftDeps, req: SwiftRequest, key: ObjectKey): Promise<SwiftResponse> {
  const manifest = await store.getObject(deps.db, key.account, key.container, key.name);
  if (!manifest || isExpired(manifest, deps.now())) throw new NotFound('');
  if (!isSlo(manifest)) {
    await deleteObject(deps, key);
    return { status: 204 };
  }
  let deleted = 0;
  let notFound = 0;
  const errors: Array<[string, string]> = [];
  const visit = async (o: ObjectRow, depth: number): Promise<void> => {
    for (const s of await loadManifest(deps, o)) {
      if (s.data !== undefined) continue;
      const p = splitSegmentPath(s.name);
      if (!p) continue;
      // each segment is a DELETE of the caller's own (and a nested manifest a GET)
      const refused = await authorizeSub(deps, req, { method: 'DELETE', account: o.account, container: p.container, object: p.name }).then(() => undefined, refusal);
      if (refused) { errors.push([quote(s.name), refused]); continue; }
      const seg = s.sub_slo ? (await authorizeSub(deps, req, { method: 'GET', account: o.account, container: p.container, object: p.name }).catch(() => undefined))?.object : undefined;
      if (seg && isSlo(seg) && depth < 10) await visit(seg, depth + 1);
      try {
        await deleteObject(deps, { account: o.account, container: p.container, name: p.name });
        deleted += 1;
      } catch (err) {
        if (err instanceof NotFound) notFound += 1;
        else errors.push([quote(s.name), '500 Internal Error']);
      }
    }
  };
  await visit(manifest, 0);
  await deleteObject(deps, key);
  deleted += 1;
  const ct = resultContentType(req.headers['accept']);
  const status = errors.length ? '400 Bad Request' : '200 OK';
  const body = bulkResultBody(ct, { 'Number Deleted': deleted, 'Number Not Found': notFound, 'Response Body': '', 'Response Status': status }, errors, 'delete');
  return { status: 200, headers: { 'Content-Type': ct }, body };
}

/** A refused sub-request as its status line; any other error is thrown on. */
function refusal(err: unknown): string {
  const status = refusalStatus(err);
  if (!status) throw err;
  return status;
}
