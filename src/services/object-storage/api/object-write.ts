// PUT, POST, DELETE and server-side copy (COPY and X-Copy-From) of objects.
import { Readable } from 'node:stream';
import { BadRequest, NotFound, PreconditionFailed } from '../../../lib/errors.ts';
import type { AccountRow, ContainerRow, ObjectRow } from '../db/rows.ts';
import type { AuthResult } from '../service/auth.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { plain, SwiftStatus } from '../service/errors.ts';
import { dloAssembly, firstSegment, isDlo, isSlo, segmentAccess, sloAssembly } from '../service/large-objects.ts';
import { checkMetadata, type HeaderMap } from '../service/metadata.ts';
import { followSymlink, isSymlink, symlinkHeaders, targetLocation } from '../service/symlinks.ts';
import { checkManifestHeader, checkObjectCreation, contentTypeFor, deleteAtFrom, objectMetadataFrom } from '../service/object-headers.ts';
import { deleteObject, hasAccountQuota, liveObject, putObject, updateObjectMetadata, type ObjectKey, type Source } from '../service/objects.ts';
import { rangesFor } from '../service/ranges.ts';
import { streamRange } from '../service/reader.ts';
import { httpDate, parseTs } from '../service/timestamp.ts';
import { pyQuote } from '../service/quote.ts';
import { authorizeSub } from '../service/sub-requests.ts';
import type { SwiftRequest, SwiftResponse } from './swift-http.ts';

/** Errors a client causes by going away mid-upload become Swift's 499. */
function clientGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error)?.message === 'aborted';
}

export function writeResponse(row: ObjectRow, status = 201, etag?: string): SwiftResponse {
  const headers: Record<string, string> = { 'ETag': etag ?? row.etag, 'Last-Modified': httpDate(parseTs(row.ts)) };
  if (row.sysmeta['X-Object-Version-Id']) headers['X-Object-Version-Id'] = row.sysmeta['X-Object-Version-Id'];
  return { status, headers, body: '' };
}

/** PUT of an object (`sysmeta`: a symlink's, service/symlinks.ts). */
export async function putRequest(deps: SwiftDeps, req: SwiftRequest, container: ContainerRow, key: ObjectKey, account?: AccountRow, sysmeta?: HeaderMap): Promise<SwiftResponse> {
  const h = req.headers;
  checkObjectCreation(h, key.name, deps.constraints);
  checkManifestHeader(h);
  const inm = h['if-none-match'];
  if (inm !== undefined && inm !== '*') throw plain(new BadRequest('If-None-Match only supports *'));
  const deleteAt = deleteAtFrom(h, deps.now());
  if (inm === '*' && await liveObject(deps, key)) throw new PreconditionFailed('');
  const contentLength = h['content-length'] !== undefined ? Number(h['content-length']) : undefined;
  const quota = quotaPrecheck(container, contentLength);
  if (quota) throw quota;
  let row: ObjectRow;
  try {
    row = await putObject(deps, {
      ...key, source: { stream: req.body }, contentType: contentTypeFor(h, key.name), headers: objectMetadataFrom(h),
      sysmeta, deleteAt, etag: h['etag'], ifNoneMatch: inm === '*', accountQuota: hasAccountQuota(account), known: container,
    });
  } catch (err) {
    if (clientGone(err)) throw new SwiftStatus(499, '');
    throw err;
  }
  return writeResponse(row);
}

/** container_quotas checks the declared length before the upload starts (and again at commit). */
function quotaPrecheck(container: ContainerRow, length: number | undefined) {
  const qb = container.headers['X-Container-Meta-Quota-Bytes'];
  if (qb && /^\d+$/.test(qb) && container.bytes_used + (length ?? 0) > Number(qb)) return new SwiftStatus(413, 'Upload exceeds quota.');
  const qc = container.headers['X-Container-Meta-Quota-Count'];
  if (qc && /^\d+$/.test(qc) && container.object_count + 1 > Number(qc)) return new SwiftStatus(413, 'Upload exceeds quota.');
  return undefined;
}

export async function postRequest(deps: SwiftDeps, req: SwiftRequest, key: ObjectKey): Promise<SwiftResponse> {
  const h = req.headers;
  checkMetadata(h, 'object', deps.constraints);
  checkManifestHeader(h);
  const deleteAt = deleteAtFrom(h, deps.now());
  const contentType = h['content-type'] ? contentTypeFor(h, key.name) : undefined;
  const current = await liveObject(deps, key);
  if (!current) throw new NotFound('');
  const swiftBytes = /;\s*swift_bytes=\d+/.exec(current.content_type)?.[0] ?? '';
  await updateObjectMetadata(deps, key, { headers: objectMetadataFrom(h), contentType: contentType && contentType + swiftBytes, deleteAt });
  if (isSymlink(current)) {
    // Swift applies the POST to the link itself and says where the target is
    const headers: Record<string, string> = { Location: targetLocation(req, current) };
    const etag = symlinkHeaders(current)['X-Symlink-Target-Etag'];
    if (etag) headers['X-Symlink-Target-Etag'] = etag;
    return { status: 307, headers, body: 'The requested POST was applied to a symlink. POST directly to the target to apply requested metadata.' };
  }
  return { status: 202 };
}

