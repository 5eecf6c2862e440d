// The enabled stores (Glance's enabled_backends), built from `image.stores` = ["id:type", …].
// An unknown type stops the start, as an unknown driver name does everywhere in Stratus.
import { join } from 'node:path';
import { filesystemStore } from './filesystem-store.ts';
import type { ImageStore, StoreFactory } from './image-store.ts';

export type { ImageStore, StoreAddResult, ByteRange } from './image-store.ts';

const drivers: Record<string, StoreFactory> = { file: filesystemStore };

export interface StoreSet {
  all: ImageStore[];
  default: ImageStore;
  get(id: string): ImageStore | undefined;
  /** The store a location URL belongs to. */
  forUrl(url: string): ImageStore | undefined;
}

export function buildStores(specs: string[], opts: { baseDir: string; defaultId?: string }): StoreSet {
  if (specs.length === 0) throw new Error('config: image.stores must name at least one store');
  const all = specs.map((spec) => {
    const [id, type = 'file'] = spec.split(':');
    if (!id || !/^[A-Za-z0-9_-]+$/.test(id) || id.startsWith('os_glance_')) throw new Error(`config: bad store id in image.stores: '${spec}'`);
    const factory = drivers[type];
    if (!factory) throw new Error(`config: unknown store type '${type}' in image.stores (known: ${Object.keys(drivers).join(', ')})`);
    return factory(id, { dir: join(opts.baseDir, id) });
  });
  const ids = new Set(all.map((s) => s.id));
  if (ids.size !== all.length) throw new Error('config: image.stores names a store twice');
  const byId = new Map(all.map((s) => [s.id, s]));
  const def = opts.defaultId ? byId.get(opts.defaultId) : all[0];
  if (!def) throw new Error(`config: image.default_store '${opts.defaultId}' is not in image.stores`);
  return { all, default: def, get: (id) => byId.get(id), forUrl: (url) => all.find((s) => s.owns(url)) };
}
