// The network agent of a host and its backends, for the all-in-one (started by the network
// service) and for `stratus agent network` on other hosts.
import type { Bus } from '../../../lib/bus/index.ts';
import type { Logger } from '../../../lib/log.ts';
import { NetworkAgent } from './agent.ts';
import type { NetworkBackend } from './backend.ts';
import { FakeBackend } from './fake-backend.ts';

export { NetworkAgent, type NetworkAgentOptions } from './agent.ts';
export { FakeBackend, FAKE_CAPABILITIES } from './fake-backend.ts';
export type { NetworkBackend, BackendCapabilities, Inventory } from './backend.ts';
export * from './protocol.ts';

/** The backend a name selects; an unknown name stops the start. */
export function createBackend(name: string): NetworkBackend {
  switch (name) {
    case 'fake': return new FakeBackend();
    default: throw new Error(`config: unknown network backend '${name}' (known: fake)`);
  }
}

export interface AgentStartOptions {
  bus: Bus; log: Logger; host: string; backend: string | NetworkBackend; availabilityZone?: string; reportIntervalSeconds?: number;
  /** Retry registering until the API answers (`stratus agent network`, which may start first). */
  waitForServer?: boolean;
  /** Aborting it stops the agent, also while it is still starting. */
  signal?: AbortSignal;
}

/** Starts a host's agent: it registers, syncs, then follows the bus until stopped. */
export async function startNetworkAgent(o: AgentStartOptions): Promise<NetworkAgent> {
  const backend = typeof o.backend === 'string' ? createBackend(o.backend) : o.backend;
  const agent = new NetworkAgent({
    bus: o.bus, host: o.host, backend, log: o.log.child({ component: 'network-agent', host: o.host }),
    availabilityZone: o.availabilityZone, reportIntervalMs: (o.reportIntervalSeconds ?? 30) * 1000, waitForServer: o.waitForServer,
  });
  if (o.signal) {
    if (o.signal.aborted) void agent.stop();
    else o.signal.addEventListener('abort', () => void agent.stop(), { once: true });
  }
  await agent.start();
  return agent;
}
