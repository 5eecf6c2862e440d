// Ports the network service makes for itself: router gateways and interfaces, floating IP
// holders. No security groups (network: owners get none), admin rights, no quota.
import type { Caller } from './caller.ts';
import type { IpRequest } from './ipam.ts';
import type { Net } from './net.ts';
import { insertPorts } from './ports.ts';
import type { Db } from './std.ts';

export interface ServicePort {
  network_id: string; project_id: string; device_owner: string; device_id: string; host: string; fixed_ips?: IpRequest[];
}

export async function insertServicePort(net: Net, db: Db, p: ServicePort, caller?: Caller): Promise<string> {
  const system: Caller = { ctx: caller?.ctx ?? { requestId: 'internal', roles: [], roleIds: [], isAdminProject: false, serviceRoles: [], authMethods: [], auditIds: [] }, projectId: undefined, isAdmin: true, isService: true, policy: net.policy };
  const { ids } = await insertPorts(net, db, system, [{
    project_id: p.project_id, network_id: p.network_id, name: '', description: '', admin_state_up: true, fixed_ips: p.fixed_ips,
    device_id: p.device_id, device_owner: p.device_owner, security_groups: [], allowed_address_pairs: [], extra_dhcp_opts: [],
    host: p.host, vnic_type: 'normal', profile: {},
  }]);
  return ids[0]!;
}
