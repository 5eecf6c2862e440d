// The boundary between the network API (the "plugin", as Neutron calls its server side) and the
// per-host agents, over the bus. Plain JSON both ways.
//
//   API → agent (casts to topic `network-agent`, server = host; fanouts to every agent):
//     port_update {port_id}            a port bound to this host changed: fetch it, (re)wire it
//     port_delete {port_id, network_id} unwire it
//     network_update {network_id}      (fanout) re-sync DHCP for it if this host serves it
//     network_delete {network_id}      (fanout) drop its bridge / DHCP
//     security_group_rules_updated {security_group_ids}   (fanout) ports in these groups re-apply their filter
//     security_group_members_updated {security_group_ids} (fanout) the address sets of these groups changed
//     routers_updated {router_ids}     the router(s) this host runs changed: fetch and re-apply
//     router_delete {router_id}
//     dhcp_update {network_id}         ports of a network this host serves DHCP for changed
//   agent → API (calls to topic `network-plugin`):
//     report_state {host, agent}       heartbeat and registration (one record per agent type)
//     get_port {host, port_id}         → PortInfo | null (null: not bound here any more)
//     update_device_up / update_device_down {host, port_id, error?}  → port status ACTIVE / DOWN / ERROR
//     sync_state {host}                → everything this host should have (after start and errors)
//     get_routers {host, router_ids}   → RouterInfo[]
//     get_dhcp {host, network_id}      → DhcpInfo | null
//     update_floatingip_statuses {host, statuses: {fip_id: status}}
//     get_ports_by_groups {host, security_group_ids} → port ids here that are in these groups
//     get_group_members {security_group_ids} → {group id: addresses of its bound ports}
//     get_ports_on_network {host, network_id} → port ids here on that network
//
// Notifications carry ids only; the agent pulls the current state. That keeps them idempotent
// and insensitive to order: a late port_update for a deleted port fetches null and unwires.

export const AGENT_TOPIC = 'network-agent';
export const PLUGIN_TOPIC = 'network-plugin';
export const RPC_VERSION = '1.0';

export interface SubnetInfo {
  id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  dns_nameservers: string[];
  host_routes: Array<{ destination: string; nexthop: string }>;
}

/** The L2 segment and L3 subnets of a network: what a bridge, a VLAN or a VXLAN device needs. */
export interface NetworkInfo {
  id: string;
  project_id: string;
  mtu: number;
  admin_state_up: boolean;
  network_type: string;
  physical_network: string | null;
  segmentation_id: number | null;
  router_external: boolean;
  subnets: SubnetInfo[];
}

/**
 * One filter rule of a port. A remote group is not expanded here: the backend keeps one address
 * set per group (syncGroupMembers, an ipset / nftables set), so a member joining or leaving
 * changes one set instead of the filter of every port that admits the group.
 */
export interface FirewallRule {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  /** The prefix the rule admits; null with remote_group_id null = any. */
  remote_ip_prefix: string | null;
  /** The rule admits the addresses of this group's members. */
  remote_group_id: string | null;
}

export interface PortInfo {
  id: string;
  network: NetworkInfo;
  mac_address: string;
  fixed_ips: Array<{ subnet_id: string; ip_address: string }>;
  admin_state_up: boolean;
  device_id: string;
  device_owner: string;
  host: string;
  vnic_type: string;
  vif_type: string;
  vif_details: Record<string, unknown>;
  port_security_enabled: boolean;
  allowed_address_pairs: Array<{ ip_address: string; mac_address: string }>;
  extra_dhcp_opts: Array<{ opt_name: string; opt_value: string | null; ip_version: number }>;
  security_group_ids: string[];
  /** Absent when port security is off: the port is not filtered. */
  firewall?: { stateful: boolean; rules: FirewallRule[] };
}

export interface RouterPortInfo {
  port_id: string;
  mac_address: string;
  network: NetworkInfo;
  fixed_ips: Array<{ subnet_id: string; ip_address: string; prefixlen: number }>;
}

export interface RouterInfo {
  id: string;
  project_id: string;
  admin_state_up: boolean;
  enable_snat: boolean;
  gateway: RouterPortInfo | null;
  interfaces: RouterPortInfo[];
  routes: Array<{ destination: string; nexthop: string }>;
  floating_ips: Array<{ id: string; floating_ip_address: string; fixed_ip_address: string; port_id: string }>;
}

export interface DhcpInfo {
  network: NetworkInfo;
  /** One entry per address of every port on the network that DHCP should answer for. */
  hosts: Array<{ port_id: string; mac_address: string; ip_address: string; hostname: string; extra_dhcp_opts: PortInfo['extra_dhcp_opts'] }>;
}

/** What an agent reports every heartbeat, once per agent type it implements. */
export interface AgentReport {
  host: string;
  binary: string;
  topic: string;
  agent_types: string[];
  availability_zone: string;
  /** Shown as the agents' `configurations`; carries the backend's capabilities (vif_type, …). */
  configurations: Record<string, unknown>;
  /** True on the first report after a start: the API answers by expecting a full sync. */
  start_flag?: boolean;
}

export interface SyncState { ports: PortInfo[]; routers: RouterInfo[]; dhcp: DhcpInfo[] }

/** The API side's view of the agents: fire-and-forget notifications after a commit. */
export interface AgentNotifier {
  portChanged(host: string, portId: string): void;
  portRemoved(host: string, portId: string, networkId: string): void;
  /** The port list of a network changed: its DHCP host re-reads the hosts file. */
  dhcpChanged(host: string, networkId: string): void;
  networkChanged(networkId: string): void;
  networkRemoved(networkId: string): void;
  /** Rules of these groups changed (or their statefulness): their member ports re-filter. */
  securityGroupRulesChanged(ids: string[]): void;
  /** Bound ports joined or left these groups, or changed addresses. */
  securityGroupMembersChanged(ids: string[]): void;
  routersChanged(host: string, routerIds: string[]): void;
  routerRemoved(host: string, routerId: string): void;
}

/** For tests and processes without agents. */
export const nullNotifier: AgentNotifier = {
  portChanged() {}, portRemoved() {}, dhcpChanged() {}, networkChanged() {}, networkRemoved() {}, securityGroupRulesChanged() {}, securityGroupMembersChanged() {}, routersChanged() {}, routerRemoved() {},
};
