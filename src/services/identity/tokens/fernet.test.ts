// The Fernet layer against the spec's own vectors (github.com/fernet/spec: generate.json,
// verify.json, invalid.json), copied verbatim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fernetDecrypt, fernetEncrypt, fernetTimestamp, generateFernetKey, parseFernetKey } from './fernet.ts';

const SECRET = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SPEC_TOKEN = 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
const IV_0_TO_15 = Uint8Array.from({ length: 16 }, (_, i) => i);
const NOW = Date.parse('1985-10-26T01:20:00-07:00') / 1000;

test('generate.json: fixed key, IV and time give the exact spec token', () => {
  const token = fernetEncrypt(parseFernetKey(SECRET), Buffer.from('hello'), NOW, IV_0_TO_15);
  assert.equal(token, SPEC_TOKEN);
});

test('verify.json: the spec token decrypts to "hello" and carries its timestamp', () => {
  const opened = fernetDecrypt([parseFernetKey(SECRET)], SPEC_TOKEN);
  assert.equal(opened?.plaintext.toString(), 'hello');
  assert.equal(opened?.timestamp, NOW);
  assert.equal(fernetTimestamp(SPEC_TOKEN), NOW);
});

test('the spec token decrypts without its padding (Keystone strips it)', () => {
  assert.equal(fernetDecrypt([parseFernetKey(SECRET)], SPEC_TOKEN.replace(/=+$/, ''))?.plaintext.toString(), 'hello');
});

const INVALID: Record<string, string> = {
  'incorrect mac': 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==',
  'too short': 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==',
  'invalid base64': '%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==',
  'payload size not multiple of block size': 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm',
  'payload padding error': 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==',
  'incorrect IV (causes padding error)': 'gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==',
};

for (const [desc, token] of Object.entries(INVALID)) {
  test(`invalid.json: ${desc} is refused`, () => {
    assert.equal(fernetDecrypt([parseFernetKey(SECRET)], token), undefined);
  });
}

test('invalid.json TTL cases are accepted: Keystone decrypts without a TTL', () => {
  // "far-future TS" and "expired TTL" are only invalid under a TTL/clock-skew check;
  // both carry an empty message (Python's cryptography.fernet decrypts them to b'' without a TTL).
  const farFuture = 'gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==';
  const expired = 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==';
  assert.equal(fernetDecrypt([parseFernetKey(SECRET)], farFuture)?.plaintext.length, 0);
  assert.equal(fernetDecrypt([parseFernetKey(SECRET)], expired)?.plaintext.length, 0);
});

test('MultiFernet: the first key whose HMAC matches decrypts; unknown keys fail', () => {
  const a = parseFernetKey(generateFernetKey());
  const b = parseFernetKey(generateFernetKey());
  const token = fernetEncrypt(b, Buffer.from('x'), 1, IV_0_TO_15);
  assert.equal(fernetDecrypt([a, b], token)?.plaintext.toString(), 'x');
  assert.equal(fernetDecrypt([a], token), undefined);
  assert.equal(fernetDecrypt([], token), undefined);
});

test('a token with a flipped ciphertext or version byte is refused', () => {
  const key = parseFernetKey(SECRET);
  const bytes = Buffer.from(SPEC_TOKEN, 'base64url');
  const flip = (i: number) => { const c = Buffer.from(bytes); c[i] = c[i] ^ 1; return c.toString('base64url'); };
  assert.equal(fernetDecrypt([key], flip(30)), undefined); // ciphertext
  assert.equal(fernetDecrypt([key], flip(0)), undefined); // version
  assert.equal(fernetDecrypt([key], flip(bytes.length - 1)), undefined); // HMAC
});

test('tokens in another alphabet or of impossible length are refused before any crypto', () => {
  const key = parseFernetKey(SECRET);
  assert.equal(fernetDecrypt([key], SPEC_TOKEN.replace(/_/g, '/')), undefined);
  assert.equal(fernetDecrypt([key], SPEC_TOKEN.replace(/=+$/, '') + 'A'), undefined);
  assert.equal(fernetDecrypt([key], ''), undefined);
  assert.equal(fernetTimestamp('not a token'), undefined);
});

test('keys: generated ones are 44 chars of padded base64url; bad ones are refused', () => {
  const key = generateFernetKey();
  assert.match(key, /^[A-Za-z0-9_-]{43}=$/);
  assert.doesNotThrow(() => parseFernetKey(`${key}\n`));
  assert.throws(() => parseFernetKey('c2hvcnQ='));
  assert.throws(() => parseFernetKey(''));
  assert.throws(() => parseFernetKey(SECRET.replace('-', '+')));
});
