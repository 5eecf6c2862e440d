// Keystone's TokenFormatter (keystone/token/token_formatters.py): payload → msgpack →
// Fernet under the primary key, '=' padding stripped; decode accepts any active key.
// A token from a real Keystone sharing the key repository decodes here, and the reverse.
import { randomBytes } from 'node:crypto';
import { CloudError, NotFound } from '../../../lib/errors.ts';
import { fernetDecrypt, fernetEncrypt, fernetTimestamp, parseFernetKey } from './fernet.ts';
import type { FernetKey } from './fernet.ts';
import type { FernetKeyRepository } from './key-repository.ts';
import { DEFAULT_AUTH_METHODS } from './payload-fields.ts';
import { createPayloadCodec } from './payloads.ts';
import type { TokenPayload } from './payloads.ts';

export interface DecodedToken extends TokenPayload {
  /** Creation time, carried in clear in the Fernet header (whole seconds). */
  issuedAt: Date;
}

export interface TokenFormatter {
  /** A new token for `payload`, encrypted with the primary key. */
  issue(payload: TokenPayload): string;
  /**
   * The payload of an authentic token. Throws NotFound('Failed to validate token') for
   * anything else (garbled, tampered, unknown key, unknown payload): Keystone's TokenNotFound,
   * which callers render as 404 on validate and 401 when the token is used to authenticate.
   * Expiry is NOT checked: callers decide (allow_expired exists).
   */
  decode(token: string): DecodedToken;
  /** The creation time of a token without decrypting it (Keystone's creation_time), or undefined if malformed. */
  issuedAt(token: string): Date | undefined;
}

export interface TokenFormatterOptions {
  /** Keystone's `[auth] methods`, in order: it defines the bits of the methods field. */
  authMethods?: readonly string[];
  /** Seconds clock for the Fernet timestamp; tests pin it. */
  nowSeconds?: () => number;
}

const INVALID_TOKEN = 'Failed to validate token';

export function createTokenFormatter(keyRepo: FernetKeyRepository, options: TokenFormatterOptions = {}): TokenFormatter {
  const codec = createPayloadCodec(options.authMethods ?? DEFAULT_AUTH_METHODS);
  const nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  // Keys are imported once per repository revision, not per token.
  let loadedRevision = NaN;
  let keys: FernetKey[] = [];

  function currentKeys(): FernetKey[] {
    const rev = keyRepo.revision();
    if (rev !== loadedRevision) {
      const texts = keyRepo.load();
      keys = texts.map((text, i) => {
        try {
          return parseFernetKey(text);
        } catch (err) {
          throw new CloudError(`Fernet key repository holds an invalid key (position ${i}): ${(err as Error).message}`);
        }
      });
      loadedRevision = keyRepo.revision();
    }
    // Keystone's KeysNotFound: a server fault, not the client's.
    if (keys.length === 0) throw new CloudError('No encryption keys found; run fernet setup to bootstrap one.');
    return keys;
  }

  return {
    issue(payload) {
      const primary = currentKeys()[0];
      const plaintext = codec.pack(payload);
      return fernetEncrypt(primary, plaintext, nowSeconds(), randomBytes(16)).replace(/=+$/, '');
    },
    decode(token) {
      const opened = fernetDecrypt(currentKeys(), token);
      if (!opened) throw new NotFound(INVALID_TOKEN);
      let decoded: DecodedToken;
      try {
        decoded = codec.unpack(opened.plaintext) as DecodedToken;
      } catch {
        throw new NotFound(INVALID_TOKEN); // authentic but not a payload we know (e.g. federated)
      }
      decoded.issuedAt = new Date(opened.timestamp * 1000);
      return decoded;
    },
    issuedAt(token) {
      const seconds = fernetTimestamp(token);
      return seconds === undefined ? undefined : new Date(seconds * 1000);
    },
  };
}

/** A new audit id, as Keystone's `random_urlsafe_str()`: 16 random bytes, base64url, unpadded (22 chars). */
export function auditId(): string {
  return randomBytes(16).toString('base64url');
}
