// The network agent of one host (Neutron's L2 + DHCP + L3 agents in one process): it listens on
// the bus for what changed, pulls the current state from the API, drives its backend, reports
// port and floating IP status back and heartbeats. Work on one object is serialised; a failure
// marks the port ERROR and triggers a full re-sync with back-off, which retries it.
import type { Bus, Stoppable } from '../../../lib/bus/index.ts';
import { anonymousContext, type RequestContext } from '../../../lib/auth/context.ts';
import { requestId } from '../../../lib/ids.ts';
import type { Logger } from '../../../lib/log.ts';
import type { NetworkBackend } from './backend.ts';
import { AGENT_TOPIC, PLUGIN_TOPIC, RPC_VERSION, type AgentReport, type DhcpInfo, type PortInfo, type RouterInfo, type SyncState } from './protocol.ts';

export interface NetworkAgentOptions {
  bus: Bus;
  host: string;
  backend: NetworkBackend;
  log: Logger;
  availabilityZone?: string;
  reportIntervalMs?: number;
  /** First re-sync delay after a failure; doubles up to 32x. */
  resyncDelayMs?: number;
  /**
   * Keep trying to register until the API answers (an agent on its own host may start before
   * the API does, or while it restarts); otherwise `start` fails when the first report does.
   */
  waitForServer?: boolean;
}

const ROUTER_PORT_OWNERS = new Set(['network:router_interface', 'network:router_gateway']);

export class NetworkAgent {
  readonly host: string;
  readonly #o: Required<Omit<NetworkAgentOptions, 'availabilityZone' | 'waitForServer'>> & { availabilityZone: string; waitForServer: boolean };
  readonly #chains = new Map<string, Promise<void>>();
  /** What this agent configured: port → network, routers, networks whose DHCP it serves. */
  readonly #ports = new Map<string, string>();
  readonly #routers = new Map<string, string[]>();
  readonly #dhcp = new Set<string>();
  /** Address sets this host keeps, and which of its ports' rules refer to which. */
  readonly #groups = new Set<string>();
  readonly #portRemotes = new Map<string, string[]>();
  #server?: Stoppable;
  #heartbeat?: NodeJS.Timeout;
  #resyncTimer?: NodeJS.Timeout;
  #resyncFailures = 0;
  #pendingRules = new Set<string>();
  #rulesTimer?: NodeJS.Timeout;
  #pendingMembers = new Set<string>();
  #membersTimer?: NodeJS.Timeout;
  #pendingDhcp = new Set<string>();
  #dhcpTimer?: NodeJS.Timeout;
  #stopped = false;
  /** Ends a registration back-off early (on stop). */
  #wakeRegister?: () => void;
  #stopping?: Promise<void>;

  constructor(opts: NetworkAgentOptions) {
    this.host = opts.host;
    this.#o = { reportIntervalMs: 30_000, resyncDelayMs: 500, availabilityZone: 'nova', waitForServer: false, ...opts };
  }

