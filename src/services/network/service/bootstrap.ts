// First start: an external flat network "public" with a subnet, as DevStack makes, so routers
// can get gateways and floating IPs exist out of the box (and Tempest's public_network_id can
// name it: its id comes from configuration).
import { anonymousContext } from '../../../lib/auth/context.ts';
import { formatIp, networkOf, parseCidr } from '../lib/ip.ts';
import { systemCaller } from './caller.ts';
import type { Net } from './net.ts';
import { createNetworks } from './networks.ts';
import { createSubnets } from './subnets.ts';

export async function ensurePublicNetwork(net: Net, id: string, cidr: string): Promise<void> {
  if (await net.db.selectFrom('networks').select('id').where('id', '=', id).executeTakeFirst()) return;
  const c = parseCidr(cidr);
  if (!c) throw new Error(`config: network.public_cidr '${cidr}' is not a CIDR`);
  const caller = systemCaller(anonymousContext('bootstrap'), net.policy);
  await createNetworks(net, caller, [{
    id, project_id: '', name: 'public', description: 'External network (created at first start)', admin_state_up: true, shared: false,
    external: true, port_security_enabled: true, availability_zone_hints: [],
    provider: { network_type: 'flat', physical_network: 'public' },
  }]);
  await createSubnets(net, caller, [{
    project_id: '', network_id: id, name: 'public-subnet', description: '', ip_version: c.version, cidr,
    gateway_ip: formatIp(c.version, networkOf(c) + 1n), enable_dhcp: false, ipv6_ra_mode: null, ipv6_address_mode: null,
    dns_nameservers: [], host_routes: [],
  }]);
  net.log.info({ network: id, cidr }, 'created the public network');
}
