import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudError, NotFound } from '../../../lib/errors.ts';
import { generateFernetKey } from './fernet.ts';
import { createInMemoryKeyRepo } from './key-repository.ts';
import type { FernetKeyRepository } from './key-repository.ts';
import type { TokenPayload } from './payloads.ts';
import { auditId, createTokenFormatter } from './token-formatter.ts';

const U = '0123456789abcdef0123456789abcdef';
const P = 'fedcba9876543210fedcba9876543210';
const T = '11112222333344445555666677778888';
const EXPIRES = new Date('2031-05-06T07:08:09Z');

function setUpFormatter() {
  const repo = createInMemoryKeyRepo();
  repo.setup();
  return { repo, formatter: createTokenFormatter(repo, { nowSeconds: () => 1_900_000_000.7 }) };
}

const isInvalidToken = (e: unknown) => e instanceof NotFound && e.message === 'Failed to validate token';

const ROUND_TRIPS: Record<string, TokenPayload> = {
  unscoped: { userId: U, methods: ['password'], expiresAt: EXPIRES, auditIds: [auditId()] },
  'domain (UUID)': { userId: U, methods: ['password'], domainId: P, expiresAt: EXPIRES, auditIds: [auditId()] },
  'domain (default)': { userId: U, methods: ['password'], domainId: 'default', expiresAt: EXPIRES, auditIds: [auditId()] },
  project: { userId: U, methods: ['password'], projectId: P, expiresAt: EXPIRES, auditIds: [auditId(), auditId()] },
  'project, non-UUID ids': { userId: 'admin', methods: ['token'], projectId: 'Service-Project', expiresAt: EXPIRES, auditIds: [auditId()] },
  trust: { userId: U, methods: ['token'], projectId: P, trustId: T, expiresAt: EXPIRES, auditIds: [auditId()] },
  'trust without project': { userId: U, methods: ['password'], trustId: T, expiresAt: EXPIRES, auditIds: [auditId()] },
  system: { userId: U, methods: ['password'], system: 'all', expiresAt: EXPIRES, auditIds: [auditId()] },
  'application credential': { userId: U, methods: ['application_credential'], projectId: P, appCredId: T, expiresAt: EXPIRES, auditIds: [auditId()] },
  'upper-case UUID kept as a string': { userId: U.toUpperCase(), methods: ['password'], expiresAt: EXPIRES, auditIds: [auditId()] },
};

for (const [name, payload] of Object.entries(ROUND_TRIPS)) {
  test(`round trip: ${name}`, () => {
    const { formatter } = setUpFormatter();
    const token = formatter.issue(payload);
    assert.match(token, /^gAAAAA[A-Za-z0-9_-]+$/); // version 0x80, no '=' padding
    assert.deepEqual(formatter.decode(token), { ...payload, issuedAt: new Date(1_900_000_000_000) });
  });
}

test('methods come back highest bit first, as Keystone returns them', () => {
  const { formatter } = setUpFormatter();
  const token = formatter.issue({ ...ROUND_TRIPS.unscoped!, methods: ['password', 'token', 'external'] });
  assert.deepEqual(formatter.decode(token).methods, ['token', 'password', 'external']);
});

test('a custom [auth] methods list defines the bits', () => {
  const repo = createInMemoryKeyRepo();
  repo.setup();
  const withTotp = createTokenFormatter(repo, { authMethods: ['password', 'token', 'totp'] });
  const token = withTotp.issue({ ...ROUND_TRIPS.unscoped!, methods: ['totp', 'password'] });
  assert.deepEqual(withTotp.decode(token).methods, ['totp', 'password']);
  // Bits 2 and 0 mean 'token' and 'external' in the default list: both sides must share the configuration.
  assert.deepEqual(createTokenFormatter(repo).decode(token).methods, ['token', 'external']);
});

test('sub-second expiry is truncated to whole seconds, as Keystone does', () => {
  const { formatter } = setUpFormatter();
  const token = formatter.issue({ ...ROUND_TRIPS.unscoped!, expiresAt: new Date('2031-05-06T07:08:09.999Z') });
  assert.deepEqual(formatter.decode(token).expiresAt, EXPIRES);
});

test('decode does not check expiry', () => {
  const { formatter } = setUpFormatter();
  const past = new Date('2001-01-01T00:00:00Z');
  assert.deepEqual(formatter.decode(formatter.issue({ ...ROUND_TRIPS.unscoped!, expiresAt: past })).expiresAt, past);
});

