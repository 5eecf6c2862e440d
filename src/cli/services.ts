// Every service Stratus implements, in start order (identity first: the others need tokens).
import identity from '../services/identity/index.ts';
import image from '../services/image/index.ts';
import objectStorage from '../services/object-storage/index.ts';
import placement from '../services/placement/index.ts';
import network from '../services/network/index.ts';
import compute from '../services/compute/index.ts';
import type { ServiceDefinition } from '../lib/service.ts';

export const allServices: ServiceDefinition[] = [identity, image, objectStorage, placement, network, compute];
