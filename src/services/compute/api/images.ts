// The images proxy of Nova before 2.36 (/images, /images/detail, /images/{id}, image metadata):
// the image service's images in Nova's shape, still used by v2.1 clients and Tempest.
import { BadRequest, Forbidden, NotFound } from '../../../lib/errors.ts';
import type { GlanceImage, ImageClient } from '../../../lib/clients/image.ts';
import type { ApiRequest, Route } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import { bookmark, collectionLinks, isotime, links, mvAtLeast, queryOne } from './common.ts';
import { T, validate } from './validation.ts';

const CORE = new Set(['id', 'name', 'status', 'visibility', 'protected', 'owner', 'size', 'virtual_size', 'disk_format', 'container_format', 'min_ram',
  'min_disk', 'created_at', 'updated_at', 'checksum', 'tags', 'os_hash_algo', 'os_hash_value', 'os_hidden', 'self', 'file', 'schema', 'locations',
  'direct_url', 'stores']);
const STATUS: Record<string, string> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', importing: 'SAVING', uploading: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR' };
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, importing: 50, uploading: 50, active: 100 };

export const imageProperties = (img: GlanceImage): Record<string, string> =>
  Object.fromEntries(Object.entries(img).filter(([k, v]) => !CORE.has(k) && v !== null && v !== undefined).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));