test('tampered tokens and garbage are NotFound("Failed to validate token")', () => {
  const { formatter } = setUpFormatter();
  const token = formatter.issue(ROUND_TRIPS.project!);
  const bytes = Buffer.from(token, 'base64url');
  for (const i of [0, 5, 30, bytes.length - 1]) {
    const tampered = Buffer.from(bytes);
    tampered[i] = tampered[i] ^ 0x40;
    assert.throws(() => formatter.decode(tampered.toString('base64url')), isInvalidToken, `byte ${i}`);
  }
  // A character outside base64url (a token need not contain '-', so make sure one is swapped).
  const wrongAlphabet = token.includes('-') ? token.replace(/-/g, '+') : `+${token.slice(1)}`;
  for (const garbage of ['', 'abc', `${token}x`, token.slice(0, -4), wrongAlphabet, 'x'.repeat(10_000)]) {
    assert.throws(() => formatter.decode(garbage), isInvalidToken);
  }
});

test('a token from another key repository is NotFound', () => {
  const { formatter } = setUpFormatter();
  const other = setUpFormatter().formatter;
  assert.throws(() => formatter.decode(other.issue(ROUND_TRIPS.unscoped!)), isInvalidToken);
});

test('rotation: secondary keys still decode, rotated-out keys do not', () => {
  const { repo, formatter } = setUpFormatter();
  const beforeRotation = formatter.issue(ROUND_TRIPS.project!);
  repo.rotate(3); // {0,1} → {0,1,2}: key 1 is now a secondary
  assert.equal(formatter.decode(beforeRotation).projectId, P);
  const afterOne = formatter.issue(ROUND_TRIPS.project!);
  repo.rotate(3); // {0,2,3}: key 1 is gone
  assert.throws(() => formatter.decode(beforeRotation), isInvalidToken);
  assert.equal(formatter.decode(afterOne).projectId, P);
});

test('a token made with the staged key decodes before that key becomes primary', () => {
  const repo = createInMemoryKeyRepo({ 0: generateFernetKey(), 1: generateFernetKey() });
  const staged = repo.snapshot().get(0)!;
  const otherNode = createTokenFormatter(createInMemoryKeyRepo({ 1: staged }));
  assert.equal(createTokenFormatter(repo).decode(otherNode.issue(ROUND_TRIPS.unscoped!)).userId, U);
});

test('keys are re-read when the revision moves, not per token', () => {
  const inner = createInMemoryKeyRepo();
  inner.setup();
  let loads = 0;
  const counting: FernetKeyRepository = { ...inner, load: () => { loads++; return inner.load(); } };
  const formatter = createTokenFormatter(counting);
  const token = formatter.issue(ROUND_TRIPS.unscoped!);
  for (let i = 0; i < 5; i++) formatter.decode(token);
  assert.equal(loads, 1);
  inner.rotate();
  formatter.decode(token);
  assert.equal(loads, 2);
});

test('no keys is a server fault, not a client one', () => {
  const formatter = createTokenFormatter(createInMemoryKeyRepo());
  assert.throws(() => formatter.issue(ROUND_TRIPS.unscoped!), (e) => e instanceof CloudError && e.status === 500);
  assert.throws(() => formatter.decode('gAAAAA'), (e) => e instanceof CloudError && e.status === 500);
});

test('a corrupt key in the repository is reported as a server fault', () => {
  const formatter = createTokenFormatter(createInMemoryKeyRepo({ 0: 'not-a-key' }));
  assert.throws(() => formatter.issue(ROUND_TRIPS.unscoped!), (e) => e instanceof CloudError && e.status === 500);
});

test('issue refuses payloads Keystone could not represent', () => {
  const { formatter } = setUpFormatter();
  const base = ROUND_TRIPS.unscoped!;
  const bad: Partial<TokenPayload>[] = [
    { methods: ['kerberos'] },
    { projectId: P, domainId: P },
    { system: 'all', projectId: P },
    { trustId: 'not-a-uuid' },
    { trustId: T, appCredId: T },
    { trustId: T, domainId: P },
    { auditIds: [] },
    { auditIds: ['a', 'b', 'c'] },
    { auditIds: ['not base64!'] },
    { userId: '' },
    { expiresAt: new Date(NaN) },
    { system: 'project' as 'all' },
  ];
  for (const change of bad) assert.throws(() => formatter.issue({ ...base, ...change }), Error, JSON.stringify(change));
});

test('auditId is 22 chars of unpadded base64url over 16 random bytes (random_urlsafe_str)', () => {
  const ids = new Set(Array.from({ length: 50 }, auditId));
  assert.equal(ids.size, 50);
  for (const id of ids) {
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
  }
});

test('issuedAt() reads the creation time without keys; undefined for garbage', () => {
  const { formatter } = setUpFormatter();
  assert.deepEqual(formatter.issuedAt(formatter.issue(ROUND_TRIPS.unscoped!)), new Date(1_900_000_000_000));
  assert.equal(formatter.issuedAt('garbage'), undefined);
});
