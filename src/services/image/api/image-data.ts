// /v2/images/{id}/file: upload (204) and download (200, 206 for a range, 204 without data).
import { Forbidden } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { ImageDeps } from '../deps.ts';
import { imageTarget } from '../service/access.ts';
import { downloadImageData, uploadImageData, type DataRequest } from '../service/image-data.ts';
import { imageTargetLoader, loadedImage, one } from './common.ts';

export function dataRequestOf(req: ApiRequest): DataRequest {
  return { body: req.body, headers: req.headers, aborted: () => req.raw.raw.destroyed && !req.raw.raw.complete };
}

export function imageDataRoutes(deps: ImageDeps): Route[] {
  const target = imageTargetLoader(deps);
  return [
    {
      method: 'PUT', path: '/v2/images/:image_id/file', policy: 'upload_image', target,
      handler: async (req) => { await uploadImageData(deps, req.ctx, loadedImage(req), dataRequestOf(req)); },
    },
    {
      // Glance checks `deactivated` before the download rule: both say 403.
      method: 'GET', path: '/v2/images/:image_id/file', policy: 'get_image', target,
      handler: async (req) => {
        const image = loadedImage(req);
        if (image.status === 'deactivated' && !deps.access.isAdmin(req.ctx)) {
          throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.');
        }
        deps.access.enforce('download_image', imageTarget(image, req.ctx), req.ctx);
        const prefer = one(req.query.prefer)?.split(',').map((s) => s.trim()).filter(Boolean);
        if (prefer?.length) deps.access.enforce('download_from_store', imageTarget(image, req.ctx), req.ctx);
        const out = await downloadImageData(deps, image, req.headers, prefer);
        if (out.status === 204) return undefined;
        return reply(out.status, out.body, out.headers);
      },
    },
  ];
}
