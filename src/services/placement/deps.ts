// What placement's route tables are given.
import type { Kysely } from 'kysely';
import type { Database } from '../../lib/db/index.ts';
import type { ProviderModel } from './service/model.ts';

export interface PlacementDeps {
  database: Database;
  db: Kysely<any>;
  model: ProviderModel;
  settings: PlacementSettings;
}

export interface PlacementSettings {
  randomizeCandidates: boolean;
  maxCandidates: number;
  /** Project and user recorded for allocations written before 1.8 (which had none). */
  incompleteProjectId: string;
  incompleteUserId: string;
}
