// Key pairs as Nova makes and checks them (nova/crypto.py): RSA ssh keys with an MD5
// fingerprint, x509 certificates with a SHA-1 fingerprint; a self-signed certificate is built
// here (DER by hand, signed with node:crypto) since no dependency is needed for so little.
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { BadRequest } from '../../../lib/errors.ts';

const colonHex = (buf: Buffer) => [...buf].map((b) => b.toString(16).padStart(2, '0')).join(':');

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}
/** An unsigned big-endian integer as an ssh mpint (leading zero when the top bit is set). */
const mpint = (b: Buffer) => sshString(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);

const SSH_TYPES = ['ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com'];

/** Nova's generate_fingerprint: MD5 of the key blob; a malformed key is a 400. */
export function sshFingerprint(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/);
  const fail = () => new BadRequest('Keypair data is invalid: failed to generate fingerprint');
  if (parts.length < 2 || !SSH_TYPES.includes(parts[0]!)) throw fail();
  const blob = Buffer.from(parts[1]!, 'base64');
  if (blob.length < 4 || blob.toString('base64').replace(/=+$/, '') !== parts[1]!.replace(/=+$/, '')) throw fail();
  const typeLen = blob.readUInt32BE(0);
  if (blob.subarray(4, 4 + typeLen).toString() !== parts[0]) throw fail();
  return colonHex(createHash('md5').update(blob).digest());
}

export function x509Fingerprint(pem: string): string {
  try {
    return colonHex(createHash('sha1').update(new X509Certificate(pem).raw).digest());
  } catch {
    throw new BadRequest('Keypair data is invalid: failed to generate fingerprint');
  }
}

export function generateSshKey(): { publicKey: string; privateKey: string; fingerprint: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e!, 'base64url')), mpint(Buffer.from(jwk.n!, 'base64url'))]);
  const pub = `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`;
  return { publicKey: pub, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), fingerprint: sshFingerprint(pub) };
}

// --- minimal DER for one self-signed certificate
const der = (tag: number, body: Buffer): Buffer => {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const oid = (dotted: string) => {
  const p = dotted.split('.').map(Number);
  const bytes = [p[0]! * 40 + p[1]!];
  for (const v of p.slice(2)) {
    const stack = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) stack.unshift((x & 0x7f) | 0x80);
    bytes.push(...stack);
  }
  return der(0x06, Buffer.from(bytes));
};
const utf8 = (s: string) => der(0x0c, Buffer.from(s));
const time = (d: Date) => der(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
const name = (cn: string) => seq(der(0x31, seq(oid('2.5.4.3'), utf8(cn))));

/** A self-signed x509 certificate and its key, as Nova's generate_x509_cert does for type x509. */
export function generateX509(userId: string, projectId: string): { publicKey: string; privateKey: string; fingerprint: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sigAlg = seq(oid('1.2.840.113549.1.1.11'), der(0x05, Buffer.alloc(0)));
  const now = new Date();
  const subject = name(`${projectId}-${userId}`.slice(0, 64));
  const serial = randomBytes(8);
  serial[0]! &= 0x7f;
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), der(0x02, serial), sigAlg, subject,
    seq(time(now), time(new Date(now.getTime() + 10 * 365 * 86400_000))), subject,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, sigAlg, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const pem = `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return { publicKey: pem, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), fingerprint: x509Fingerprint(pem) };
}

/** Checks an imported key of the given type and returns its fingerprint. */
export function fingerprintOf(type: string, publicKey: string): string {
  return type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
}
