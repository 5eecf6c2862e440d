// Password hashing: our scrypt format, and the hashes Keystone databases hold (made by passlib
// and python-bcrypt, not by the code under test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Config } from '../../../lib/config.ts';
import { constantTimeEqual, hashPassword, parseHashCost, verifyPassword } from './passwords.ts';

const PASSWORD = 's3cret-pässword';
// Generated with Debian's python3-passlib 1.7.4 and python3-bcrypt 3.2.2 for PASSWORD.
const FIXTURES: Record<string, string> = {
  'bcrypt $2b$ (passlib, Keystone default)': '$2b$04$c6XDCVZRozaN5Ll7ARaAIex0/upUXo3VrVXlT4EuhJrTvMIXbEBFG',
  'bcrypt $2a$ (python-bcrypt)': '$2a$04$a/CsbMe7uxoTQ6LzyQ36uuPjUsTZZDGKN/CexBQn21z1cM6CvAz3G',
  'bcrypt $2y$ (same algorithm, PHP prefix)': '$2y$04$c6XDCVZRozaN5Ll7ARaAIex0/upUXo3VrVXlT4EuhJrTvMIXbEBFG',
  'scrypt (passlib)': '$scrypt$ln=4,r=8,p=1$FKK0thbC+L93jpGyFkJIiQ$7Wcv3F+i98T+Ul9v6qhmb8h8qZGNh0vqair9U34sn98',
  'pbkdf2_sha512 (passlib)': '$pbkdf2-sha512$1000$fw/hfK9Vytm79763NiYEIA$NVO7Hu/X0fWCKEdGyfEhn3Q3RJeGYk/w9juGmK3EvclqWbc7nNFrsP6XBBOLOuTGTRV7.mW6GXjUUIBpYdPz6Q',
};

for (const [what, hash] of Object.entries(FIXTURES)) {
  test(`verifies a Keystone ${what} hash`, async () => {
    assert.equal(await verifyPassword(PASSWORD, hash), true);
    assert.equal(await verifyPassword(PASSWORD + 'x', hash), false);
    assert.equal(await verifyPassword('', hash), false);
  });
}

test('new hashes are self-describing scrypt, salted, and verify', async () => {
  const a = await hashPassword(PASSWORD, { cost: 'cheap' });
  const b = await hashPassword(PASSWORD, { cost: 'cheap' });
  assert.match(a, /^\$scrypt\$ln=4,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.equal(await verifyPassword(PASSWORD, a), true);
  assert.equal(await verifyPassword('s3cret-passwörd', a), false);
});

test('the cost comes from options or from identity.password_hash_cost', async () => {
  assert.match(await hashPassword('pw', new Config({ 'identity.password_hash_cost': 'cheap' })), /^\$scrypt\$ln=4,/);
  assert.match(await hashPassword('pw', new Config({ 'identity.password_hash_cost': '6' })), /^\$scrypt\$ln=6,/);
  assert.match(await hashPassword('pw', { cost: 5 }), /^\$scrypt\$ln=5,/);
  assert.equal(parseHashCost(undefined), 16);
  assert.equal(parseHashCost('default'), 16);
  assert.throws(() => parseHashCost('fast'), RangeError);
  assert.throws(() => parseHashCost(40), RangeError);
});

test('unknown, missing or damaged hashes never match', async () => {
  for (const bad of [
    null, undefined, '', 'plaintext', PASSWORD,
    '$6$rounds=1000$GwNqvVCL1hrLSLT8$CrzUxCMSWjRPUV4HGmI0eiuoB1Tnvy9qOYDBhxs.LJMKSICgfB6KcrsJqmrBAW86t/Q0ftLsirn1Ee6WMKXaN.',
    '$scrypt$ln=4,r=8,p=1$FKK0thbC+L93jpGyFkJIiQ$',
    '$scrypt$ln=99,r=8,p=1$FKK0thbC+L93jpGyFkJIiQ$7Wcv3F+i98T+Ul9v6qhmb8h8qZGNh0vqair9U34sn98',
    '$2b$04$tooshort',
  ]) {
    assert.equal(await verifyPassword(PASSWORD, bad), false, String(bad));
  }
});

test('constantTimeEqual compares whole strings', () => {
  assert.equal(constantTimeEqual('abc', 'abc'), true);
  assert.equal(constantTimeEqual('abc', 'abd'), false);
  assert.equal(constantTimeEqual('abc', 'abcd'), false);
});
