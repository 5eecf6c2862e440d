// Starting a host's agent apart from the API (what `stratus agent network` does): it may come up
// before the network API, waits for it, and can be stopped while it waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBus, createInprocBroker, type Bus } from '../../src/lib/bus/index.ts';
import { openDatabase, type Database } from '../../src/lib/db/index.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { startNetworkAgent } from '../../src/services/network/agent/index.ts';
import { FakeBackend } from '../../src/services/network/agent/fake-backend.ts';
import { busNotifier } from '../../src/services/network/agent/notifier.ts';
import { pluginEndpoint } from '../../src/services/network/agent/plugin-rpc.ts';
import { PLUGIN_TOPIC } from '../../src/services/network/agent/protocol.ts';
import { listAgents } from '../../src/services/network/service/agents.ts';
import { harness } from './harness.ts';

async function setting(t: import('node:test').TestContext): Promise<{ bus: Bus; database: Database }> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-net-agent-start-'));
  const database = await openDatabase(`sqlite://${join(dir, 'network.db')}`, { service: 'network' });
  const bus = await openBus('inproc://', { inprocBroker: createInprocBroker() });
  t.after(async () => { await bus.close(); await database.close(); rmSync(dir, { recursive: true, force: true }); });
  return { bus, database };
}

test('without waitForServer, an agent whose API is not there fails to start', async (t) => {
  const { bus } = await setting(t);
  await assert.rejects(startNetworkAgent({ bus, log: silentLogger(), host: 'h1', backend: 'fake' }), { name: 'ServiceUnavailable' });
});

test('with waitForServer, an agent started before the API registers once the API serves', async (t) => {
  const { bus, database } = await setting(t);
  const backend = new FakeBackend();
  const starting = startNetworkAgent({ bus, log: silentLogger(), host: 'early-host', backend, waitForServer: true });
  let started = false;
  void starting.then(() => { started = true; });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(started, false, 'the agent waits while nobody serves the plugin topic');

  const h = await harness(database, {}, busNotifier(bus, silentLogger()));
  const plugin = await bus.serve({ topic: PLUGIN_TOPIC }, pluginEndpoint(h.net));
  t.after(() => plugin.stop());
  const agent = await starting;
  t.after(() => agent.stop());
  const agents = await listAgents(h.net);
  assert.ok(agents.length > 0 && agents.every((a: any) => a.host === 'early-host' && a.alive), JSON.stringify(agents));
});

test('aborting the signal stops an agent still waiting for the API', async (t) => {
  const { bus } = await setting(t);
  const backend = new FakeBackend();
  let backendStops = 0;
  backend.stop = async () => { backendStops++; };
  const stop = new AbortController();
  const starting = startNetworkAgent({ bus, log: silentLogger(), host: 'h2', backend, waitForServer: true, signal: stop.signal });
  await new Promise((r) => setTimeout(r, 100));
  stop.abort();
  const agent = await starting;
  await agent.stop(); // the same stop, already under way
  assert.equal(backendStops, 1);
});
