// Helpers every compute route uses: microversion checks, links, loading a server with Nova's
// 404, limit/marker parsing, timestamps as Nova prints them.
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { ApiRequest } from '../../../lib/http/routes.ts';
import { Microversion } from '../../../lib/http/microversion.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';

export const MIN_VERSION = '2.1';
/** The highest microversion implemented (and advertised). */
export const MAX_VERSION = '2.100';

const V21 = new Microversion(2, 1);
/** The request's microversion is at least `v`. */
export const mvAtLeast = (req: ApiRequest, v: string): boolean => (req.microversion ?? V21).gte(v);
export const mvOf = (req: ApiRequest): Microversion => req.microversion ?? V21;

/** Nova's self and bookmark links for a resource. */
export function links(req: ApiRequest, collection: string, id: string): Array<{ rel: string; href: string }> {
  return [
    { rel: 'self', href: `${req.baseUrl}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${req.baseUrl}/${collection}/${id}` },
  ];
}
export const bookmark = (req: ApiRequest, collection: string, id: string): string => `${req.baseUrl}/${collection}/${id}`;

/** The `next` link when a page is full (common._get_collection_links). */
export function collectionLinks(req: ApiRequest, collection: string, items: Array<{ id?: string | number; uuid?: string; name?: string }>, maxLimit: number, idKey: 'id' | 'name' = 'id'): Array<{ rel: string; href: string }> | undefined {
  const requested = req.query.limit !== undefined ? Number(req.query.limit) : maxLimit;
  const max = Math.min(Number.isFinite(requested) ? requested : maxLimit, maxLimit);
  if (!max || max !== items.length) return undefined;
  const last = items[items.length - 1]!;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query).sort(([a], [b]) => a.localeCompare(b))) {
    if (k === 'marker') continue;
    for (const item of [v].flat()) params.append(k, String(item));
  }
  params.set('marker', String(idKey === 'name' ? last.name : (last.id ?? last.uuid)));
  return [{ rel: 'next', href: `${req.baseUrl}/v2.1/${collection}?${params}` }];
}

/** limit and marker as Nova reads them (common.get_limit_and_marker): bad values are 400s. */
export function limitAndMarker(req: ApiRequest, maxLimit: number): { limit: number; marker?: string } {
  const q = req.query;
  let limit = maxLimit;
  if (q.limit !== undefined) {
    const s = String([q.limit].flat().at(-1));
    if (!/^-?\d+$/.test(s)) throw new BadRequest('limit param must be an integer');
    const n = Number(s);
    if (n < 0) throw new BadRequest('limit param must be positive');
    limit = Math.min(n, maxLimit);
  }
  const marker = q.marker !== undefined ? String([q.marker].flat().at(-1)) : undefined;
  return { limit, marker };
}

/** Nova's utils.isotime: seconds precision with Z. */
export const isotime = (s: string | null | undefined): string | null => (s ? new Date(s).toISOString().replace(/\.\d{3}Z$/, 'Z') : null);
/** str(datetime) without tz, as OS-SRV-USG and os-instance-actions print it. */
export const pyDatetime = (s: string | null | undefined): string | null => {
  if (!s) return null;
  const iso = new Date(s).toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 19)}.${ms}000`;
};

/**
 * Loads a live server or answers Nova's 404. With a caller: a non-admin sees only its own
 * project's servers (Nova's project_only queries), so another project's server is a 404 too.
 */
export async function getInstance(deps: ComputeDeps, id: string, ctx?: RequestContext, opts: { readDeleted?: boolean } = {}): Promise<Instance> {
  const inst = await deps.repos.instances.get(id, opts);
  if (!inst || (ctx && inst.project_id !== ctx.projectId && !deps.policy.can('context_is_admin', {}, ctx))) throw new NotFound(`Instance ${id} could not be found.`);
  return inst;
}

/** The policy target of a server-scoped rule: its owner. */
export async function serverTarget(deps: ComputeDeps, req: ApiRequest): Promise<Record<string, unknown>> {
  const inst = await getInstance(deps, req.params.server_id ?? req.params.id!, req.ctx);
  return { project_id: inst.project_id, user_id: inst.user_id, instance: inst };
}

/** The instance a serverTarget loaded. */
export const targetInstance = (req: ApiRequest): Instance => req.target.instance as Instance;

/** The cloud's public root URL (the request's service URL without the /compute prefix). */
export const cloudUrlOf = (req: ApiRequest): string => req.baseUrl.replace(/\/compute$/, '');

/** Query values Nova reads with req.GET.getall(). */
export const queryList = (v: unknown): string[] => (v === undefined ? [] : [v].flat().map(String));
/** A single query value (the last one given, as webob's req.GET[key]). */
export const queryOne = (v: unknown): string | undefined => (v === undefined ? undefined : String([v].flat().at(-1)));
