// Shared by the image route tables: loading the image a route is about (404 unless the caller
// may see it, before any other rule is checked) and Glance's trailing-slash 404s.
import type { ApiRequest } from '../../../lib/http/routes.ts';
import { NotFound } from '../../../lib/errors.ts';
import type { ImageDeps } from '../deps.ts';
import { imageTarget, visibleImage } from '../service/access.ts';
import { getImage } from '../service/image-repo.ts';
import type { Image } from '../service/model.ts';

const IMAGE = Symbol('image');

/** Route `target` loader: the image of :image_id as a policy target (ImageTarget). */
export function imageTargetLoader(deps: ImageDeps) {
  return async (req: ApiRequest): Promise<Record<string, unknown>> => {
    const id = req.params.image_id ?? '';
    const image = await visibleImage(deps.db, deps.access, req.ctx, await getImage(deps.db, id), id);
    return Object.assign(imageTarget(image, req.ctx), { [IMAGE]: image });
  };
}

/** The image the target loader found. */
export function loadedImage(req: ApiRequest): Image {
  const image = (req.target as Record<symbol, Image | undefined>)[IMAGE];
  if (!image) throw new Error('route has no image target loader');
  return image;
}

/** Fastify ignores trailing slashes; Glance's router does not: `/v2/images/` is no image. */
export function hasTrailingSlash(req: ApiRequest): boolean {
  return req.raw.url.split('?')[0]!.endsWith('/');
}

export function notFound(): never {
  throw new NotFound('The resource could not be found.');
}

export const one = (v: unknown): string | undefined => (v === undefined ? undefined : Array.isArray(v) ? String(v[v.length - 1]) : String(v));
