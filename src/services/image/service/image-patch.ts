// PATCH /v2/images/{id}: the JSON-patch media types (v2.0 = draft 4 `{"replace": "/name"}`,
// v2.1 = draft 10 `{"op": "replace", "path": "/name"}`), parsed and applied as Glance's
// RequestDeserializer.update and ImagesController._do_add/_do_replace/_do_remove do.
import { BadRequest, Conflict, Forbidden, PayloadTooLarge, UnsupportedMediaType } from '../../../lib/errors.ts';
import { RESERVED_NAMESPACE } from './image-create.ts';
import { schemaError, type JsonSchema } from './json-schema.ts';
import { BASE_ATTRIBUTES, type Image } from './model.ts';

export const PATCH_TYPES: Record<string, 4 | 10> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};
const OPS = ['add', 'remove', 'replace'] as const;
type Op = (typeof OPS)[number];

export interface PatchOp { op: Op; path: string[]; value?: unknown; draft: 4 | 10 }

const READONLY = new Set(['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value']);
const RESERVED = new Set(['location', 'deleted', 'deleted_at']);

function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new BadRequest(`Pointer \`${String(pointer)}\` does not start with "/".`);
  if (!pointer.startsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw new BadRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw new BadRequest(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw new BadRequest(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) throw new BadRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer.replace(/^\/+/, '').split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~').trim());
}

/** Parses and validates a patch body; throws 415/400/403 as Glance. */
export function parsePatch(contentType: string | undefined, body: unknown, schema: JsonSchema): PatchOp[] {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const draft = PATCH_TYPES[type];
  if (!draft) {
    const allowed = Object.keys(PATCH_TYPES).sort().join(', ');
    const e = new UnsupportedMediaType(`Image PATCH expects Content-Type one of: ${allowed}`);
    e.headers = { 'Accept-Patch': allowed };
    throw e;
  }
  if (body === undefined) throw new BadRequest('Body expected in request.');
  if (!Array.isArray(body)) throw new BadRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequest('Operations must be JSON objects.');
    const r = raw as Record<string, unknown>;
    let op: Op;
    let pointer: unknown;
    if (draft === 10) {
      if (r.op === undefined) throw new BadRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPS.join(', ')}.`);
      if (!OPS.includes(r.op as Op)) throw new BadRequest(`Invalid operation: \`${String(r.op)}\`. It must be one of the following: ${OPS.join(', ')}.`);
      op = r.op as Op;
      if (!('path' in r)) throw new BadRequest("Unable to find 'path' in JSON Schema change");
      pointer = r.path;
    } else {
      const present = OPS.filter((k) => k in r);
      if (present.length > 1) throw new BadRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
      if (present.length === 0) throw new BadRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
      op = present[0]!;
      pointer = r[op];
    }
    const path = decodePointer(pointer);
    const depth: Record<string, number> = path[0] === 'locations' ? { add: 2, remove: 2, replace: 1 } : {};
    if (path.length !== (depth[op] ?? 1)) throw new BadRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    const change: PatchOp = { op, path, draft };
    if (op !== 'remove') {
      if (!('value' in r)) throw new BadRequest(`Operation "${op}" requires a member named "value".`);
      change.value = r.value;
    }
    validateChange(change, schema);
    return change;
  });
}

function validateChange(change: PatchOp, schema: JsonSchema): void {
  const root = change.path[0]!;
  if (READONLY.has(root)) throw new Forbidden(`Attribute '${root}' is read-only.`);
  if (RESERVED.has(root) || root.startsWith(RESERVED_NAMESPACE)) throw new Forbidden(`Attribute '${root}' is reserved.`);
  if (change.op === 'remove') return;
  let partial: Record<string, unknown> | undefined;
  if (change.path.length === 1) partial = { [root]: change.value };
  else if (schema.properties[root]?.type === 'array') partial = { [root]: [change.value] };
  if (partial) {
    const err = schemaError(partial, schema);
    if (err) throw new BadRequest(`Provided object does not match schema 'image': ${err}`);
  }
}

export interface PatchChecks {
  isAdmin: boolean;
  /** Enforces publicize_image / communitize_image for a visibility change (throws 403). */
  checkVisibility(visibility: string): void;
  /** Locations are not shown (show_multiple_locations = False): their patch is refused. */
  locationsVisible: boolean;
  limits: { properties: number; tags: number };
}

/** Applies parsed changes to a copy of the image. */
export function applyPatch(image: Image, changes: PatchOp[], checks: PatchChecks): Image {
  const next: Image = { ...image, properties: { ...image.properties }, tags: [...image.tags] };
  for (const change of changes) {
    const root = change.path[0]!;
    if (root === 'locations') {
      if (!checks.locationsVisible) throw new Forbidden("It's not allowed to update locations if locations are invisible.");
      throw new Forbidden('Location updates are not supported by this cloud.');
    }
    if (change.op === 'remove') {
      if (BASE_ATTRIBUTES.has(root)) throw new Forbidden(`Property ${root} may not be removed.`);
      if (!(root in next.properties)) throw new Conflict(`Property ${root} does not exist.`);
      delete next.properties[root];
      continue;
    }
    if (root === 'owner' && change.op === 'replace' && !checks.isAdmin) throw new Forbidden("Owner can't be updated by non admin.");
    if (root === 'visibility') checks.checkVisibility(change.value as string);
    const isBase = BASE_ATTRIBUTES.has(root);
    if (change.op === 'add' && change.draft === 4 && (isBase || root in next.properties)) throw new Conflict(`Property ${root} already present.`);
    if (change.op === 'replace' && !isBase && !(root in next.properties)) throw new Conflict(`Property ${root} does not exist.`);
    if (isBase) setAttribute(next, root, change.value);
    else next.properties[root] = change.value as string;
  }
  if (checks.limits.properties >= 0 && Object.keys(next.properties).length > checks.limits.properties
    && Object.keys(next.properties).length > Object.keys(image.properties).length) {
    throw new PayloadTooLarge(`Maximum number of image properties exceeded: ${Object.keys(next.properties).length} > ${checks.limits.properties}`);
  }
  if (checks.limits.tags >= 0 && next.tags.length > checks.limits.tags) throw new PayloadTooLarge(`Maximum number of tags exceeded: ${next.tags.length} > ${checks.limits.tags}`);
  return next;
}

/** Glance's domain setters: formats change only while queued, sizes are never negative. */
function setAttribute(image: Image, name: string, value: unknown): void {
  switch (name) {
    case 'disk_format':
    case 'container_format':
      if (image.status !== 'queued' && image.status !== 'importing') throw new Forbidden(`Attribute ${name} can be only replaced for a queued image.`);
      image[name] = value as string | null;
      return;
    case 'min_disk':
    case 'min_ram':
      if ((value as number) < 0) throw new BadRequest(`Invalid value '${String(value)}' for parameter '${name}': Cannot be a negative value.`);
      image[name] = value as number;
      return;
    case 'tags':
      image.tags = [...new Set(value as string[])];
      return;
    case 'name': case 'visibility': case 'protected': case 'os_hidden': case 'owner':
      (image as unknown as Record<string, unknown>)[name] = value;
      return;
    default:
      throw new Forbidden(`Attribute '${name}' is read-only.`);
  }
}
