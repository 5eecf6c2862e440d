// Identity's configuration keys (identity.*), validated at start with the kernel's.
import type { ConfigSchema } from '../../lib/config.ts';
import { passwordConfig } from './service/password-policy.ts';

export const identityConfig: ConfigSchema = {
  'identity.token_expiration': { type: 'integer', default: 3600, min: 1, doc: 'Token lifetime in seconds.' },
  'identity.allow_expired_window': { type: 'integer', default: 172800, min: 0, doc: 'Seconds after expiry that services may still validate a token with allow_expired.' },
  'identity.key_repository': { type: 'string', doc: 'Fernet key directory (default <data_dir>/fernet-keys).' },
  ...passwordConfig,
};
