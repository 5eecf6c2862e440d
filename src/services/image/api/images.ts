// /v2/images: list, create, show, update (JSON patch), delete, deactivate/reactivate and tags.
import { BadRequest, MethodNotAllowed } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { ImageDeps } from '../deps.ts';
import { imageTarget, isVisible } from '../service/access.ts';
import { getImage, rowOf } from '../service/image-repo.ts';
import { listImages, parseListQuery } from '../service/image-list.ts';
import { addTag, createImage, deactivateImage, deleteImage, deleteTag, reactivateImage, updateImage } from '../service/images.ts';
import { hasTrailingSlash, imageTargetLoader, loadedImage, notFound } from './common.ts';
import { imageView } from './render.ts';

/** Glance's first/next links: the request's query (one value per key), marker replaced. */
function pageLink(query: Record<string, unknown>, marker?: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (k !== 'marker' && v !== undefined) params.set(k, String(Array.isArray(v) ? v[v.length - 1] : v));
  if (marker) params.set('marker', marker);
  const qs = params.toString();
  return qs ? `/v2/images?${qs}` : '/v2/images';
}

/** The policy target of a create: the proposed owner and visibility (Glance's ImageAPIPolicy on a dict). */
function createTarget(req: ApiRequest): Record<string, unknown> {
  const b = (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}) as Record<string, unknown>;
  const owner = typeof b.owner === 'string' ? b.owner : req.ctx.projectId;
  return { project_id: owner, owner, visibility: typeof b.visibility === 'string' ? b.visibility : 'private' };
}

export function imageRoutes(deps: ImageDeps): Route[] {
  const target = imageTargetLoader(deps);
  const { db, access, settings } = deps;
  return [
    {
      method: 'GET', path: '/v2/images', policy: 'get_images', target: (req) => ({ project_id: req.ctx.projectId }),
      handler: async (req) => {
        if (hasTrailingSlash(req)) notFound();
        const query = parseListQuery(req.query, { defaultLimit: settings.defaultLimit, maxLimit: settings.maxLimit });
        let marker: Record<string, unknown> | undefined;
        if (query.marker !== undefined) {
          const m = await getImage(db, query.marker);
          if (!m || !(await isVisible(db, access, req.ctx, m))) throw new BadRequest(`No image found with ID ${query.marker}`);
          marker = rowOf(m);
        }
        const { images, full } = await listImages(db, query, { ctx: req.ctx, isAdmin: access.isAdmin(req.ctx) }, marker);
        const shown = images.filter((i) => access.allows('get_image', imageTarget(i, req.ctx), req.ctx));
        const body: Record<string, unknown> = { images: shown.map(imageView), first: pageLink(req.query), schema: '/v2/schemas/images' };
        if (full && shown.length > 0) body.next = pageLink(req.query, shown[shown.length - 1]!.id);
        return body;
      },
    },
    {
      method: 'POST', path: '/v2/images', policy: 'add_image', target: createTarget,
      handler: async (req) => {
        const image = await createImage(deps, req.ctx, req.body);
        const headers: Record<string, string> = { Location: `${req.baseUrl}/v2/images/${image.id}`, 'OpenStack-image-store-ids': deps.stores.all.map((s) => s.id).join(',') };
        if (settings.importMethods.length) headers['OpenStack-image-import-methods'] = settings.importMethods.join(',');
        return reply(201, imageView(image), headers);
      },
    },
    {
      // `/v2/images/` (no id) is nothing to Glance's router; `/v2/images` takes GET and POST only.
      method: ['PUT', 'PATCH', 'DELETE'], path: '/v2/images', policy: 'default',
      handler: (req) => {
        if (hasTrailingSlash(req)) notFound();
        throw new MethodNotAllowed(`The method ${req.raw.method} is not allowed for this resource.`);
      },
    },
    { method: 'GET', path: '/v2/images/:image_id', policy: 'get_image', target, handler: (req) => imageView(loadedImage(req)) },
    {
      method: 'PATCH', path: '/v2/images/:image_id', policy: 'modify_image', target,
      handler: async (req) => imageView(await updateImage(deps, req.ctx, loadedImage(req), req.headers['content-type'], req.body)),
    },
    {
      method: 'DELETE', path: '/v2/images/:image_id', policy: 'delete_image', target,
      handler: async (req) => { await deleteImage(deps, req.ctx, loadedImage(req)); },
    },
    {
      method: 'POST', path: '/v2/images/:image_id/actions/deactivate', policy: 'deactivate', target,
      handler: async (req) => { await deactivateImage(deps, loadedImage(req)); },
    },
    {
      method: 'POST', path: '/v2/images/:image_id/actions/reactivate', policy: 'reactivate', target,
      handler: async (req) => { await reactivateImage(deps, loadedImage(req)); },
    },
    {
      method: 'PUT', path: '/v2/images/:image_id/tags/:tag', policy: 'modify_image', target,
      handler: async (req) => { await addTag(deps, req.ctx, loadedImage(req), req.params.tag!); },
    },
    {
      method: 'DELETE', path: '/v2/images/:image_id/tags/:tag', policy: 'modify_image', target,
      handler: async (req) => { await deleteTag(deps, req.ctx, loadedImage(req), req.params.tag!); },
    },
  ];
}
