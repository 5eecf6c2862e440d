// The Fernet token format (https://github.com/fernet/spec), as Python's
// `cryptography.fernet.Fernet`/`MultiFernet` implement it and Keystone uses it:
//
//   0x80 ‖ timestamp (u64 BE seconds) ‖ IV (16) ‖ AES-128-CBC(PKCS7) ciphertext ‖ HMAC-SHA256 (32)
//
// Key = urlsafe-base64 of 32 bytes: the first 16 sign, the last 16 encrypt.
// Keystone never passes a TTL to decrypt, so there are no time checks here either.
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

const VERSION = 0x80;
const HEADER_LEN = 1 + 8 + 16; // version, timestamp, IV
const HMAC_LEN = 32;
const BLOCK = 16;
/** Smallest well-formed token: header, one cipher block, HMAC. */
const MIN_LEN = HEADER_LEN + BLOCK + HMAC_LEN;

/** A Fernet key with its halves imported once, so per-token work allocates no key material. */
export interface FernetKey {
  readonly signing: KeyObject;
  readonly encryption: KeyObject;
}

/** A new key as `Fernet.generate_key()` writes it: 44 chars of padded urlsafe base64. */
export function generateFernetKey(): string {
  return base64urlPadded(randomBytes(32));
}

/**
 * Parses a key file's text. Whitespace around it is tolerated (Python's non-validating
 * base64 decoder skips it too); anything that is not 32 bytes of base64url is refused.
 */
export function parseFernetKey(text: string): FernetKey {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9_-]{43}=?$/.test(trimmed)) throw new Error('Fernet key must be 32 url-safe base64-encoded bytes');
  const raw = Buffer.from(trimmed, 'base64url');
  return {
    signing: createSecretKey(raw.subarray(0, 16)),
    encryption: createSecretKey(raw.subarray(16, 32)),
  };
}

/**
 * Encrypts `plaintext` into a padded Fernet token. `timestamp` (seconds) and `iv` are
 * parameters so the spec's known-answer vector can be reproduced; callers normally pass
 * the current time and 16 fresh random bytes.
 */
export function fernetEncrypt(key: FernetKey, plaintext: Uint8Array, timestamp: number, iv: Uint8Array): string {
  if (iv.length !== 16) throw new Error('Fernet IV must be 16 bytes');
  const cipher = createCipheriv('aes-128-cbc', key.encryption, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const body = Buffer.allocUnsafe(HEADER_LEN + ciphertext.length + HMAC_LEN);
  body[0] = VERSION;
  body.writeBigUInt64BE(BigInt(Math.floor(timestamp)), 1);
  body.set(iv, 9);
  body.set(ciphertext, HEADER_LEN);
  const signed = body.subarray(0, body.length - HMAC_LEN);
  createHmac('sha256', key.signing).update(signed).digest().copy(body, signed.length);
  return base64urlPadded(body);
}

/**
 * Decrypts a token (padded or not) with the first key whose HMAC matches, as MultiFernet
 * does; also hands back the creation timestamp (seconds). Returns undefined for anything invalid: callers decide which error that is.
 */
export function fernetDecrypt(keys: readonly FernetKey[], token: string): { plaintext: Buffer; timestamp: number } | undefined {
  const data = decodeTokenBytes(token);
  if (!data) return undefined;
  const signedLen = data.length - HMAC_LEN;
  const signed = data.subarray(0, signedLen);
  const mac = data.subarray(signedLen);
  for (const key of keys) {
    const expected = createHmac('sha256', key.signing).update(signed).digest();
    if (!timingSafeEqual(expected, mac)) continue;
    try {
      const decipher = createDecipheriv('aes-128-cbc', key.encryption, data.subarray(9, HEADER_LEN));
      const plaintext = Buffer.concat([decipher.update(data.subarray(HEADER_LEN, signedLen)), decipher.final()]);
      return { plaintext, timestamp: Number(data.readBigUInt64BE(1)) };
    } catch {
      return undefined; // bad PKCS7 padding under an authentic HMAC: no other key can do better
    }
  }
  return undefined;
}

/** The creation time a token carries in clear (Keystone's `creation_time`), in seconds. */
export function fernetTimestamp(token: string): number | undefined {
  const data = decodeTokenBytes(token);
  return data ? Number(data.readBigUInt64BE(1)) : undefined;
}

/** Longest token we look at; Keystone's largest (federated, many groups) stay far below. */
const MAX_TOKEN_CHARS = 8192;
const TOKEN_CHARS = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Base64url bytes of a structurally valid token, or undefined. Strict about the alphabet so
 * that one token has one spelling (Node's decoder, like Python's, would skip stray characters).
 */
function decodeTokenBytes(token: string): Buffer | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS || !TOKEN_CHARS.test(token)) return undefined;
  // Keystone strips '=' and restore_padding() puts it back; a length of 1 mod 4 cannot be base64.
  const unpadded = token.length - (token.endsWith('==') ? 2 : token.endsWith('=') ? 1 : 0);
  if (unpadded % 4 === 1) return undefined;
  const data = Buffer.from(token, 'base64url');
  if (data.length < MIN_LEN || (data.length - HEADER_LEN - HMAC_LEN) % BLOCK !== 0 || data[0] !== VERSION) return undefined;
  return data;
}

function base64urlPadded(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  return s + '='.repeat((4 - (s.length % 4)) % 4);
}
