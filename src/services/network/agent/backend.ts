// The data plane driver a network agent drives (DESIGN.md: plain data in, no database, no bus).
// Every call is idempotent and carries the whole desired state of its object, so the agent can
// re-apply after a failure or a restart without knowing what the backend already did.
//
// The Linux implementation this interface is cut for (../shared/guest/dataplane-demo.sh):
//   plugPort     a bridge per network (brq<net-id[:11]>) with its VLAN / VXLAN uplink, the tap
//                of the port on it, and the port's filter rules (nftables/iptables chains);
//   syncDhcp     a dnsmasq per network in a qdhcp-<net-id> namespace, hosts file from `hosts`;
//   syncRouter   a qrouter-<id> namespace with interfaces on the networks' bridges, a gateway
//                port with SNAT, 1:1 NAT for each floating IP, extra routes, metadata proxy.
import type { DhcpInfo, PortInfo, RouterInfo } from './protocol.ts';

/** What a backend can do, declared as data; reported by the agent, used for port binding. */
export interface BackendCapabilities {
  /** Driver name, shown in the agents' configurations. */
  name: string;
  /** The Neutron agent types this backend acts as (each gets an agent record). */
  agentTypes: string[];
  /** Network types it can wire. */
  networkTypes: string[];
  /** binding:vnic_type values it can bind. */
  vnicTypes: string[];
  /** binding:vif_type of the ports it binds, and the vif_details every one of them gets. */
  vifType: string;
  vifDetails: Record<string, unknown>;
  /** When set, ports get vif_details.bridge_name = prefix + network id[:11] (the Linux bridge name). */
  bridgePrefix?: string;
}

export interface Inventory { ports: string[]; routers: string[]; dhcp: string[]; networks: string[]; groups: string[] }

export interface NetworkBackend {
  readonly capabilities: BackendCapabilities;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Wires the port and its network's segment, applies its filter; admin_state_up false = link down. */
  plugPort(port: PortInfo): Promise<void>;
  unplugPort(portId: string, networkId: string): Promise<void>;
  /** The whole DHCP configuration of one network. */
  syncDhcp(info: DhcpInfo): Promise<void>;
  removeDhcp(networkId: string): Promise<void>;
  /** The whole state of one router: interfaces, gateway and SNAT, routes, floating IPs. */
  syncRouter(router: RouterInfo): Promise<void>;
  removeRouter(routerId: string): Promise<void>;
  /** The address set of a security group (its members' addresses), which remote_group_id rules admit. */
  syncGroupMembers(groupId: string, addresses: string[]): Promise<void>;
  removeGroupMembers(groupId: string): Promise<void>;
  /** Drops a network's segment once nothing on this host uses it any more. */
  removeNetwork(networkId: string): Promise<void>;
  /** What is configured now (after a restart: what survived), for reconciliation. */
  inventory(): Promise<Inventory>;
}
