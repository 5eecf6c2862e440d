// Keystone's Fernet payloads (keystone/token/token_formatters.py): a msgpack list
// `[version, ...fields]`, one layout per payload class. Implemented: Unscoped (0),
// DomainScoped (1), ProjectScoped (2), TrustScoped (3), SystemScoped (8),
// ApplicationCredentialScoped (9). Not implemented: the federated payloads (4, 5, 6),
// OAuth1 (7) and OAuth2 mTLS (10); such tokens fail to decode.
import { Decoder, Encoder } from '@msgpack/msgpack';
import {
  auditIdToBytes, bitmaskToMethods, bytesToAuditId, methodsToBitmask, packId, secondsToDate, text,
  unpackId, uuidBytesToHex, uuidHexToBytes,
} from './payload-fields.ts';

/** What a token says. Ids are opaque strings; `methods` come back highest bit first, as Keystone's. */
export interface TokenPayload {
  userId: string;
  methods: string[];
  projectId?: string;
  domainId?: string;
  system?: 'all';
  trustId?: string;
  appCredId?: string;
  /** Whole seconds: Keystone truncates sub-second expiry, and so does issue(). */
  expiresAt: Date;
  /** The token's audit id, then its parent's (rescoped tokens) when there is one. */
  auditIds: string[];
}

/** Keystone's payload class versions (the first list element). */
export const PAYLOAD_VERSIONS = {
  unscoped: 0, domainScoped: 1, projectScoped: 2, trustScoped: 3, systemScoped: 8, appCredScoped: 9,
} as const;

/** The class Keystone's fernet provider picks (`_determine_payload_class_from_token`), same order. */
function versionFor(p: TokenPayload): number {
  const scopes = [p.projectId, p.domainId, p.system].filter((s) => s !== undefined).length;
  if (scopes > 1) throw new Error('a token has at most one of project, domain and system scope');
  if ((p.trustId !== undefined || p.appCredId !== undefined) && (p.domainId !== undefined || p.system !== undefined)) {
    throw new Error('trust and application credential tokens can only be project scoped');
  }
  if (p.trustId !== undefined && p.appCredId !== undefined) throw new Error('a token cannot carry both a trust and an application credential');
  if (p.trustId !== undefined) return PAYLOAD_VERSIONS.trustScoped;
  if (p.appCredId !== undefined) return PAYLOAD_VERSIONS.appCredScoped;
  if (p.projectId !== undefined) return PAYLOAD_VERSIONS.projectScoped;
  if (p.domainId !== undefined) return PAYLOAD_VERSIONS.domainScoped;
  if (p.system !== undefined) return PAYLOAD_VERSIONS.systemScoped;
  return PAYLOAD_VERSIONS.unscoped;
}

/** Encoders and decoder built once per formatter (msgpack's are reusable, not re-entrant: fine in sync code). */
export interface PayloadCodec {
  pack(p: TokenPayload): Uint8Array;
  unpack(bytes: Uint8Array): TokenPayload;
}