function imageLinks(req: ApiRequest, id: string, imageUrl: string) {
  return [...links(req, 'images', id), { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${imageUrl}/images/${id}` }];
}

function detailView(req: ApiRequest, img: GlanceImage, imageUrl: string): Record<string, unknown> {
  const metadata = imageProperties(img);
  const out: Record<string, unknown> = {
    id: img.id, name: img.name, minRam: Number(img.min_ram ?? 0), minDisk: Number(img.min_disk ?? 0), metadata,
    created: isotime(img.created_at as string), updated: isotime(img.updated_at as string), status: STATUS[img.status] ?? 'UNKNOWN',
    progress: PROGRESS[img.status] ?? 0, 'OS-EXT-IMG-SIZE:size': img.size, links: imageLinks(req, img.id, imageUrl),
  };
  if (metadata.instance_uuid) {
    out.server = { id: metadata.instance_uuid, links: [{ rel: 'self', href: `${req.baseUrl}/v2.1/servers/${metadata.instance_uuid}` }, { rel: 'bookmark', href: bookmark(req, 'servers', metadata.instance_uuid) }] };
  }
  if (metadata.auto_disk_config !== undefined) out['OS-DCF:diskConfig'] = ['true', '1', 'yes', 'on'].includes(metadata.auto_disk_config.toLowerCase()) ? 'AUTO' : 'MANUAL';
  return out;
}

/** Glance errors in the proxy's words. */
async function get(client: ImageClient, id: string): Promise<GlanceImage> {
  try {
    return await client.getImage(id);
  } catch (err) {
    if (err instanceof NotFound || (err as { status?: number }).status === 400) throw new NotFound('Image not found.');
    throw err;
  }
}

export function imageRoutes(deps: ComputeDeps): Route[] {
  const proxyOnly = (req: ApiRequest) => { if (mvAtLeast(req, '2.36')) throw new NotFound('The resource could not be found.'); };
  const client = (req: ApiRequest) => deps.clients.image(req.ctx);
  const imageUrl = () => deps.endpoints.url('image');

  async function list(req: ApiRequest, detail: boolean) {
    proxyOnly(req);
    const q: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.query)) {
      const val = queryOne(v)!;
      if (k === 'name') q.name = val;
      else if (k === 'status') q.status = val.toLowerCase();
      else if (k === 'changes-since') q['updated_at'] = `gte:${val}`;
      else if (k === 'server') q.instance_uuid = val.replace(/^.*\//, '');
      else if (k === 'type') q.image_type = val;
      else if (k === 'limit') q.limit = val;
      else if (k === 'marker') q.marker = val;
      else if (k.startsWith('property-')) q[k.slice(9)] = val;
    }
    let images: GlanceImage[];
    try {
      images = (await (await client(req)).listImages(q)).images;
    } catch (err) {
      if ((err as { status?: number }).status === 400) throw new BadRequest((err as Error).message);
      throw err;
    }
    const minRam = queryOne(req.query.minRam);
    const minDisk = queryOne(req.query.minDisk);
    if (minRam !== undefined) images = images.filter((i) => (i.min_ram ?? 0) >= Number(minRam));
    if (minDisk !== undefined) images = images.filter((i) => (i.min_disk ?? 0) >= Number(minDisk));
    const url = await imageUrl();
    const out: Record<string, unknown> = { images: images.map((i) => (detail ? detailView(req, i, url) : { id: i.id, name: i.name, links: imageLinks(req, i.id, url) })) };
    const l = collectionLinks(req, detail ? 'images/detail' : 'images', images.map((i) => ({ id: i.id })), deps.config.int('compute.max_limit'));
    if (l) out.images_links = l;
    return out;
  }

  const metaBody = (key: string) => ({ type: 'object', required: [key], additionalProperties: false, properties: { [key]: T.metadata } });
  async function patchMeta(req: ApiRequest, img: GlanceImage, wanted: Record<string, string>, replaceAll: boolean) {
    const current = imageProperties(img);
    const limit = (await deps.quotas.limits(req.ctx.projectId ?? '')).metadata_items;
    const next = replaceAll ? wanted : { ...current, ...wanted };
    if (limit >= 0 && Object.keys(next).length > limit) throw new Forbidden(`Quota exceeded for metadata_items: Requested ${Object.keys(next).length}, but already used 0 of ${limit} metadata_items`);
    const ops: Array<{ op: string; path: string; value?: unknown }> = [];
    if (replaceAll) for (const k of Object.keys(current)) if (!(k in wanted)) ops.push({ op: 'remove', path: `/${k}` });
    for (const [k, v] of Object.entries(wanted)) ops.push({ op: k in current ? 'replace' : 'add', path: `/${k}`, value: v });
    const c = await client(req);
    try {
      return imageProperties(await c.updateImage(img.id, ops));
    } catch (err) {
      if ((err as { status?: number }).status === 403) throw new Forbidden((err as Error).message);
      throw err;
    }
  }

  return [
    { method: 'GET', path: '/v2.1/images', policy: 'os_compute_api:images', handler: (req) => list(req, false) },
    { method: 'GET', path: '/v2.1/images/detail', policy: 'os_compute_api:images', handler: (req) => list(req, true) },
    // DELETE /images/ (no id): Nova's router has no such route (404, not 405).
    { method: 'DELETE', path: '/v2.1/images', policy: 'os_compute_api:images', handler: () => { throw new NotFound('The resource could not be found.'); } },
    {
      method: 'GET', path: '/v2.1/images/:image_id', policy: 'os_compute_api:images',
      handler: async (req) => { proxyOnly(req); return { image: detailView(req, await get(await client(req), req.params.image_id!), await imageUrl()) }; },
    },
    {
      method: 'DELETE', path: '/v2.1/images/:image_id', policy: 'os_compute_api:images',
      handler: async (req) => {
        proxyOnly(req);
        const c = await client(req);
        await get(c, req.params.image_id!);
        try { await c.deleteImage(req.params.image_id!); } catch (err) {
          if ((err as { status?: number }).status === 403) throw new Forbidden('You are not allowed to delete the image.');
          if (err instanceof NotFound) throw new NotFound('Image not found.');
          throw err;
        }
        return undefined;
      },
    },
    {
      method: 'GET', path: '/v2.1/images/:image_id/metadata', policy: 'os_compute_api:images',
      handler: async (req) => { proxyOnly(req); return { metadata: imageProperties(await get(await client(req), req.params.image_id!)) }; },
    },
    {
      method: 'POST', path: '/v2.1/images/:image_id/metadata', policy: 'os_compute_api:images',
      handler: async (req) => { proxyOnly(req); validate(req.body, metaBody('metadata')); return { metadata: await patchMeta(req, await get(await client(req), req.params.image_id!), req.body.metadata, false) }; },
    },
    {
      method: 'PUT', path: '/v2.1/images/:image_id/metadata', policy: 'os_compute_api:images',
      handler: async (req) => { proxyOnly(req); validate(req.body, metaBody('metadata')); return { metadata: await patchMeta(req, await get(await client(req), req.params.image_id!), req.body.metadata, true) }; },
    },
    {
      method: 'GET', path: '/v2.1/images/:image_id/metadata/:key', policy: 'os_compute_api:images',
      handler: async (req) => {
        proxyOnly(req);
        const md = imageProperties(await get(await client(req), req.params.image_id!));
        if (!(req.params.key! in md)) throw new NotFound('The resource could not be found.');
        return { meta: { [req.params.key!]: md[req.params.key!] } };
      },
    },
    {
      method: 'PUT', path: '/v2.1/images/:image_id/metadata/:key', policy: 'os_compute_api:images',
      handler: async (req) => {
        proxyOnly(req);
        validate(req.body, { type: 'object', required: ['meta'], additionalProperties: false, properties: { meta: { ...T.metadata, minProperties: 1, maxProperties: 1 } } });
        const key = req.params.key!;
        if (!(key in req.body.meta)) throw new BadRequest('Request body and URI mismatch');
        await patchMeta(req, await get(await client(req), req.params.image_id!), { [key]: req.body.meta[key] }, false);
        return { meta: { [key]: req.body.meta[key] } };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/images/:image_id/metadata/:key', policy: 'os_compute_api:images',
      handler: async (req) => {
        proxyOnly(req);
        const img = await get(await client(req), req.params.image_id!);
        if (!(req.params.key! in imageProperties(img))) throw new NotFound('Invalid metadata key');
        await (await client(req)).updateImage(img.id, [{ op: 'remove', path: `/${req.params.key}` }]);
        return undefined;
      },
    },
  ];
}
