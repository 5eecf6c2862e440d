// The image service (Glance v2): images and their data, members, tags, interoperable import,
// schemas, metadata definitions, behind one or more stores.
import { join } from 'node:path';
import { defineService } from '../../lib/service.ts';
import { imageConfig } from './config.ts';
import { migrations } from './db/migrations.ts';
import { imagePolicies } from './policies.ts';
import type { ImageDeps, ImageSettings } from './deps.ts';
import { createAccess } from './service/access.ts';
import { createHasherPool } from '../../lib/hashing.ts';
import { cleanupDeadTransfer } from './service/recovery.ts';
import type { Image } from './service/model.ts';
import { createQuotas, parseOverrides } from './service/quotas.ts';
import { buildSchemas } from './service/schemas.ts';
import { createTransfers } from './service/transfers.ts';
import { buildStores } from './stores/index.ts';
import { filesystemStore } from './stores/filesystem-store.ts';
import { discoveryRoutes } from './api/discovery.ts';
import { imageRoutes } from './api/images.ts';
import { imageDataRoutes } from './api/image-data.ts';
import { memberRoutes } from './api/members.ts';
import { importRoutes } from './api/import.ts';
import { metadefRoutes } from './metadefs/routes.ts';
import { imageView } from './api/render.ts';

export default defineService({
  id: 'image',
  prefix: '/image',
  catalog: { type: 'image', name: 'glance', path: '' },
  config: imageConfig,
  migrations,
  async init({ config, log, db: database, bus, dataDir, makePolicy }) {
    const db = database.db;
    const base = join(dataDir, 'image');
    const settings: ImageSettings = {
      diskFormats: config.list('image.disk_formats')!,
      containerFormats: config.list('image.container_formats')!,
      importMethods: config.list('image.import_methods')!,
      webDownloadAllowed: config.list('image.web_download_allowed') ?? [],
      webDownloadAllowPrivate: config.bool('image.web_download_allow_private'),
      imageSizeCap: config.int('image.image_size_cap'),
      defaultLimit: config.int('image.limit_param_default'),
      maxLimit: config.int('image.api_limit_max'),
      memberQuota: config.int('image.image_member_quota'),
      tagQuota: config.int('image.image_tag_quota'),
      propertyQuota: config.int('image.image_property_quota'),
      requireFormatMatch: config.bool('image.require_image_format_match'),
    };
    for (const m of settings.importMethods) {
      if (!['glance-direct', 'web-download', 'copy-image'].includes(m)) throw new Error(`config: unknown import method '${m}' in image.import_methods`);
    }
    const stores = buildStores(config.list('image.stores')!, { baseDir: config.optStr('image.store_dir') ?? join(base, 'stores'), defaultId: config.optStr('image.default_store') });
    const staging = filesystemStore('os_glance_staging_store', { dir: config.optStr('image.staging_dir') ?? join(base, 'staging') });
    for (const s of [...stores.all, staging]) await s.init();
    const policy = makePolicy(imagePolicies);
    const hashers = createHasherPool({ workers: config.int('image.hash_workers') });
    const notifier = bus.notifier('image.localhost');
    const sendNotifications = config.bool('image.notifications');
    const pending = new Set<Promise<unknown>>();
    const transfers = createTransfers(db, log, {
      staleSeconds: config.int('image.upload_stale_seconds'),
      onStale: (imageId) => cleanupDeadTransfer(db, stores, staging, imageId),
    });
    const deps: ImageDeps = {
      db, log, settings, access: createAccess(policy),
      schemas: buildSchemas({ disk: settings.diskFormats, container: settings.containerFormats }),
      stores, staging, hashers,
      quotas: createQuotas({
        image_count_total: config.int('image.quota_image_count_total'),
        image_size_total: config.int('image.quota_image_size_total'),
        image_stage_total: config.int('image.quota_image_stage_total'),
        image_count_uploading: config.int('image.quota_image_count_uploading'),
      }, parseOverrides(config.list('image.quota_overrides') ?? [])),
      transfers,
      notify(ctx, event, image: Image) {
        if (!sendNotifications) return;
        notifier.info(ctx, event, imageView(image)).catch((err) => log.warn({ err, event }, 'image notification failed'));
      },
      background(work) {
        pending.add(work);
        void work.finally(() => pending.delete(work));
      },
    };
    await transfers.sweep();
    return {
      routes: [
        ...discoveryRoutes(deps), ...imageRoutes(deps), ...imageDataRoutes(deps), ...memberRoutes(deps),
        ...importRoutes(deps), ...metadefRoutes(deps),
      ],
      policy,
      faultStyle: 'glance',
      streamTypes: ['application/octet-stream'],
      jsonTypes: ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'],
      async stop() {
        transfers.stop();
        await Promise.allSettled([...pending]);
        await hashers.close();
      },
    };
  },
});
