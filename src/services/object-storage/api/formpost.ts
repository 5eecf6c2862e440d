// FormPost (formpost middleware): a browser form POSTs files straight into a container, signed
// with a Temp-URL key over path, redirect, max_file_size, max_file_count and expires.
import { CloudError } from '../../../lib/errors.ts';
import * as store from '../db/store.ts';
import type { SwiftDeps } from '../service/deps.ts';
import { SwiftStatus } from '../service/errors.ts';
import { multipartParts, parseDisposition, MultipartError } from '../service/multipart.ts';
import { guessContentType } from '../service/mimetypes.ts';
import { putObject } from '../service/objects.ts';
import { pyQuote } from '../service/quote.ts';
import { digestAndSignature, hmacHex, sameHex, tempUrlKeys } from '../service/signatures.ts';
import { REASONS, type SwiftRequest, type SwiftResponse } from './swift-http.ts';

const MAX_VALUE_LENGTH = 4096;
const title = (s: string) => s.replace(/\b\w/g, (c) => c.toUpperCase());

class FormError extends Error {
  readonly status: number;
  constructor(status: number, message: string) { super(message); this.status = status; }
}

export function isFormPost(req: SwiftRequest): boolean {
  return req.method === 'POST' && !!req.container && (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

async function* capped(src: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const c of src) {
    n += c.length;
    if (n > max) throw new FormError(400, 'max_file_size exceeded');
    yield c;
  }
}

async function text(src: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of src) { if (n < MAX_VALUE_LENGTH) parts.push(c.subarray(0, MAX_VALUE_LENGTH - n)); n += c.length; }
  return Buffer.concat(parts).toString('utf8');
}

export async function formPost(deps: SwiftDeps, req: SwiftRequest): Promise<SwiftResponse> {
  const m = /boundary=("?)([^";]+)\1/i.exec(req.headers['content-type'] ?? '');
  if (!m) return { status: 400, headers: { 'Content-Type': 'text/plain' }, body: 'FormPost: invalid starting boundary' };
  try {
    return await translate(deps, req, m[2]!);
  } catch (err) {
    if (err instanceof FormError) {
      return { status: err.status, headers: { 'Content-Type': 'text/plain' }, body: `FormPost: ${title(err.message)}` };
    }
    if (err instanceof MultipartError) return { status: 400, headers: { 'Content-Type': 'text/plain' }, body: `FormPost: ${title(err.message)}` };
    throw err;
  }
}

async function translate(deps: SwiftDeps, req: SwiftRequest, boundary: string): Promise<SwiftResponse> {
  const account = await store.getAccount(deps.db, req.account!);
  const container = await store.getContainer(deps.db, req.account!, req.container!);
  const keys = tempUrlKeys(account?.headers, container?.headers).map((k) => k.key);
  const attrs: Record<string, string> = {};
  let status = 0;
  let message = '';
  let fileCount = 0;
  let subBody = '';
  for await (const part of multipartParts(req.body, boundary)) {
    const { type, attrs: d } = parseDisposition(part.headers['content-disposition'] ?? '');
    if (type === 'form-data' && d['filename'] !== undefined && d['filename'] !== '') {
      fileCount += 1;
      const maxCount = Number(attrs['max_file_count'] || 0);
      if (!Number.isInteger(maxCount)) throw new FormError(400, 'max_file_count not an integer');
      if (fileCount > maxCount) { status = 400; message = 'max file count exceeded'; break; }
      verify(deps, req, attrs, keys);
      const maxSize = Number(attrs['max_file_size'] || 0);
      if (!Number.isInteger(maxSize)) throw new FormError(400, 'max_file_size not an integer');
      const prefix = req.object ?? '';
      const name = prefix + (d['filename'] || 'filename');
      let deleteAt: number | null = null;
      if (attrs['x_delete_at'] !== undefined) {
        deleteAt = Number(attrs['x_delete_at']);
        if (!Number.isInteger(deleteAt)) throw new FormError(400, 'x_delete_at not an integer: Unix timestamp required.');
      } else if (attrs['x_delete_after'] !== undefined) {
        const after = Number(attrs['x_delete_after']);
        if (!Number.isInteger(after)) throw new FormError(400, 'x_delete_after not an integer: Number of seconds required.');
        deleteAt = Math.floor(deps.now() + after);
      }
      const contentType = attrs['content-type'] || part.headers['content-type'] || guessContentType(name);
      const headers: Record<string, string> = {};
      const encoding = attrs['content-encoding'] ?? part.headers['content-encoding'];
      if (encoding) headers['Content-Encoding'] = encoding;
      try {
        if (!container) throw new SwiftStatus(404, '');
        await putObject(deps, { account: req.account!, container: req.container!, name, source: { stream: capped(part.body, maxSize) }, contentType, headers, deleteAt });
        status = 201;
      } catch (err) {
        if (err instanceof FormError) throw err;
        status = err instanceof CloudError ? err.status : 500;
        subBody = err instanceof CloudError && err.message ? err.message : '';
        break;
      }
    } else {
      const value = await text(part.body);
      if (d['name']) attrs[d['name'].toLowerCase()] = value.replace(/[\r\n-]+$/, '');
    }
  }
  if (!status) { status = 400; message = 'no files to process'; }
  const statusLine = `${status} ${REASONS[status]?.[0] ?? ''}`;
  const redirect = attrs['redirect'];
  if (!redirect) {
    let body = message ? `${statusLine}\r\nFormPost: ${title(message)}` : statusLine;
    if ((status < 200 || status >= 300) && subBody) body = subBody;
    return { status, headers: { 'Content-Type': 'text/plain' }, body };
  }
  const location = `${redirect}${redirect.includes('?') ? '&' : '?'}status=${status}&message=${pyQuote(message)}`;
  return { status: 303, headers: { Location: location }, body: `<html><body><p><a href="${location}">Click to continue...</a></p></body></html>` };
}

function verify(deps: SwiftDeps, req: SwiftRequest, attrs: Record<string, string>, keys: string[]): void {
  if (keys.length === 0) throw new FormError(401, 'invalid signature');
  const expires = Number(attrs['expires'] || 0);
  if (!Number.isFinite(expires)) throw new FormError(400, 'expired not an integer');
  if (expires < deps.now()) throw new FormError(401, 'form expired');
  const sig = digestAndSignature(attrs['signature'] ?? '');
  if (!sig || !(deps.config.list('object_storage.allowed_digests') ?? []).includes(sig.algo)) throw new FormError(401, 'invalid signature');
  const rest = `\n${attrs['redirect'] ?? ''}\n${attrs['max_file_size'] || '0'}\n${attrs['max_file_count'] || '0'}\n${attrs['expires'] || '0'}`;
  const path = decodeURIComponent(req.rawPath);
  const ok = keys.some((k) => [path, req.prefix + path].some((p) => sameHex(hmacHex(sig.algo, k, p + rest), sig.hex)));
  if (!ok) throw new FormError(401, 'invalid signature');
}
