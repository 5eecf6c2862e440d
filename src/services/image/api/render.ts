// Wire views (glance.api.v2.*.ResponseSerializer): the image view is its extra properties plus
// the base attributes, links relative to the API root, and `stores` where data is.
import type { Member } from '../service/members.ts';
import { isoTime, type Image } from '../service/model.ts';

/** Internal bookkeeping Glance keeps on images but never shows. */
const HIDDEN = new Set(['os_glance_stage_host', 'os_glance_hash_op_host']);

export function imageView(image: Image): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(image.properties)) if (!HIDDEN.has(k)) view[k] = v ?? '';
  Object.assign(view, {
    name: image.name, disk_format: image.disk_format, container_format: image.container_format,
    visibility: image.visibility, size: image.size, virtual_size: image.virtual_size, status: image.status,
    checksum: image.checksum, protected: image.protected, min_ram: image.min_ram, min_disk: image.min_disk,
    owner: image.owner, os_hidden: image.os_hidden, os_hash_algo: image.os_hash_algo, os_hash_value: image.os_hash_value,
    id: image.id, created_at: isoTime(image.created_at), updated_at: isoTime(image.updated_at),
    tags: [...image.tags],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  });
  const stores = [...new Set(image.locations.map((l) => l.store))];
  if (stores.length) view.stores = stores.join(',');
  return view;
}

export function memberView(m: Member): Record<string, unknown> {
  return {
    member_id: m.member_id, image_id: m.image_id, status: m.status,
    created_at: isoTime(m.created_at), updated_at: isoTime(m.updated_at), schema: '/v2/schemas/member',
  };
}