  #ctx(): RequestContext { return { ...anonymousContext(requestId()), roles: ['service'] }; }
  #call<T>(method: string, args: object): Promise<T> {
    return this.#o.bus.call<T>(this.#ctx(), { topic: PLUGIN_TOPIC, version: RPC_VERSION }, method, { host: this.host, ...args });
  }

  /** Runs `fn` after earlier work on the same key; errors are logged, never thrown at the bus. */
  #serial(key: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.#chains.get(key) ?? Promise.resolve();
    const next = prev.then(fn).catch((err) => {
      this.#o.log.warn({ err, key }, 'network agent: operation failed; re-sync scheduled');
      this.#scheduleResync();
    });
    this.#chains.set(key, next);
    void next.finally(() => { if (this.#chains.get(key) === next) this.#chains.delete(key); });
    return next;
  }

  report(startFlag = false): Promise<unknown> {
    const caps = this.#o.backend.capabilities;
    const report: AgentReport = {
      host: this.host, binary: 'stratus-network-agent', topic: AGENT_TOPIC, agent_types: caps.agentTypes,
      availability_zone: this.#o.availabilityZone, start_flag: startFlag,
      configurations: {
        backend: caps.name, network_types: caps.networkTypes, vnic_types: caps.vnicTypes, vif_type: caps.vifType,
        vif_details: caps.vifDetails, bridge_prefix: caps.bridgePrefix, devices: this.#ports.size, routers: this.#routers.size, networks: this.#dhcp.size,
      },
    };
    return this.#call('report_state', { agent: report });
  }

  async start(): Promise<void> {
    await this.#o.backend.start();
    this.#server = await this.#o.bus.serve({ topic: AGENT_TOPIC, server: this.host }, {
      version: RPC_VERSION,
      methods: {
        port_update: (_ctx, a: { port_id: string }) => { void this.#serial(`port:${a.port_id}`, () => this.#refreshPort(a.port_id)); },
        port_delete: (_ctx, a: { port_id: string; network_id: string }) => { void this.#serial(`port:${a.port_id}`, () => this.#unplug(a.port_id)); },
        network_update: (_ctx, a: { network_id: string }) => { void this.#serial(`net:${a.network_id}`, () => this.#refreshNetwork(a.network_id)); },
        network_delete: (_ctx, a: { network_id: string }) => { void this.#serial(`net:${a.network_id}`, () => this.#dropNetwork(a.network_id)); },
        security_group_rules_updated: (_ctx, a: { security_group_ids: string[] }) => { this.#rulesChanged(a.security_group_ids); },
        security_group_members_updated: (_ctx, a: { security_group_ids: string[] }) => { this.#membersChanged(a.security_group_ids); },
        routers_updated: (_ctx, a: { router_ids: string[] }) => { for (const id of a.router_ids) void this.#serial(`router:${id}`, () => this.#refreshRouter(id)); },
        dhcp_update: (_ctx, a: { network_id: string }) => { this.#dhcpChanged(a.network_id); },
        router_delete: (_ctx, a: { router_id: string }) => { void this.#serial(`router:${a.router_id}`, () => this.#removeRouter(a.router_id)); },
      },
    });
    if (this.#stopped) { await this.#server.stop(); return; } // stopped while subscribing: stop() did not see the server
    if (!await this.#register()) return;
    await this.#serial('sync', () => this.#fullSync());
    if (this.#stopped) return;
    this.#heartbeat = setInterval(() => { this.report().catch((err) => this.#o.log.warn({ err }, 'network agent: heartbeat failed')); }, this.#o.reportIntervalMs);
    this.#heartbeat.unref();
  }

  /** The first report (start_flag); false when the agent was stopped while waiting for the API. */
  async #register(): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.report(true);
        if (attempt) this.#o.log.info('network agent: registered with the network API');
        return true;
      } catch (err) {
        if (!this.#o.waitForServer || this.#stopped) throw err;
        const delayMs = Math.min(1000 * 2 ** attempt, 15_000);
        this.#o.log.warn({ error: (err as Error).message, retryInMs: delayMs }, 'network agent: the network API did not answer; retrying');
        await new Promise<void>((resolve) => { this.#wakeRegister = resolve; setTimeout(resolve, delayMs).unref(); });
        if (this.#stopped) return false;
      }
    }
  }

  /** Stops listening, waits for work in flight, stops the backend; calling it again waits for the same stop. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeRegister?.();
    clearInterval(this.#heartbeat);
    clearTimeout(this.#resyncTimer);
    clearTimeout(this.#rulesTimer);
    clearTimeout(this.#membersTimer);
    clearTimeout(this.#dhcpTimer);
    await this.#server?.stop();
    await Promise.allSettled([...this.#chains.values()]);
    await this.#o.backend.stop();
  }

  /** Waits for all queued work (tests). */
  async idle(): Promise<void> {
    while (this.#chains.size) await Promise.allSettled([...this.#chains.values()]);
  }

  #scheduleResync(): void {
    if (this.#stopped || this.#resyncTimer) return;
    const delay = this.#o.resyncDelayMs * 2 ** Math.min(this.#resyncFailures, 5);
    this.#resyncTimer = setTimeout(() => {
      this.#resyncTimer = undefined;
      void this.#serial('sync', () => this.#fullSync());
    }, delay);
    this.#resyncTimer.unref();
  }

  /** Makes sure the address sets a port's rules refer to exist before its filter does. */
  async #ensureGroups(ids: string[]): Promise<void> {
    const missing = ids.filter((g) => !this.#groups.has(g));
    if (!missing.length) return;
    const members = await this.#call<Record<string, string[]>>('get_group_members', { security_group_ids: missing });
    for (const g of missing) {
      await this.#o.backend.syncGroupMembers(g, members[g] ?? []);
      this.#groups.add(g);
    }
  }

  /** Drops address sets no wired port refers to any more. */
  async #dropUnusedGroups(): Promise<void> {
    const used = new Set([...this.#portRemotes.values()].flat());
    for (const g of [...this.#groups]) {
      if (used.has(g)) continue;
      await this.#o.backend.removeGroupMembers(g);
      this.#groups.delete(g);
    }
  }

  async #plug(info: PortInfo): Promise<void> {
    const remotes = [...new Set((info.firewall?.rules ?? []).map((r) => r.remote_group_id).filter((g): g is string => !!g))];
    try {
      await this.#ensureGroups(remotes);
      await this.#o.backend.plugPort(info);
    } catch (err) {
      await this.#call('update_device_down', { port_id: info.id, error: String((err as Error).message ?? err) }).catch(() => undefined);
      throw err;
    }
    this.#ports.set(info.id, info.network.id);
    this.#portRemotes.set(info.id, remotes);
    await this.#call(info.admin_state_up ? 'update_device_up' : 'update_device_down', { port_id: info.id });
  }

  async #refreshPort(id: string): Promise<void> {
    const info = await this.#call<PortInfo | null>('get_port', { port_id: id });
    if (!info) return this.#unplug(id);
    await this.#plug(info);
  }

  async #unplug(id: string): Promise<void> {
    const network = this.#ports.get(id);
    if (network === undefined) return;
    await this.#o.backend.unplugPort(id, network);
    this.#ports.delete(id);
    this.#portRemotes.delete(id);
    await this.#dropUnusedGroups();
    await this.#maybeDropSegment(network);
  }

  /** Removes a network's segment when no port, router or DHCP of this host uses it. */
  async #maybeDropSegment(networkId: string): Promise<void> {
    if (!networkId) return;
    if ([...this.#ports.values()].includes(networkId) || this.#dhcp.has(networkId)) return;
    if ([...this.#routers.values()].some((nets) => nets.includes(networkId))) return;
    await this.#o.backend.removeNetwork(networkId);
  }

  async #applyDhcp(networkId: string, info: DhcpInfo | null): Promise<void> {
    if (info) {
      await this.#o.backend.syncDhcp(info);
      this.#dhcp.add(networkId);
    } else if (this.#dhcp.has(networkId)) {
      await this.#o.backend.removeDhcp(networkId);
      this.#dhcp.delete(networkId);
      await this.#maybeDropSegment(networkId);
    }
  }

  async #refreshNetwork(networkId: string): Promise<void> {
    await this.#applyDhcp(networkId, await this.#call<DhcpInfo | null>('get_dhcp', { network_id: networkId }));
    // Segment attributes (MTU, admin state) reach the wired ports too.
    const ids = await this.#call<string[]>('get_ports_on_network', { network_id: networkId });
    for (const id of ids) void this.#serial(`port:${id}`, () => this.#refreshPort(id));
  }

  async #dropNetwork(networkId: string): Promise<void> {
    for (const [port, net] of this.#ports) if (net === networkId) await this.#unplug(port);
    if (this.#dhcp.has(networkId)) {
      await this.#o.backend.removeDhcp(networkId);
      this.#dhcp.delete(networkId);
    }
    await this.#maybeDropSegment(networkId);
  }

  /** Rule changes come in bursts (a bulk create): re-filter the member ports once per burst. */
  #rulesChanged(ids: string[]): void {
    for (const id of ids) this.#pendingRules.add(id);
    this.#rulesTimer ??= setTimeout(() => {
      this.#rulesTimer = undefined;
      const groups = [...this.#pendingRules];
      this.#pendingRules.clear();
      void this.#serial('groups', async () => {
        const ports = await this.#call<string[]>('get_ports_by_groups', { security_group_ids: groups });
        for (const id of ports) void this.#serial(`port:${id}`, () => this.#refreshPort(id));
      });
    }, 50);
  }

  /** Membership changes: only the address sets this host keeps are re-read. */
  #membersChanged(ids: string[]): void {
    for (const id of ids) if (this.#groups.has(id)) this.#pendingMembers.add(id);
    if (!this.#pendingMembers.size) return;
    this.#membersTimer ??= setTimeout(() => {
      this.#membersTimer = undefined;
      const groups = [...this.#pendingMembers];
      this.#pendingMembers.clear();
      void this.#serial('members', async () => {
        const members = await this.#call<Record<string, string[]>>('get_group_members', { security_group_ids: groups });
        for (const g of groups) if (this.#groups.has(g)) await this.#o.backend.syncGroupMembers(g, members[g] ?? []);
      });
    }, 50);
  }

  /** Port changes on a network come in bursts: its DHCP configuration is re-read once per burst. */
  #dhcpChanged(networkId: string): void {
    this.#pendingDhcp.add(networkId);
    this.#dhcpTimer ??= setTimeout(() => {
      this.#dhcpTimer = undefined;
      const nets = [...this.#pendingDhcp];
      this.#pendingDhcp.clear();
      for (const id of nets) {
        void this.#serial(`net:${id}`, async () => this.#applyDhcp(id, await this.#call<DhcpInfo | null>('get_dhcp', { network_id: id })));
      }
    }, 500);
  }

  async #applyRouter(r: RouterInfo): Promise<void> {
    await this.#o.backend.syncRouter(r);
    const ports = [...r.interfaces, ...(r.gateway ? [r.gateway] : [])];
    this.#routers.set(r.id, ports.map((p) => p.network.id));
    for (const p of ports) await this.#call('update_device_up', { port_id: p.port_id, router: true });
    if (r.floating_ips.length) {
      await this.#call('update_floatingip_statuses', { statuses: Object.fromEntries(r.floating_ips.map((f) => [f.id, 'ACTIVE'])) });
    }
  }

  async #refreshRouter(id: string): Promise<void> {
    const [r] = await this.#call<RouterInfo[]>('get_routers', { router_ids: [id] });
    if (!r) return this.#removeRouter(id);
    await this.#applyRouter(r);
  }

  async #removeRouter(id: string): Promise<void> {
    const nets = this.#routers.get(id);
    if (!nets) return;
    await this.#o.backend.removeRouter(id);
    this.#routers.delete(id);
    for (const n of nets) await this.#maybeDropSegment(n);
  }

  /** Makes the backend match what the API says this host should have. */
  async #fullSync(): Promise<void> {
    try {
      const want = await this.#call<SyncState>('sync_state', {});
      const have = await this.#o.backend.inventory();
      for (const id of have.ports) if (!this.#ports.has(id)) this.#ports.set(id, '');
      for (const id of have.routers) if (!this.#routers.has(id)) this.#routers.set(id, []);
      for (const id of have.dhcp) this.#dhcp.add(id);
      // Address sets are re-read whole: a restart may have missed membership changes.
      for (const id of have.groups) await this.#o.backend.removeGroupMembers(id);
      this.#groups.clear();
      const wantPorts = new Set(want.ports.map((p) => p.id));
      for (const id of [...this.#ports.keys()]) if (!wantPorts.has(id)) await this.#unplug(id);
      for (const p of want.ports) if (!ROUTER_PORT_OWNERS.has(p.device_owner)) await this.#plug(p);
      await this.#dropUnusedGroups();
      const wantRouters = new Set(want.routers.map((r) => r.id));
      for (const id of [...this.#routers.keys()]) if (!wantRouters.has(id)) await this.#removeRouter(id);
      for (const r of want.routers) await this.#applyRouter(r);
      const wantDhcp = new Map(want.dhcp.map((d) => [d.network.id, d]));
      for (const id of [...this.#dhcp]) if (!wantDhcp.has(id)) await this.#applyDhcp(id, null);
      for (const [id, d] of wantDhcp) await this.#applyDhcp(id, d);
      this.#resyncFailures = 0;
    } catch (err) {
      this.#resyncFailures++;
      throw err;
    }
  }
}
