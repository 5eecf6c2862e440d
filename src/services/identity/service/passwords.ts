// Password hashing. New hashes are scrypt in passlib's self-describing format
// (`$scrypt$ln=16,r=8,p=1$<salt>$<hash>`, the format Keystone writes when configured for
// scrypt), so a database moved between Keystone and Stratus keeps working both ways. Verifying
// also accepts what Keystone stores by default: bcrypt (`$2a$`, `$2b$`, `$2y$`) and passlib's
// `$pbkdf2-sha512$`. Every comparison of digests is constant-time.
import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { Config } from '../../../lib/config.ts';

export interface HashOptions {
  /**
   * log2 of scrypt's N (CPU/memory cost). 16 (passlib's default: ~64 MiB, ~0.2 s) unless set;
   * tests and benchmarks use 'cheap' (4) through `identity.password_hash_cost`.
   */
  cost?: number | 'cheap' | 'default';
}

export const DEFAULT_HASH_COST = 16;
/** What tests and benchmarks use: ~1 ms a hash instead of ~0.2 s. */
export const CHEAP_HASH_COST = 4;
/** The configuration key of the cost: `default`, `cheap`, or log2 of scrypt's N (1..20). */
export const HASH_COST_KEY = 'identity.password_hash_cost';

/** log2 N from a configured cost ('default', 'cheap' or a number); a bad value throws. */
export function parseHashCost(value: unknown): number {
  if (value === undefined || value === null || value === 'default') return DEFAULT_HASH_COST;
  if (value === 'cheap') return CHEAP_HASH_COST;
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value).trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new RangeError(`${HASH_COST_KEY} must be 'default', 'cheap' or an integer in 1..20, got '${String(value)}'`);
  return n;
}

/** The cost from options or from the configuration (the key may be undeclared: default). */
export function hashCost(opts: HashOptions | Config = {}): number {
  return parseHashCost(opts instanceof Config ? opts.values[HASH_COST_KEY] : opts.cost);
}

const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// passlib writes standard base64 without padding for scrypt, and "ab64" ('.' for '+') for pbkdf2.
const b64 = (buf: Buffer) => buf.toString('base64').replace(/=+$/, '');
const fromB64 = (s: string) => Buffer.from(s.replace(/\./g, '+'), 'base64');

function scryptAsync(password: Buffer, salt: Buffer, keyLen: number, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  // node's default maxmem (32 MiB) is below what N=2^16, r=8 needs (128·N·r bytes).
  const maxmem = 128 * N * r * p + 128 * r * p + (1 << 20);
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLen, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a password (or an application credential secret) for storage. */
export async function hashPassword(password: string, opts: HashOptions | Config = {}): Promise<string> {
  const ln = hashCost(opts);
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(Buffer.from(password, 'utf8'), salt, KEY_BYTES, ln, BLOCK_SIZE, PARALLELISM);
  return `$scrypt$ln=${ln},r=${BLOCK_SIZE},p=${PARALLELISM}$${b64(salt)}$${b64(key)}`;
}

/** True when `password` matches the stored hash; false for a missing or unknown hash. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  if (typeof password !== 'string' || !stored) return false;
  try {
    // bcryptjs reads $2a$/$2b$/$2y$ and compares in constant time.
    if (/^\$2[aby]\$\d\d\$/.test(stored)) return await bcrypt.compare(password, stored);
    if (stored.startsWith('$scrypt$')) return await verifyScrypt(password, stored);
    if (stored.startsWith('$pbkdf2-sha512$')) return await verifyPbkdf2(password, stored);
  } catch {
    return false; // a malformed hash never matches
  }
  return false;
}

async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [, , params, saltText, hashText, ...rest] = stored.split('$');
  if (rest.length || !params || !saltText || !hashText) return false;
  const p = Object.fromEntries(params.split(',').map((kv) => kv.split('=') as [string, string]));
  const ln = Number(p.ln), r = Number(p.r), par = Number(p.p);
  if (![ln, r, par].every((n) => Number.isInteger(n) && n > 0) || ln > 24) return false;
  const expected = fromB64(hashText);
  if (!expected.length) return false;
  const key = await scryptAsync(Buffer.from(password, 'utf8'), fromB64(saltText), expected.length, ln, r, par);
  return timingSafeEqual(key, expected);
}

async function verifyPbkdf2(password: string, stored: string): Promise<boolean> {
  const [, , roundsText, saltText, hashText, ...rest] = stored.split('$');
  const rounds = Number(roundsText);
  if (rest.length || !saltText || !hashText || !Number.isInteger(rounds) || rounds < 1) return false;
  const expected = fromB64(hashText);
  const key = await new Promise<Buffer>((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), fromB64(saltText), rounds, expected.length, 'sha512', (err, k) => (err ? reject(err) : resolve(k)));
  });
  return expected.length > 0 && timingSafeEqual(key, expected);
}

/** Constant-time equality of two strings (e.g. secrets compared without a hash). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8'), y = Buffer.from(b, 'utf8');
  // Compare against itself when the lengths differ so the time does not depend on where they differ.
  return x.length === y.length ? timingSafeEqual(x, y) : (timingSafeEqual(x, x), false);
}