export async function deleteRequest(deps: SwiftDeps, key: ObjectKey): Promise<SwiftResponse> {
  const { versionId } = await deleteObject(deps, key);
  return { status: 204, headers: versionId ? { 'X-Object-Version-Id': versionId } : {} };
}

const quote = (s: string) => pyQuote(s);

/** Server-side copy of `src` onto `dest` (the request is the destination PUT). */
export async function copyRequest(deps: SwiftDeps, req: SwiftRequest, _auth: AuthResult, src: ObjectKey, dest: ObjectKey, destAccount?: AccountRow): Promise<SwiftResponse> {
  const h = req.headers;
  if (h['content-length'] && h['content-length'] !== '0') throw plain(new BadRequest('Copy requests require a zero byte body'));
  // the copy middleware reads its source with a GET of the caller's own
  const { container: srcContainer } = await authorizeSub(deps, req, { method: 'GET', account: src.account, container: src.container, object: src.name });
  if (!srcContainer) throw new NotFound('');
  let source = await liveObject(deps, src);
  if (source && isSymlink(source) && req.query.get('symlink') !== 'get') {
    // the copy middleware reads its source with a GET, which follows the link
    source = (await followSymlink(deps, { ...req, method: 'GET' }, source)).target;
  }
  if (!source) throw new NotFound('');
  checkObjectCreation({ ...h, 'content-length': '0' }, dest.name, deps.constraints);

  const manifestGet = req.query.get('multipart-manifest') === 'get';
  const fresh = (h['x-fresh-metadata'] ?? '').toLowerCase() === 'true';
  const base = fresh ? {} : { ...source.headers };
  if (!manifestGet) delete base['X-Object-Manifest'];
  const metadata = objectMetadataFrom(h, base);
  let sysmeta: Record<string, string> = {};
  let data: Source;
  let contentType = h['content-type'] ? contentTypeFor(h, dest.name) : source.content_type;
  const range = h['range'];
  if ((isSlo(source) || isDlo(source)) && !manifestGet || range) {
    // the assembled content becomes a plain object
    const access = segmentAccess(deps, req, source.account);
    const asm = isSlo(source) && !manifestGet ? await sloAssembly(deps, source, access)
      : isDlo(source) && !manifestGet ? (await dloAssembly(deps, source.account, source.headers['X-Object-Manifest']!, access)).assembly
        : { size: source.size, pieces: async function* (from: number, to: number) { yield { id: source.data_id, start: from, end: to }; } };
    let [from, to] = [0, asm.size];
    const ranges = range ? rangesFor(range, asm.size) : undefined;
    if (ranges && ranges.length === 0) throw new SwiftStatus(416, '', { 'Content-Range': `bytes */${asm.size}` });
    if (ranges && ranges.length === 1) [from, to] = ranges[0]!;
    await firstSegment(asm, from);
    const stream: Readable = await streamRange(deps.backend, asm, from, to);
    data = { stream };
    contentType = contentType.replace(/;\s*swift_bytes=\d+/, '');
  } else {
    data = { blob: { id: source.data_id, size: source.size, etag: source.etag } };
    if (isSlo(source) || isSymlink(source)) sysmeta = { ...source.sysmeta };
  }
  const deleteAt = h['x-delete-at'] !== undefined || h['x-delete-after'] !== undefined ? deleteAtFrom(h, deps.now()) : (fresh ? null : source.delete_at);
  const row = await putObject(deps, {
    ...dest, source: data, contentType, headers: metadata, sysmeta, deleteAt,
    rowEtag: isSlo(source) && manifestGet ? source.etag : undefined, accountQuota: hasAccountQuota(destAccount),
  });
  const res = writeResponse(row, 201, isSlo(row) ? `"${row.sysmeta['X-Object-Sysmeta-Slo-Etag']}"` : undefined);
  res.headers = {
    ...res.headers,
    'X-Copied-From': quote(`${src.container}/${src.name}`),
    'X-Copied-From-Account': quote(src.account),
    'X-Copied-From-Last-Modified': httpDate(parseTs(source.ts)),
  };
  for (const [k, v] of Object.entries(row.headers)) if (k.startsWith('X-Object-Meta-')) res.headers[k] = v;
  if (row.delete_at !== null) res.headers['X-Delete-At'] = String(row.delete_at);
  return res;
}
