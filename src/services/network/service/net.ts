// What the domain logic of the network service works with: the database, the settings read
// from configuration once at start, the policy engine and the outbox to the agents.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Config } from '../../../lib/config.ts';
import type { Logger } from '../../../lib/log.ts';
import type { AgentNotifier } from '../agent/protocol.ts';
import type { NetPolicy } from './caller.ts';

export interface VlanRange { physnet: string; min: number; max: number }

export interface NetSettings {
  host: string;
  availabilityZone: string;
  baseMac: string;
  physnetMtu: number;
  tenantTypes: string[];
  flatNetworks: string[];
  /** physnet → ranges; a physnet with no ranges is usable by provider networks only. */
  vlanRanges: Map<string, Array<[number, number]>>;
  vniRanges: Array<[number, number]>;
  allowGatewayOutside: boolean;
  maxDnsNameservers: number;
  maxHostRoutes: number;
  maxAddressPairs: number;
  maxRoutes: number;
  snatDefault: boolean;
  agentDownTimeMs: number;
  quotaDefaults: Record<string, number>;
}

export const QUOTA_RESOURCES = ['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule', 'subnetpool', 'rbac_policy'] as const;
export type QuotaResource = typeof QUOTA_RESOURCES[number];

export interface Net {
  db: Kysely<any>;
  settings: NetSettings;
  log: Logger;
  policy: NetPolicy;
  agents: AgentNotifier;
}

function parseRange(text: string, what: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw new Error(`config: bad ${what} range '${text}' (expected min:max)`);
  return [Number(m[1]), Number(m[2])];
}

export function readSettings(config: Config): NetSettings {
  const vlanRanges = new Map<string, Array<[number, number]>>();
  for (const entry of config.list('network.network_vlan_ranges') ?? []) {
    const [physnet, ...range] = entry.split(':');
    if (!physnet) throw new Error(`config: bad network.network_vlan_ranges entry '${entry}'`);
    const list = vlanRanges.get(physnet) ?? [];
    if (range.length) {
      const r = parseRange(range.join(':'), 'VLAN');
      if (r[0] < 1 || r[1] > 4094) throw new Error(`config: VLAN range '${entry}' outside 1..4094`);
      list.push(r);
    }
    vlanRanges.set(physnet, list);
  }
  const tenantTypes = config.list('network.tenant_network_types') ?? ['vxlan'];
  for (const t of tenantTypes) if (!['vxlan', 'vlan', 'local'].includes(t)) throw new Error(`config: unsupported tenant network type '${t}' (vxlan, vlan, local)`);
  const quotaDefaults: Record<string, number> = {};
  for (const r of QUOTA_RESOURCES) quotaDefaults[r] = config.int(`network.quota_${r}`);
  return {
    host: config.optStr('network.host') ?? hostname(),
    availabilityZone: config.str('network.availability_zone'),
    baseMac: config.str('network.base_mac'),
    physnetMtu: config.int('network.global_physnet_mtu'),
    tenantTypes,
    flatNetworks: config.list('network.flat_networks') ?? [],
    vlanRanges,
    vniRanges: (config.list('network.vni_ranges') ?? []).map((r) => parseRange(r, 'VNI')),
    allowGatewayOutside: config.bool('network.allow_gateway_outside_subnet'),
    maxDnsNameservers: config.int('network.max_dns_nameservers'),
    maxHostRoutes: config.int('network.max_subnet_host_routes'),
    maxAddressPairs: config.int('network.max_allowed_address_pair'),
    maxRoutes: config.int('network.max_routes'),
    snatDefault: config.bool('network.enable_snat_by_default'),
    agentDownTimeMs: config.int('network.agent_down_time') * 1000,
    quotaDefaults,
  };
}

/** The MTU of a network of this type on this cloud (VXLAN over IPv4 costs 50 bytes). */
export const maxMtu = (s: NetSettings, networkType: string): number => (networkType === 'vxlan' ? s.physnetMtu - 50 : s.physnetMtu);
