// The fake data plane: records what it would configure, in `state` (the current configuration)
// and `journal` (every call, in order), and fails on request. It defines the semantics every
// backend shares: idempotent calls, whole-object state, removeX of an unknown id is a no-op.
import type { BackendCapabilities, Inventory, NetworkBackend } from './backend.ts';
import type { DhcpInfo, NetworkInfo, PortInfo, RouterInfo } from './protocol.ts';

export type BackendOp = 'plugPort' | 'unplugPort' | 'syncDhcp' | 'removeDhcp' | 'syncRouter' | 'removeRouter' | 'removeNetwork' | 'syncGroupMembers' | 'removeGroupMembers';

export interface FakeState {
  networks: Map<string, NetworkInfo>;
  ports: Map<string, PortInfo>;
  dhcp: Map<string, DhcpInfo>;
  routers: Map<string, RouterInfo>;
  /** Address sets of security groups (remote_group_id rules admit their members). */
  groups: Map<string, string[]>;
}

export interface JournalEntry { op: BackendOp; id: string; at: number }

export const FAKE_CAPABILITIES: BackendCapabilities = {
  name: 'fake',
  agentTypes: ['Linux bridge agent', 'DHCP agent', 'L3 agent', 'Metadata agent'],
  networkTypes: ['flat', 'vlan', 'vxlan', 'local'],
  vnicTypes: ['normal'],
  vifType: 'bridge',
  vifDetails: { connectivity: 'l2', port_filter: true },
  bridgePrefix: 'brq',
};

export class FakeBackend implements NetworkBackend {
  readonly capabilities: BackendCapabilities;
  readonly state: FakeState = { networks: new Map(), ports: new Map(), dhcp: new Map(), routers: new Map(), groups: new Map() };
  readonly journal: JournalEntry[] = [];
  readonly #failures = new Map<BackendOp, Array<Error>>();
  #delayMs = 0;

  constructor(capabilities: Partial<BackendCapabilities> = {}) {
    this.capabilities = { ...FAKE_CAPABILITIES, ...capabilities };
  }

  /** The next `times` calls of `op` throw `error`. */
  failNext(op: BackendOp, error: Error = new Error(`injected ${op} failure`), times = 1): void {
    this.#failures.set(op, [...(this.#failures.get(op) ?? []), ...Array(times).fill(error)]);
  }

  /** Every call takes this long (to see ports go through DOWN before ACTIVE). */
  setDelay(ms: number): void { this.#delayMs = ms; }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async #step(op: BackendOp, id: string): Promise<void> {
    if (this.#delayMs) await new Promise((r) => setTimeout(r, this.#delayMs));
    this.journal.push({ op, id, at: Date.now() });
    const queued = this.#failures.get(op);
    const err = queued?.shift();
    if (err) throw err;
  }

  async plugPort(port: PortInfo): Promise<void> {
    await this.#step('plugPort', port.id);
    this.state.networks.set(port.network.id, port.network);
    this.state.ports.set(port.id, structuredClone(port));
  }

  async unplugPort(portId: string): Promise<void> {
    await this.#step('unplugPort', portId);
    this.state.ports.delete(portId);
  }

  async syncDhcp(info: DhcpInfo): Promise<void> {
    await this.#step('syncDhcp', info.network.id);
    this.state.networks.set(info.network.id, info.network);
    this.state.dhcp.set(info.network.id, structuredClone(info));
  }

  async removeDhcp(networkId: string): Promise<void> {
    await this.#step('removeDhcp', networkId);
    this.state.dhcp.delete(networkId);
  }

  async syncRouter(router: RouterInfo): Promise<void> {
    await this.#step('syncRouter', router.id);
    for (const p of [...router.interfaces, ...(router.gateway ? [router.gateway] : [])]) this.state.networks.set(p.network.id, p.network);
    this.state.routers.set(router.id, structuredClone(router));
  }

  async removeRouter(routerId: string): Promise<void> {
    await this.#step('removeRouter', routerId);
    this.state.routers.delete(routerId);
  }

  async syncGroupMembers(groupId: string, addresses: string[]): Promise<void> {
    await this.#step('syncGroupMembers', groupId);
    this.state.groups.set(groupId, [...addresses].sort());
  }

  async removeGroupMembers(groupId: string): Promise<void> {
    await this.#step('removeGroupMembers', groupId);
    this.state.groups.delete(groupId);
  }

  async removeNetwork(networkId: string): Promise<void> {
    await this.#step('removeNetwork', networkId);
    this.state.networks.delete(networkId);
  }

  async inventory(): Promise<Inventory> {
    return {
      ports: [...this.state.ports.keys()], routers: [...this.state.routers.keys()],
      dhcp: [...this.state.dhcp.keys()], networks: [...this.state.networks.keys()], groups: [...this.state.groups.keys()],
    };
  }
}
