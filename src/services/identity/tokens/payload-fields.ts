// Field encodings shared by Keystone's Fernet payload classes
// (keystone/token/token_formatters.py BasePayload, keystone/auth/plugins/core.py).

/** Keystone's `[auth] methods` default (keystone/conf/constants.py); bit i = 2**i. */
export const DEFAULT_AUTH_METHODS: readonly string[] = [
  'external', 'password', 'token', 'oauth1', 'mapped', 'application_credential',
];

const CANONICAL_UUID_HEX = /^[0-9a-f]{32}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * 16 raw bytes for an id in uuid4().hex form, else undefined.
 * Keystone's uuid.UUID() also accepts hyphens, braces and upper case, and hands back
 * lower-case hex on decode, so such ids would not round-trip; packing only the canonical
 * form as bytes (everything else as a string) keeps our round trip exact, and Keystone
 * decodes both forms.
 */
export function uuidHexToBytes(id: string): Buffer | undefined {
  return CANONICAL_UUID_HEX.test(id) ? Buffer.from(id, 'hex') : undefined;
}

/** `attempt_convert_uuid_hex_to_bytes`: the (is_stored_as_bytes, value) pair. */
export function packId(id: string | undefined): [boolean, Uint8Array | string | null] {
  if (id === undefined) return [false, null];
  const bytes = uuidHexToBytes(id);
  return bytes ? [true, bytes] : [false, id];
}

/** `_convert_or_decode` over a packed pair; undefined for a packed None. */
export function unpackId(field: unknown): string | undefined {
  if (!Array.isArray(field) || field.length !== 2) throw new TypeError('id is not an (is_bytes, value) pair');
  const [isBytes, value] = field as [unknown, unknown];
  if (isBytes === true) return uuidBytesToHex(value);
  if (value === null) return undefined;
  return text(value);
}

/** `convert_uuid_bytes_to_hex`: exactly 16 bytes, else the payload is not Keystone's. */
export function uuidBytesToHex(value: unknown): string {
  if (!(value instanceof Uint8Array) || value.length !== 16) throw new TypeError('not a 16-byte UUID');
  return Buffer.from(value.buffer, value.byteOffset, 16).toString('hex');
}

/** A msgpack str, or bin that holds UTF-8 (Keystone decodes bytes the same way). */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return UTF8.decode(value);
  throw new TypeError('expected a string');
}

/** `convert_method_list_to_integer`, minus its silent dropping of unknown names. */
export function methodsToBitmask(methods: readonly string[], known: readonly string[]): number {
  let mask = 0;
  for (const m of methods) {
    const i = known.indexOf(m);
    // Keystone drops names it does not know; a token quietly losing a method is worse than a
    // loud failure, and Keystone can never hit this because [auth] methods gates authentication.
    if (i < 0) throw new Error(`auth method '${m}' is not in the configured method list`);
    mask |= 2 ** i; // |= rather than Keystone's sum(): a repeated name must not carry into the next bit
  }
  return mask;
}

/** `convert_integer_to_method_list`: highest bit first, as Keystone returns them. */
export function bitmaskToMethods(mask: unknown, known: readonly string[]): string[] {
  if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 0) throw new TypeError('methods is not a bitmask');
  const out: string[] = [];
  for (let i = known.length - 1; i >= 0; i--) if (Math.floor(mask / 2 ** i) % 2 === 1) out.push(known[i]);
  return out;
}

/** `random_urlsafe_str_to_bytes`: an audit id is unpadded base64url of its bytes. */
export function auditIdToBytes(auditId: string): Buffer {
  const bytes = Buffer.from(auditId, 'base64url');
  // Refuse what would not come back identical (stray characters, non-zero trailing bits).
  if (bytes.toString('base64url') !== auditId) throw new Error(`audit id '${auditId}' is not unpadded url-safe base64`);
  return bytes;
}

/** `base64_encode` of an audit id's bytes. */
export function bytesToAuditId(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new TypeError('audit id is not bytes');
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64url');
}

/** Float seconds since the epoch → whole-second Date, as Keystone's isotime() truncates. */
export function secondsToDate(value: unknown): Date {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError('expires_at is not a number');
  return new Date(Math.floor(value) * 1000);
}