export function createPayloadCodec(authMethods: readonly string[]): PayloadCodec {
  const encoder = new Encoder();
  // Python packs expires_at as a float64 even when it is integral (it always is: whole seconds);
  // JS numbers do not know, so that one field goes through an encoder told to use floats.
  const floatEncoder = new Encoder({ forceIntegerToFloat: true });
  const decoder = new Decoder();

  function pack(p: TokenPayload): Uint8Array {
    if (typeof p.userId !== 'string' || p.userId === '') throw new Error('userId is required');
    if (p.system !== undefined && p.system !== 'all') throw new Error("system scope must be 'all'");
    if (p.auditIds.length < 1 || p.auditIds.length > 2) throw new Error('a token has one or two audit ids');
    const ms = p.expiresAt.getTime();
    if (!Number.isFinite(ms)) throw new Error('expiresAt is not a valid date');
    const version = versionFor(p);
    const user = packId(p.userId);
    const methods = methodsToBitmask(p.methods, authMethods);
    const expires = Math.floor(ms / 1000);
    const audit = p.auditIds.map(auditIdToBytes);
    // Field order per class, exactly as each `assemble()` returns them.
    let fields: unknown[];
    switch (version) {
      case PAYLOAD_VERSIONS.unscoped: fields = [user, methods, expires, audit]; break;
      case PAYLOAD_VERSIONS.domainScoped:
        // Raw, not a pair: a UUID as bytes, else (Keystone: only the default domain) a string.
        fields = [user, methods, uuidHexToBytes(p.domainId!) ?? p.domainId, expires, audit]; break;
      case PAYLOAD_VERSIONS.projectScoped: fields = [user, methods, packId(p.projectId), expires, audit]; break;
      case PAYLOAD_VERSIONS.trustScoped: {
        const trust = uuidHexToBytes(p.trustId!);
        if (!trust) throw new Error('trustId must be a UUID in hex form'); // Keystone's convert_uuid_hex_to_bytes
        fields = [user, methods, packId(p.projectId), expires, audit, trust]; break;
      }
      case PAYLOAD_VERSIONS.systemScoped: fields = [user, methods, p.system, expires, audit]; break;
      default: fields = [user, methods, packId(p.projectId), expires, audit, packId(p.appCredId)];
    }
    // A msgpack array is a header then its elements back to back, so elements can be encoded
    // one by one; the list is always short enough for a fixarray header (0x90 | n).
    const parts: Uint8Array[] = [Uint8Array.of(0x90 | (fields.length + 1)), encoder.encode(version)];
    const expiresIndex = version === PAYLOAD_VERSIONS.unscoped ? 2 : 3;
    fields.forEach((f, i) => parts.push(i === expiresIndex ? floatEncoder.encode(f) : encoder.encode(f)));
    return Buffer.concat(parts);
  }

  function unpack(bytes: Uint8Array): TokenPayload {
    const list = decoder.decode(bytes);
    if (!Array.isArray(list) || list.length === 0) throw new TypeError('payload is not a list');
    const [version, ...f] = list as unknown[];
    const head = (): Pick<TokenPayload, 'userId' | 'methods'> => {
      const userId = unpackId(f[0]);
      if (userId === undefined) throw new TypeError('token has no user');
      return { userId, methods: bitmaskToMethods(f[1], authMethods) };
    };
    const tail = (i: number): Pick<TokenPayload, 'expiresAt' | 'auditIds'> => {
      const audit = f[i + 1];
      if (!Array.isArray(audit)) throw new TypeError('audit ids are not a list');
      return { expiresAt: secondsToDate(f[i]), auditIds: audit.map(bytesToAuditId) };
    };
    const expectLength = (n: number) => { if (f.length !== n) throw new TypeError(`payload ${String(version)} has ${f.length} fields`); };
    switch (version) {
      case PAYLOAD_VERSIONS.unscoped: expectLength(4); return { ...head(), ...tail(2) };
      case PAYLOAD_VERSIONS.domainScoped: {
        expectLength(5);
        const raw = f[2];
        const domainId = raw instanceof Uint8Array && raw.length === 16 ? uuidBytesToHex(raw) : text(raw);
        return { ...head(), domainId, ...tail(3) };
      }
      case PAYLOAD_VERSIONS.projectScoped: expectLength(5); return withOptional({ ...head(), ...tail(3) }, 'projectId', unpackId(f[2]));
      case PAYLOAD_VERSIONS.trustScoped: {
        expectLength(6);
        const p = withOptional({ ...head(), ...tail(3) }, 'projectId', unpackId(f[2]));
        return { ...p, trustId: uuidBytesToHex(f[5]) };
      }
      case PAYLOAD_VERSIONS.systemScoped: {
        expectLength(5);
        if (text(f[2]) !== 'all') throw new TypeError('unknown system scope');
        return { ...head(), system: 'all', ...tail(3) };
      }
      case PAYLOAD_VERSIONS.appCredScoped: {
        expectLength(6);
        const p = withOptional({ ...head(), ...tail(3) }, 'projectId', unpackId(f[2]));
        return withOptional(p, 'appCredId', unpackId(f[5]));
      }
      default: throw new TypeError(`not a supported Fernet payload version: ${String(version)}`);
    }
  }

  return { pack, unpack };
}

/** Sets a key only when there is a value, so decoded payloads have no `key: undefined` noise. */
function withOptional<K extends 'projectId' | 'appCredId'>(p: TokenPayload, key: K, value: string | undefined): TokenPayload {
  if (value !== undefined) p[key] = value;
  return p;
}
