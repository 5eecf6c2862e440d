// The fake backend passes the backend conformance suite, records what it did and fails on demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeBackend } from '../../src/services/network/agent/fake-backend.ts';
import { createBackend } from '../../src/services/network/agent/index.ts';
import { backendConformance, samplePort } from './backend-conformance.ts';

backendConformance('fake', async () => new FakeBackend());

test('fake backend: journal, state and injected failures', async () => {
  const b = new FakeBackend();
  b.failNext('plugPort', new Error('boom'));
  await assert.rejects(b.plugPort(samplePort()), /boom/);
  assert.equal(b.state.ports.size, 0, 'a failed call changes nothing');
  await b.plugPort(samplePort());
  assert.deepEqual(b.journal.map((j) => `${j.op}:${j.id}`), ['plugPort:port-1', 'plugPort:port-1']);
  assert.equal(b.state.ports.get('port-1')?.firewall?.rules[0]?.port_range_min, 22);
});

test('an unknown backend name stops the start', () => {
  assert.throws(() => createBackend('ovs'), /unknown network backend 'ovs'/);
  assert.ok(createBackend('fake') instanceof FakeBackend);
});
