// Object storage configuration keys (object_storage.*). The constraint keys are Swift's
// [swift-constraints] (swift.conf) with Swift's defaults; /info publishes them as they are here.
import type { ConfigSchema } from '../../lib/config.ts';
import type { Config } from '../../lib/config.ts';

const int = (def: number, doc: string, min = 0) => ({ type: 'integer' as const, default: def, min, doc });

export const objectStorageConfig: ConfigSchema = {
  'object_storage.max_file_size': int(5368709122, 'Largest object one PUT may store, in bytes.', 1),
  'object_storage.max_meta_name_length': int(128, 'Longest metadata name (after the X-*-Meta- prefix).', 1),
  'object_storage.max_meta_value_length': int(256, 'Longest metadata value.', 1),
  'object_storage.max_meta_count': int(90, 'Most metadata items one request may set.', 1),
  'object_storage.max_meta_overall_size': int(4096, 'Most bytes of metadata (names + values) on one account, container or object.', 1),
  'object_storage.max_header_size': int(8192, 'Longest header value.', 1),
  'object_storage.max_object_name_length': int(1024, 'Longest object name, in bytes.', 1),
  'object_storage.container_listing_limit': int(10000, 'Most objects one container listing returns.', 1),
  'object_storage.account_listing_limit': int(10000, 'Most containers one account listing returns.', 1),
  'object_storage.max_account_name_length': int(256, 'Longest account name, in bytes.', 1),
  'object_storage.max_container_name_length': int(256, 'Longest container name, in bytes.', 1),
  'object_storage.fsync': { type: 'boolean', default: true, doc: 'fsync object data, its directory and the database commit before a write is acknowledged (durability across power loss).' },
  'object_storage.expirer_interval': int(5, 'Seconds between two passes of the object expirer (X-Delete-At).', 1),
  'object_storage.max_manifest_segments': int(1000, 'Most segments in one SLO manifest.', 1),
  'object_storage.max_manifest_size': int(8388608, 'Largest SLO manifest body, in bytes.', 1),
  'object_storage.dlo_max_segments': int(10000, 'Most segments a DLO GET assembles.', 1),
  'object_storage.max_containers_per_extraction': int(10000, 'Most containers one extract-archive may create.', 1),
  'object_storage.max_failed_extractions': int(1000, 'Failures after which extract-archive stops.', 1),
  'object_storage.max_deletes_per_request': int(10000, 'Most paths one bulk delete may name.', 1),
  'object_storage.max_failed_deletes': int(1000, 'Failures after which a bulk delete stops.', 1),
  'object_storage.tempurl_methods': { type: 'list', default: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], doc: 'Methods a TempURL may be signed for.' },
  'object_storage.allowed_digests': { type: 'list', default: ['sha1', 'sha256', 'sha512'], doc: 'HMAC digests TempURL and FormPost accept.' },
  'object_storage.sync_realms': { type: 'list', default: ['realm1/name1'], doc: 'Container-sync realm/cluster names that mean this cloud (X-Container-Sync-To: //realm/cluster/account/container).' },
  'object_storage.sync_interval': int(5, 'Seconds between two container-sync passes.', 1),
};

/** Swift's constraints as /info names them and the checks use them. */
export interface Constraints {
  max_file_size: number;
  max_meta_name_length: number;
  max_meta_value_length: number;
  max_meta_count: number;
  max_meta_overall_size: number;
  max_header_size: number;
  max_object_name_length: number;
  container_listing_limit: number;
  account_listing_limit: number;
  max_account_name_length: number;
  max_container_name_length: number;
  extra_header_count: number;
}

export function constraintsFrom(config: Config): Constraints {
  const c = (k: string) => config.int(`object_storage.${k}`);
  return {
    max_file_size: c('max_file_size'),
    max_meta_name_length: c('max_meta_name_length'),
    max_meta_value_length: c('max_meta_value_length'),
    max_meta_count: c('max_meta_count'),
    max_meta_overall_size: c('max_meta_overall_size'),
    max_header_size: c('max_header_size'),
    max_object_name_length: c('max_object_name_length'),
    container_listing_limit: c('container_listing_limit'),
    account_listing_limit: c('account_listing_limit'),
    max_account_name_length: c('max_account_name_length'),
    max_container_name_length: c('max_container_name_length'),
    extra_header_count: 0,
  };
}
