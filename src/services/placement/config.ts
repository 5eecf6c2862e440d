// Placement's configuration keys (placement.*), after upstream's [placement] options.
import type { ConfigSchema } from '../../lib/config.ts';

const MISSING = '00000000-0000-0000-0000-000000000000';

export const placementConfig: ConfigSchema = {
  'placement.randomize_allocation_candidates': { type: 'boolean', default: false, doc: 'Shuffle allocation candidates (and sample them when a limit applies) instead of a stable order.' },
  'placement.max_allocation_candidates': { type: 'integer', default: -1, min: -1, doc: 'Stop generating allocation candidates after this many (-1: no limit).' },
  'placement.incomplete_consumer_project_id': { type: 'string', default: MISSING, doc: 'Project recorded for allocations written before microversion 1.8.' },
  'placement.incomplete_consumer_user_id': { type: 'string', default: MISSING, doc: 'User recorded for allocations written before microversion 1.8.' },
};
