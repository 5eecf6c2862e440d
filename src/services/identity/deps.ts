// What identity's route tables and domain logic are given.
import type { Kysely } from 'kysely';
import type { Config } from '../../lib/config.ts';
import type { Logger } from '../../lib/log.ts';
import type { RevocationList } from './service/revocations.ts';

export interface IdentityDeps {
  db: Kysely<any>;
  config: Config;
  log: Logger;
  /** Record a revocation event (user disabled, role removed, token revoked, …). */
  revocations: RevocationList;
}
