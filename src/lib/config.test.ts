import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, kernelConfig, loadConfig, type ConfigSchema } from './config.ts';

const schema: ConfigSchema = { ...kernelConfig, 'identity.token_expiration': { type: 'integer', default: 3600, min: 1, doc: '' } };
const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const yaml = (text: string) => { const f = join(dir, `stratus-${files++}.yaml`); writeFileSync(f, text); return f; };

test('defaults < file < environment < flags', () => {
  const file = yaml('port: 9000\nhost: 0.0.0.0\nidentity:\n  token_expiration: 60\n');
  assert.equal(loadConfig(schema, { env: {} }).port, 8000);
  assert.equal(loadConfig(schema, { env: {}, file }).port, 9000);
  assert.equal(loadConfig(schema, { env: { STRATUS_PORT: '9100' }, file }).port, 9100);
  assert.equal(loadConfig(schema, { env: { STRATUS_PORT: '9100' }, file, flags: { port: '9200' } }).port, 9200);
  assert.equal(loadConfig(schema, { env: {}, file })['identity.token_expiration'], 60);
  assert.equal(loadConfig(schema, { env: { STRATUS_IDENTITY_TOKEN_EXPIRATION: '120' }, file })['identity.token_expiration'], 120);
  assert.equal(loadConfig(schema, { env: { STRATUS_ENFORCE_SCOPE: 'yes' } }).enforce_scope, true);
  assert.deepEqual(loadConfig(schema, { env: { STRATUS_SERVICES: 'identity, image' } }).services, ['identity', 'image']);
});

test('a bad value or an unknown key stops the start, naming the key and where it came from', () => {
  assert.throws(() => loadConfig(schema, { env: { STRATUS_PORT: 'eighty' } }), (e: Error) => e instanceof ConfigError && /'port'.*environment.*integer/.test(e.message));
  assert.throws(() => loadConfig(schema, { env: {}, file: yaml('prot: 1\n') }), /unknown key 'prot'/);
  assert.throws(() => loadConfig(schema, { env: {}, flags: { colour: 'red' } }), /unknown option '--colour'/);
  assert.throws(() => loadConfig(schema, { env: { STRATUS_LOG_LEVEL: 'loud' } }), /'log_level'.*one of/);
  assert.throws(() => loadConfig(schema, { env: { STRATUS_IDENTITY_TOKEN_EXPIRATION: '0' } }), /'identity.token_expiration'.*>= 1/);
  assert.throws(() => loadConfig(schema, { env: {}, file: yaml('port: [1\n') }), /not valid YAML/);
});
