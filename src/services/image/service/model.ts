// The image record and its status machine (glance.domain.Image). Field names are Glance's wire
// names, so a JSON-patch path root is a field name and the view is nearly the record.
import { Conflict } from '../../../lib/errors.ts';

export type ImageStatus = 'queued' | 'saving' | 'active' | 'killed' | 'deleted' | 'uploading' | 'importing' | 'pending_delete' | 'deactivated';
export type Visibility = 'public' | 'community' | 'shared' | 'private';
export const VISIBILITIES: readonly Visibility[] = ['public', 'community', 'shared', 'private'];

export interface ImageLocation {
  id: string;
  store: string;
  url: string;
  metadata: Record<string, unknown>;
}

export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  owner: string | null;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  created_at: string;
  updated_at: string;
  /** Extra properties: string values only (the image schema's additionalProperties). */
  properties: Record<string, string>;
  tags: string[];
  locations: ImageLocation[];
}

/** The attributes an image has besides its extra properties (glance.domain.Image). */
export const BASE_ATTRIBUTES = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'owner', 'size', 'virtual_size', 'checksum',
  'os_hash_algo', 'os_hash_value', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'created_at',
  'updated_at', 'tags', 'locations',
]);

/** Glance's Image.valid_state_targets. */
const TRANSITIONS: Record<ImageStatus, readonly ImageStatus[]> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted', 'active'],
  deleted: [],
  deactivated: ['active', 'deleted'],
};

export function canTransition(from: ImageStatus, to: ImageStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws Conflict as Glance's InvalidImageStatusTransition does (409 on upload, 400 elsewhere). */
export function assertTransition(from: ImageStatus, to: ImageStatus): void {
  if (!canTransition(from, to)) throw new Conflict(`Image status transition from ${from} to ${to} is not allowed`);
}

/** Glance: disk and container format must be known before data is saved. */
export function missingFormats(image: Pick<Image, 'disk_format' | 'container_format'>): string | undefined {
  const missing = (['disk_format', 'container_format'] as const).filter((k) => !image[k]);
  if (missing.length === 0) return undefined;
  return missing.length === 1 ? `Property ${missing[0]} must be set prior to saving data.` : `Properties ${missing.join(', ')} must be set prior to saving data.`;
}

/** Glance's isotime: second precision, Z. */
export const isoTime = (stored: string): string => `${stored.slice(0, 19)}Z`;
