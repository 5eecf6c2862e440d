// Swift's wire around every request: the parsed path (/v1/<account>/<container>/<object>, names
// percent-decoded like WSGI's PATH_INFO), the transaction id, and responses that always carry
// Content-Type, Content-Length, X-Trans-Id and X-Openstack-Request-Id. Faults are swob's: the
// default "<html><h1>Title</h1><p>Explanation</p></html>" or a specific text/plain body.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../../lib/auth/context.ts';
import { PreconditionFailed, type CloudError } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Reply } from '../../../lib/http/routes.ts';
import type { Logger } from '../../../lib/log.ts';
import { normalizeHeaders, type HeaderMap } from '../service/metadata.ts';

export interface SwiftRequest {
  method: string;
  /** Path after the service prefix, %-encoded as sent: /v1/AUTH_x/c/o */
  rawPath: string;
  /** The service prefix (/object-store), for TempURL paths signed with it. */
  prefix: string;
  version?: string;
  account?: string;
  container?: string;
  object?: string;
  query: URLSearchParams;
  /** Query parameters whose value is not valid %-encoded UTF-8 (URLSearchParams replaces the bytes). */
  notUtf8: ReadonlySet<string>;
  headers: HeaderMap;
  ctx: RequestContext;
  /** The request body (never buffered). */
  body: Readable;
  transId: string;
  baseUrl: string;
  log: Logger;
  /** Set by TempURL/FormPost: the request is authorized by a signature, not a token. */
  authOverride?: 'tempurl' | 'formpost' | 'sync';
  /** A TempURL's key: an account key reaches the whole account, a container key one container. */
  tempUrlScope?: 'account' | 'container';
}

export interface SwiftResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
}

/** swob's RESPONSE_REASONS: title and default explanation per status. */
export const REASONS: Record<number, [string, string]> = {
  200: ['OK', ''], 201: ['Created', ''], 202: ['Accepted', 'The request is accepted for processing.'],
  204: ['No Content', ''], 206: ['Partial Content', ''], 303: ['See Other', 'The response to the request can be found under a different URI.'],
  304: ['Not Modified', ''],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  406: ['Not Acceptable', 'The resource is not available in a format acceptable to your browser.'],
  408: ['Request Timeout', 'The server has waited too long for the request to be sent by the client.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Content-Length header required.'],
  412: ['Precondition Failed', 'A precondition for this request was not met.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  414: ['Request URI Too Long', 'The request URI was too long for this server.'],
  415: ['Unsupported Media Type', 'The request media type is not supported by this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  417: ['Expectation Failed', 'Expectation failed.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  499: ['Client Disconnect', 'The client was disconnected during request.'],
  500: ['Internal Error', 'The server has either erred or is incapable of performing the requested operation.'],
  501: ['Not Implemented', 'The requested method is not implemented by this server.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
};

export { SwiftStatus } from '../service/errors.ts';

/**
 * Swift's X-Trans-Id: tx + 21 hex of a UUID4 + '-' + the time in 10 hex digits. randomUUID draws
 * from a buffered pool: a third of randomBytes' cost, which was 3 % of a small GET's CPU.
 */
export function transId(): string {
  return `tx${randomUUID().replaceAll('-', '').slice(0, 21)}-${Math.floor(Date.now() / 1000).toString(16).padStart(10, '0')}`;
}

export function defaultBody(status: number): string {
  const [title, exp] = REASONS[status] ?? ['Error', ''];
  return exp ? `<html><h1>${title}</h1><p>${exp}</p></html>` : '';
}

/** Splits and decodes the path; throws 412 on invalid UTF-8 or NUL, as Swift's proxy does. */
export function parsePath(rawPath: string): Pick<SwiftRequest, 'version' | 'account' | 'container' | 'object'> {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new PreconditionFailed('Invalid UTF8 or contains NULL');
  }
  if (path.includes('\0')) {
    throw new PreconditionFailed('Invalid UTF8 or contains NULL');
  }
  const segs = path.split('/');
  const version = segs[1] || undefined;
  const account = segs[2] || undefined;
  const container = segs[3] || undefined;
  const object = segs.length > 4 ? segs.slice(4).join('/') || undefined : undefined;
  return { version, account, container, object };
}

/** Names of the query parameters whose value does not decode as UTF-8 (Swift refuses those). */
function notUtf8Params(rawQuery: string): Set<string> {
  const names = new Set<string>();
  if (!rawQuery.includes('%')) return names;
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    try {
      decodeURIComponent(pair.slice(eq + 1).replaceAll('+', ' '));
    } catch {
      names.add(new URLSearchParams(pair.slice(0, eq) + '=').keys().next().value ?? '');
    }
  }
  return names;
}

export function buildRequest(api: ApiRequest, prefix: string): SwiftRequest {
  const url = api.raw.raw.url ?? '/';
  const q = url.indexOf('?');
  let rawPath = q >= 0 ? url.slice(0, q) : url;
  if (rawPath.startsWith(prefix)) rawPath = rawPath.slice(prefix.length);
  const rawQuery = q >= 0 ? url.slice(q + 1) : '';
  const query = new URLSearchParams(rawQuery);
  const body = (api.body && typeof (api.body as Readable).pipe === 'function' ? api.body : api.raw.raw) as Readable;
  return {
    method: api.raw.method.toUpperCase(), rawPath: rawPath || '/', prefix, query, notUtf8: notUtf8Params(rawQuery), headers: normalizeHeaders(api.headers),
    ctx: api.ctx, body, transId: transId(), baseUrl: api.baseUrl, log: api.log,
  };
}

/** The Reply the HTTP layer sends: Swift's standard headers added, Content-Length always set. */
export function toReply(req: Pick<SwiftRequest, 'method' | 'transId' | 'headers' | 'body'>, res: SwiftResponse): Reply {
  const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=UTF-8', ...res.headers };
  headers['X-Trans-Id'] = req.transId;
  headers['X-Openstack-Request-Id'] = req.transId;
  let body = res.body;
  // swob writes its default explanation for GETs only: a HEAD's error says Content-Length: 0
  if (body === undefined && res.status !== 204 && res.status !== 304) body = req.method === 'HEAD' ? '' : defaultBody(res.status);
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const len = Buffer.byteLength(body);
    if (headers['Content-Length'] === undefined || req.method !== 'HEAD') headers['Content-Length'] = String(len);
    // sent as bytes: Fastify appends "; charset=utf-8" to a JSON type when the body is a string
    body = len === 0 ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
  }
  if (res.status === 204 || res.status === 304) {
    delete headers['Content-Length'];
    body = undefined;
  }
  // An answer given before the request body was read (an error, mostly): the client may still
  // be sending it, so the connection cannot carry another request.
  const pending = (req.body as { complete?: boolean }).complete === false;
  const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (pending && hasBody) headers['Connection'] = 'close';
  if (req.method === 'HEAD' && body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    (body as Readable).destroy();
    body = undefined;
  }
  return reply(res.status, body, headers);
}

/** A CloudError as Swift renders it. */
export function faultResponse(err: CloudError): SwiftResponse {
  const headers = { ...err.headers };
  if (!err.message) return { status: err.status, headers };
  return { status: err.status, headers: { 'Content-Type': 'text/html; charset=UTF-8', ...headers }, body: err.message };
}
