// POST /v2/images: Glance's RequestDeserializer.create + ImageFactory.new_image.
import { BadRequest, Forbidden, PayloadTooLarge } from '../../../lib/errors.ts';
import { uuid } from '../../../lib/ids.ts';
import { schemaError, type JsonSchema } from './json-schema.ts';
import type { Image, Visibility } from './model.ts';

/** Glance refuses these in a create body (read-only or computed by the server). */
const DISALLOWED = ['direct_url', 'self', 'file', 'schema', 'stores'];
const READONLY = ['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size'];
const RESERVED_EXTRA = ['owner', 'locations', 'deleted', 'deleted_at', 'direct_url', 'self', 'file', 'schema', 'location'];
export const RESERVED_NAMESPACE = 'os_glance';
const BASE = ['checksum', 'created_at', 'container_format', 'disk_format', 'id', 'min_disk', 'min_ram', 'name', 'size',
  'virtual_size', 'status', 'tags', 'owner', 'updated_at', 'visibility', 'protected', 'os_hidden'];

/** Validates a create body and builds the queued image (not yet stored). */
export function newImageFromBody(body: unknown, schema: JsonSchema, ctx: { projectId?: string }, limits: { properties: number; tags: number }): Image {
  if (body === undefined || body === null) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(`Provided object does not match schema 'image': ${JSON.stringify(body)} is not of type 'object'`);
  const b = { ...(body as Record<string, unknown>) };
  for (const key of DISALLOWED) if (key in b) throw new Forbidden(`Attribute '${key}' is read-only.`);
  const err = schemaError(b, schema);
  if (err) throw new BadRequest(`Provided object does not match schema 'image': ${err}`);
  for (const key of READONLY) if (key in b) throw new Forbidden(`Attribute '${key}' is read-only.`);
  if ('locations' in b) throw new Forbidden("Attribute 'locations' is reserved.");

  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(b)) {
    if (BASE.includes(key)) continue;
    if (key.length > 255) throw new BadRequest('Custom property should not be greater than 255 characters.');
    if (RESERVED_EXTRA.includes(key) || key.startsWith(RESERVED_NAMESPACE)) throw new Forbidden(`Attribute '${key}' is reserved.`);
    extra[key] = value as string;
  }
  if (limits.properties >= 0 && Object.keys(extra).length > limits.properties) {
    throw new PayloadTooLarge(`Maximum number of image properties exceeded: ${Object.keys(extra).length} > ${limits.properties}`);
  }
  const tags = [...new Set((b.tags as string[] | undefined) ?? [])];
  if (limits.tags >= 0 && tags.length > limits.tags) throw new PayloadTooLarge(`Maximum number of tags exceeded: ${tags.length} > ${limits.tags}`);
  for (const k of ['min_disk', 'min_ram'] as const) {
    if (typeof b[k] === 'number' && (b[k] as number) < 0) throw new BadRequest(`Invalid value '${b[k]}' for parameter '${k}': Cannot be a negative value.`);
  }
  const now = new Date().toISOString();
  return {
    id: (b.id as string | undefined) ?? uuid(),
    name: (b.name as string | null | undefined) ?? null,
    status: 'queued',
    visibility: (b.visibility as Visibility | undefined) ?? 'shared',
    protected: (b.protected as boolean | undefined) ?? false,
    os_hidden: (b.os_hidden as boolean | undefined) ?? false,
    owner: (b.owner as string | null | undefined) ?? ctx.projectId ?? null,
    size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null,
    disk_format: (b.disk_format as string | null | undefined) ?? null,
    container_format: (b.container_format as string | null | undefined) ?? null,
    min_disk: (b.min_disk as number | undefined) ?? 0,
    min_ram: (b.min_ram as number | undefined) ?? 0,
    created_at: now, updated_at: now,
    properties: extra, tags, locations: [],
  };
}
