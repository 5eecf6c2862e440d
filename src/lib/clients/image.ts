// A small typed client of the image service's public API (Glance v2), as Nova uses it: image
// metadata to boot from, and images created from servers (createImage, shelve).
import type { Readable } from 'node:stream';
import { BadRequest, CloudError, Conflict, Forbidden, NotFound, ServiceUnavailable, Unauthorized } from '../errors.ts';

export interface RestClientOptions {
  /** The service's endpoint, e.g. http://127.0.0.1:8000/image (no version suffix). */
  baseUrl: string;
  /** The caller's token (the user's, or a service token). */
  token: string | (() => Promise<string>);
  /** Sent as X-Service-Token when acting for a user with a service token beside. */
  serviceToken?: string | (() => Promise<string>);
  /** Propagated as X-OpenStack-Request-ID so logs of both services line up. */
  requestId?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface GlanceImage {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  owner: string | null;
  size: number | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  protected: boolean;
  /** Every other top-level key (hw_*, os_*, user properties). */
  [property: string]: unknown;
}

/** Turns an error answer into the kernel's error model, keeping the service's own message. */
export async function errorFromResponse(res: Response, what: string): Promise<CloudError> {
  const text = await res.text().catch(() => '');
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text);
    const inner = body?.NeutronError ?? body?.error ?? Object.values(body ?? {})[0];
    message = inner?.message ?? body?.message ?? message;
  } catch { /* plain text */ }
  const msg = `${what}: ${message || res.statusText}`;
  switch (res.status) {
    case 400: return new BadRequest(msg);
    case 401: return new Unauthorized(msg);
    case 403: return new Forbidden(msg);
    case 404: return new NotFound(msg);
    case 409: return new Conflict(msg);
    default: return res.status >= 500 ? new ServiceUnavailable(msg) : new CloudError(msg);
  }
}

/** Shared plumbing of the service clients: auth headers, timeouts, error mapping. */
export class RestClient {
  protected readonly opts: RestClientOptions;
  constructor(opts: RestClientOptions) { this.opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') }; }

  protected async headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const token = typeof this.opts.token === 'function' ? await this.opts.token() : this.opts.token;
    const h: Record<string, string> = { 'x-auth-token': token, accept: 'application/json', ...extra };
    if (this.opts.serviceToken) h['x-service-token'] = typeof this.opts.serviceToken === 'function' ? await this.opts.serviceToken() : this.opts.serviceToken;
    if (this.opts.requestId) h['x-openstack-request-id'] = this.opts.requestId;
    return h;
  }

  /** One request; JSON in and out. Returns undefined for empty answers. */
  async request<T = any>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
    const headers = await this.headers(body !== undefined ? { 'content-type': 'application/json', ...extra } : extra);
    const res = await this.send(method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw await errorFromResponse(res, `${method} ${path}`);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  protected async send(method: string, path: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> {
    const f = this.opts.fetch ?? fetch;
    try {
      return await f(this.opts.baseUrl + path, { ...init, method, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000) });
    } catch (err) {
      throw new ServiceUnavailable(`${method} ${this.opts.baseUrl}${path} failed: ${(err as Error).message}`);
    }
  }
}

export class ImageClient extends RestClient {
  getImage(id: string): Promise<GlanceImage> {
    return this.request('GET', `/v2/images/${encodeURIComponent(id)}`);
  }

  listImages(query: Record<string, string> = {}): Promise<{ images: GlanceImage[] }> {
    const qs = new URLSearchParams(query).toString();
    return this.request('GET', `/v2/images${qs ? `?${qs}` : ''}`);
  }

  createImage(props: Record<string, unknown>): Promise<GlanceImage> {
    return this.request('POST', '/v2/images', props);
  }

  /** JSON-patch ops (op/path/value) on an image. */
  async updateImage(id: string, ops: Array<{ op: string; path: string; value?: unknown }>): Promise<GlanceImage> {
    const headers = await this.headers({ 'content-type': 'application/openstack-images-v2.1-json-patch' });
    const res = await this.send('PATCH', `/v2/images/${encodeURIComponent(id)}`, { headers, body: JSON.stringify(ops) });
    if (!res.ok) throw await errorFromResponse(res, `PATCH /v2/images/${id}`);
    return res.json() as Promise<GlanceImage>;
  }

  /** Streams data into a queued image (PUT /file). */
  async uploadData(id: string, data: Readable): Promise<void> {
    const headers = await this.headers({ 'content-type': 'application/octet-stream' });
    const res = await this.send('PUT', `/v2/images/${encodeURIComponent(id)}/file`, { headers, body: data as unknown as BodyInit, duplex: 'half' });
    if (!res.ok) throw await errorFromResponse(res, `PUT /v2/images/${id}/file`);
    await res.arrayBuffer();
  }

  async deleteImage(id: string): Promise<void> {
    await this.request('DELETE', `/v2/images/${encodeURIComponent(id)}`);
  }
}
