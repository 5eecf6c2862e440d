// Image metadata for boots, kept a few seconds: a burst of creates from one image (min_count,
// scripted fleets, the benchmark) would otherwise ask the image service twice per server (API
// check, then the agent). Keyed by project as well, since visibility depends on who asks; only
// active images are kept, so a new or deactivated image is seen at once.
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { GlanceImage } from '../../../lib/clients/image.ts';
import type { ServiceClients } from '../deps.ts';

export interface ImageCache { get(ctx: RequestContext, id: string): Promise<GlanceImage> }

export function createImageCache(clients: ServiceClients, ttlMs = 5000, max = 2000): ImageCache {
  const entries = new Map<string, { image: GlanceImage; until: number }>();
  return {
    async get(ctx, id) {
      const key = `${ctx.projectId ?? ''}/${id}`;
      const hit = entries.get(key);
      if (hit && hit.until > Date.now()) return hit.image;
      const image = await (await clients.image(ctx)).getImage(id);
      if (image.status === 'active') {
        if (entries.size >= max) entries.clear();
        entries.set(key, { image, until: Date.now() + ttlMs });
      }
      return image;
    },
  };
}
