// What the image service's route tables and domain logic are given (built once in index.ts).
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../lib/auth/context.ts';
import type { Logger } from '../../lib/log.ts';
import type { Access } from './service/access.ts';
import type { HasherPool } from '../../lib/hashing.ts';
import type { Image } from './service/model.ts';
import type { Quotas } from './service/quotas.ts';
import type { Schemas } from './service/schemas.ts';
import type { Transfers } from './service/transfers.ts';
import type { ImageStore, StoreSet } from './stores/index.ts';

export interface ImageSettings {
  diskFormats: string[];
  containerFormats: string[];
  importMethods: string[];
  webDownloadAllowed: string[];
  webDownloadAllowPrivate: boolean;
  imageSizeCap: number;
  defaultLimit: number;
  maxLimit: number;
  memberQuota: number;
  tagQuota: number;
  propertyQuota: number;
  requireFormatMatch: boolean;
}

export interface ImageDeps {
  db: Kysely<any>;
  log: Logger;
  settings: ImageSettings;
  access: Access;
  schemas: Schemas;
  stores: StoreSet;
  /** Where interoperable import stages data (Glance's os_glance_staging_store). */
  staging: ImageStore;
  hashers: HasherPool;
  quotas: Quotas;
  transfers: Transfers;
  /** Sends image.<event> on the bus (never fails the request). */
  notify(ctx: RequestContext, event: string, image: Image): void;
  /** Background work (imports) that stop() waits for. */
  background(work: Promise<unknown>): void;
}
