// The image service's configuration keys (image.*), validated at start with the kernel's.
// Names follow glance-api.conf where one exists ([image_format], [DEFAULT] image_size_cap…).
import type { ConfigSchema } from '../../lib/config.ts';

export const GLANCE_DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const GLANCE_CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];

export const imageConfig: ConfigSchema = {
  'image.disk_formats': { type: 'list', default: GLANCE_DISK_FORMATS, doc: 'Disk formats images may declare ([image_format] disk_formats).' },
  'image.container_formats': { type: 'list', default: GLANCE_CONTAINER_FORMATS, doc: 'Container formats images may declare ([image_format] container_formats).' },
  'image.stores': { type: 'list', default: ['file:file'], doc: 'Enabled stores as id:type (only the "file" type exists), e.g. "fast:file,cheap:file" (Glance enabled_backends).' },
  'image.default_store': { type: 'string', doc: 'Store new data goes to (default: the first of image.stores).' },
  'image.store_dir': { type: 'string', doc: 'Directory of the filesystem stores (default <data_dir>/image/stores/<id>).' },
  'image.staging_dir': { type: 'string', doc: 'Where interoperable import stages data (default <data_dir>/image/staging).' },
  'image.import_methods': { type: 'list', default: ['glance-direct', 'web-download', 'copy-image'], doc: 'Enabled interoperable import methods (enabled_import_methods).' },
  'image.web_download_allowed': { type: 'list', default: [], doc: 'URL prefixes web-download may fetch, e.g. "https://cloud-images.ubuntu.com/" or "*" for any http(s) URL. Empty: web-download refuses every URL.' },
  'image.web_download_allow_private': { type: 'boolean', default: false, doc: 'Let web-download reach loopback, link-local (metadata) and private addresses.' },
  'image.image_size_cap': { type: 'integer', default: 1099511627776, min: 1, doc: 'Largest image in bytes (image_size_cap, 1 TiB).' },
  'image.limit_param_default': { type: 'integer', default: 25, min: 1, doc: 'Default page size of list calls.' },
  'image.api_limit_max': { type: 'integer', default: 1000, min: 1, doc: 'Largest page size of list calls.' },
  'image.image_member_quota': { type: 'integer', default: 128, min: -1, doc: 'Members per image (-1: unlimited).' },
  'image.image_tag_quota': { type: 'integer', default: 128, min: -1, doc: 'Tags per image (-1: unlimited).' },
  'image.image_property_quota': { type: 'integer', default: 128, min: -1, doc: 'Extra properties per image (-1: unlimited).' },
  'image.quota_image_count_total': { type: 'integer', default: -1, min: -1, doc: 'Images a project may own (-1: unlimited).' },
  'image.quota_image_size_total': { type: 'integer', default: -1, min: -1, doc: 'MiB of image data a project may store (-1: unlimited).' },
  'image.quota_image_stage_total': { type: 'integer', default: -1, min: -1, doc: 'MiB of staged import data a project may hold (-1: unlimited).' },
  'image.quota_image_count_uploading': { type: 'integer', default: -1, min: -1, doc: 'Uploads/imports a project may run at once (-1: unlimited).' },
  'image.quota_overrides': { type: 'list', default: [], doc: 'Per-project limits, "<project_id>:<limit name>=<value>", e.g. "3f…:image_size_total=10240".' },
  'image.require_image_format_match': { type: 'boolean', default: true, doc: 'Refuse data of a bare image that does not look like its disk_format ([image_format] require_image_format_match).' },
  'image.hash_workers': { type: 'integer', default: 1, min: 0, doc: 'Hashing threads: 0 hashes inline (~360 MB/s); 1 hashes uploads on a thread that reads the blocks being written in place (both digests); 2+ gives each digest a thread of its own (more cores, several uploads).' },
  'image.upload_stale_seconds': { type: 'integer', default: 120, min: 10, doc: 'An upload whose heartbeat is older than this is dead: its image goes back to queued.' },
  'image.notifications': { type: 'boolean', default: true, doc: 'Send image.* notifications on the bus.' },
};
