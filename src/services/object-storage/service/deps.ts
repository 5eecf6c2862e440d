// What the object storage domain code receives: created once in index.ts, passed everywhere.
import type { Kysely } from 'kysely';
import type { Config } from '../../../lib/config.ts';
import type { PolicyCheck } from '../../../lib/http/routes.ts';
import type { Logger } from '../../../lib/log.ts';
import type { Constraints } from '../config.ts';
import type { ObjectBackend } from '../storage/backend.ts';
import type { TimestampSource } from './timestamp.ts';

export interface SwiftDeps {
  db: Kysely<any>;
  backend: ObjectBackend;
  /** Resolves once every commit made so far is on disk: a write's reply waits for it. */
  syncCommits(): Promise<void>;
  policy: PolicyCheck;
  constraints: Constraints;
  config: Config;
  ts: TimestampSource;
  log: Logger;
  /** Wall clock in seconds (X-Delete-At, TempURL expiry); injectable for tests. */
  now(): number;
}

/** The only storage policy, as /info lists it. */
export const POLICY_NAME = 'Policy-0';
