// A small typed client of the network service's public API (Neutron v2.0), as Nova uses it:
// networks for `auto`, ports created and bound for a server (binding:host_id, device_id,
// device_owner 'compute:<az>'), security groups by name, and the os-security-groups proxy.
import { BadRequest, Conflict } from '../errors.ts';
import { RestClient } from './image.ts';

export type { RestClientOptions } from './image.ts';

export interface NeutronNetwork {
  id: string; name: string; project_id?: string; tenant_id?: string; shared: boolean; status: string; subnets: string[];
  admin_state_up: boolean; 'router:external'?: boolean; mtu?: number; [k: string]: unknown;
}
export interface NeutronFixedIp { subnet_id: string; ip_address: string }
export interface NeutronPort {
  id: string; name: string; network_id: string; mac_address: string; fixed_ips: NeutronFixedIp[]; device_id: string; device_owner: string;
  project_id?: string; tenant_id?: string; status: string; security_groups: string[]; admin_state_up: boolean;
  'binding:host_id'?: string; 'binding:vif_type'?: string; port_security_enabled?: boolean; [k: string]: unknown;
}
export interface NeutronSubnet { id: string; network_id: string; cidr: string; ip_version: 4 | 6; gateway_ip: string | null; [k: string]: unknown }
export interface NeutronSecurityGroupRule {
  id: string; security_group_id: string; direction: string; ethertype: string; protocol: string | null;
  port_range_min: number | null; port_range_max: number | null; remote_ip_prefix: string | null; remote_group_id: string | null; [k: string]: unknown;
}
export interface NeutronSecurityGroup {
  id: string; name: string; description: string; project_id?: string; tenant_id?: string; security_group_rules: NeutronSecurityGroupRule[]; [k: string]: unknown;
}

type Query = Record<string, string | string[] | number | boolean | undefined>;

function qs(query: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) p.append(k, String(item));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class NetworkClient extends RestClient {
  async listNetworks(query: Query = {}): Promise<NeutronNetwork[]> {
    return (await this.request('GET', `/v2.0/networks${qs(query)}`)).networks;
  }
  async getNetwork(id: string): Promise<NeutronNetwork> {
    return (await this.request('GET', `/v2.0/networks/${encodeURIComponent(id)}`)).network;
  }
  async listSubnets(query: Query = {}): Promise<NeutronSubnet[]> {
    return (await this.request('GET', `/v2.0/subnets${qs(query)}`)).subnets;
  }
  async listPorts(query: Query = {}): Promise<NeutronPort[]> {
    return (await this.request('GET', `/v2.0/ports${qs(query)}`)).ports;
  }
  async getPort(id: string): Promise<NeutronPort> {
    return (await this.request('GET', `/v2.0/ports/${encodeURIComponent(id)}`)).port;
  }
  async createPort(port: Record<string, unknown>): Promise<NeutronPort> {
    return (await this.request('POST', '/v2.0/ports', { port })).port;
  }
  async updatePort(id: string, port: Record<string, unknown>): Promise<NeutronPort> {
    return (await this.request('PUT', `/v2.0/ports/${encodeURIComponent(id)}`, { port })).port;
  }
  async deletePort(id: string): Promise<void> {
    await this.request('DELETE', `/v2.0/ports/${encodeURIComponent(id)}`);
  }
  async listSecurityGroups(query: Query = {}): Promise<NeutronSecurityGroup[]> {
    return (await this.request('GET', `/v2.0/security-groups${qs(query)}`)).security_groups;
  }
  async getSecurityGroup(id: string): Promise<NeutronSecurityGroup> {
    return (await this.request('GET', `/v2.0/security-groups/${encodeURIComponent(id)}`)).security_group;
  }
  async createSecurityGroup(sg: Record<string, unknown>): Promise<NeutronSecurityGroup> {
    return (await this.request('POST', '/v2.0/security-groups', { security_group: sg })).security_group;
  }
  async updateSecurityGroup(id: string, sg: Record<string, unknown>): Promise<NeutronSecurityGroup> {
    return (await this.request('PUT', `/v2.0/security-groups/${encodeURIComponent(id)}`, { security_group: sg })).security_group;
  }
  async deleteSecurityGroup(id: string): Promise<void> {
    await this.request('DELETE', `/v2.0/security-groups/${encodeURIComponent(id)}`);
  }
  async createSecurityGroupRule(rule: Record<string, unknown>): Promise<NeutronSecurityGroupRule> {
    return (await this.request('POST', '/v2.0/security-group-rules', { security_group_rule: rule })).security_group_rule;
  }
  async getSecurityGroupRule(id: string): Promise<NeutronSecurityGroupRule> {
    return (await this.request('GET', `/v2.0/security-group-rules/${encodeURIComponent(id)}`)).security_group_rule;
  }
  async deleteSecurityGroupRule(id: string): Promise<void> {
    await this.request('DELETE', `/v2.0/security-group-rules/${encodeURIComponent(id)}`);
  }
  async listFloatingIps(query: Query = {}): Promise<Array<Record<string, any>>> {
    return (await this.request('GET', `/v2.0/floatingips${qs(query)}`)).floatingips;
  }
  async getFloatingIp(id: string): Promise<Record<string, any>> {
    return (await this.request('GET', `/v2.0/floatingips/${encodeURIComponent(id)}`)).floatingip;
  }
  async createFloatingIp(fip: Record<string, unknown>): Promise<Record<string, any>> {
    return (await this.request('POST', '/v2.0/floatingips', { floatingip: fip })).floatingip;
  }
  async updateFloatingIp(id: string, fip: Record<string, unknown>): Promise<Record<string, any>> {
    return (await this.request('PUT', `/v2.0/floatingips/${encodeURIComponent(id)}`, { floatingip: fip })).floatingip;
  }
  async deleteFloatingIp(id: string): Promise<void> {
    await this.request('DELETE', `/v2.0/floatingips/${encodeURIComponent(id)}`);
  }
  async extensions(): Promise<string[]> {
    return ((await this.request('GET', '/v2.0/extensions')).extensions as Array<{ alias: string }>).map((e) => e.alias);
  }

  /**
   * Resolves security group names (or ids) to ids within the project, as Nova does before it
   * creates ports; an unknown name is Nova's 400 "Security group … not found".
   */
  async securityGroupIds(projectId: string, names: string[]): Promise<string[]> {
    if (!names.length) return [];
    const groups = await this.listSecurityGroups({ project_id: projectId, fields: ['id', 'name'] });
    const out: string[] = [];
    for (const name of names) {
      const byId = groups.find((g) => g.id === name);
      const byName = groups.filter((g) => g.name === name);
      if (byId) out.push(byId.id);
      else if (byName.length === 1) out.push(byName[0]!.id);
      else if (byName.length > 1) throw new Conflict(`Multiple security groups found matching '${name}'. Use an ID to be more specific.`);
      else throw new BadRequest(`Security group ${name} not found for project ${projectId}.`);
    }
    return out;
  }
}
