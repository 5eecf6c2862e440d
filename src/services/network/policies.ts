// Neutron's policy defaults (neutron/conf/policies/*.py, secure RBAC: admin / project member /
// project reader). Neutron's `field:` checks (field:networks:shared=True) are written as
// generic checks on the target the service builds: `True:%(shared)s`; parent attributes carry
// Neutron's own prefixes (`network:project_id`, `network:shared`, `security_group:project_id`).
// List calls are scoped in code to what the get_* rule lets a caller see, and the get_* rule
// itself is checked against the caller's own project, so overriding it to admin-only closes
// the list too.
import type { RuleDefault } from '../../lib/policy/index.ts';

const ADMIN = 'rule:admin_only';
const SERVICE = 'rule:service_api';
const PM = '(role:member and project_id:%(project_id)s)';
const PR = '(role:reader and project_id:%(project_id)s)';
const NET_OWNER_MEMBER = '(role:member and rule:network_owner)';
const NET_OWNER_READER = '(role:reader and rule:network_owner)';
const SG_OWNER_MEMBER = '(role:member and rule:sg_owner)';
const SG_OWNER_READER = '(role:reader and rule:sg_owner)';
const or = (...parts: string[]) => parts.join(' or ');
const ADMIN_OR_PM = or(ADMIN, PM);
const ADMIN_OR_PR = or(ADMIN, PR);
const ADMIN_OR_SERVICE = or(ADMIN, SERVICE);

const base: Record<string, string> = {
  context_is_admin: 'role:admin',
  service_api: 'role:service or service_roles:service',
  owner: 'project_id:%(project_id)s',
  admin_or_owner: 'rule:context_is_admin or rule:owner',
  admin_only: 'rule:context_is_admin',
  regular_user: '',
  network_owner: 'project_id:%(network:project_id)s',
  admin_or_network_owner: 'rule:context_is_admin or rule:network_owner',
  sg_owner: 'project_id:%(security_group:project_id)s',
  // field:networks:shared=True, for a network target or a port/subnet target (its network)
  shared: 'True:%(shared)s or True:%(network:shared)s',
  external: 'True:%(router:external)s',
  external_network: 'True:%(network:router:external)s',
  network_device: 'True:%(device_owner:network)s',
  shared_subnetpools: 'True:%(shared)s',
  default: 'rule:admin_or_owner',
};

const same = (check: string, ...names: string[]) => Object.fromEntries(names.map((n) => [n, check]));

const rules: Record<string, string> = {
  ...base,
  // networks
  create_network: ADMIN_OR_PM,
  ...same(ADMIN, 'create_network:shared', 'create_network:router:external', 'create_network:provider:network_type',
    'create_network:provider:physical_network', 'create_network:provider:segmentation_id',
    'update_network:shared', 'update_network:router:external', 'update_network:provider:network_type',
    'update_network:provider:physical_network', 'update_network:provider:segmentation_id',
    'get_network:provider:network_type', 'get_network:provider:physical_network', 'get_network:provider:segmentation_id'),
  'create_network:port_security_enabled': ADMIN_OR_PM,
  get_network: or(ADMIN_OR_PR, SERVICE, 'rule:shared', 'rule:external'),
  update_network: ADMIN_OR_PM,
  'update_network:port_security_enabled': ADMIN_OR_PM,
  delete_network: ADMIN_OR_PM,
  // subnets
  create_subnet: or(ADMIN, NET_OWNER_MEMBER),
  get_subnet: or(PR, 'rule:shared', ADMIN, NET_OWNER_READER, SERVICE),
  update_subnet: or(PM, ADMIN, NET_OWNER_MEMBER),
  delete_subnet: or(PM, ADMIN, NET_OWNER_MEMBER),
  // ports
  create_port: or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'),
  'create_port:device_id': or(ADMIN_OR_PM, SERVICE),
  'create_port:device_owner': or('not rule:network_device', ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
  'create_port:mac_address': or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
  'create_port:fixed_ips:ip_address': or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
  'create_port:fixed_ips:subnet_id': or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'),
  'create_port:port_security_enabled': or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
  'create_port:binding:host_id': ADMIN_OR_SERVICE,
  'create_port:binding:profile': ADMIN_OR_SERVICE,
  'create_port:binding:vnic_type': or(ADMIN_OR_PM, SERVICE),
  'create_port:allowed_address_pairs': or(ADMIN, NET_OWNER_MEMBER, SERVICE),
  get_port: or(ADMIN_OR_SERVICE, NET_OWNER_READER, PR),
  ...same(ADMIN_OR_SERVICE, 'get_port:binding:vif_type', 'get_port:binding:vif_details', 'get_port:binding:host_id', 'get_port:binding:profile'),
  update_port: or(ADMIN_OR_SERVICE, PM),
  'update_port:device_id': or(ADMIN_OR_PM, SERVICE),
  'update_port:device_owner': or('not rule:network_device', ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
  'update_port:mac_address': ADMIN_OR_SERVICE,
  'update_port:fixed_ips:ip_address': or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
  'update_port:fixed_ips:subnet_id': or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, 'rule:shared'),
  'update_port:port_security_enabled': or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER),
  'update_port:binding:host_id': ADMIN_OR_SERVICE,
  'update_port:binding:profile': ADMIN_OR_SERVICE,
  'update_port:binding:vnic_type': or(ADMIN_OR_SERVICE, PM),
  'update_port:allowed_address_pairs': or(ADMIN, NET_OWNER_MEMBER, SERVICE),
  delete_port: or(ADMIN_OR_SERVICE, NET_OWNER_MEMBER, PM),
  // security groups and rules
  create_security_group: ADMIN_OR_PM,
  get_security_group: ADMIN_OR_PR,
  update_security_group: ADMIN_OR_PM,
  delete_security_group: ADMIN_OR_PM,
  create_security_group_rule: or(ADMIN, SG_OWNER_MEMBER),
  get_security_group_rule: or(ADMIN, SG_OWNER_READER),
  delete_security_group_rule: or(ADMIN, SG_OWNER_MEMBER),
  // routers
  create_router: ADMIN_OR_PM,
  ...same(ADMIN, 'create_router:external_gateway_info:enable_snat', 'create_router:external_gateway_info:external_fixed_ips',
    'update_router:external_gateway_info:enable_snat', 'update_router:external_gateway_info:external_fixed_ips'),
  get_router: ADMIN_OR_PR,
  update_router: ADMIN_OR_PM,
  delete_router: ADMIN_OR_PM,
  add_router_interface: ADMIN_OR_PM,
  remove_router_interface: ADMIN_OR_PM,
  add_extraroutes: ADMIN_OR_PM,
  remove_extraroutes: ADMIN_OR_PM,
  // floating IPs
  create_floatingip: ADMIN_OR_PM,
  'create_floatingip:floating_ip_address': or(ADMIN, '(role:manager and project_id:%(project_id)s)', PM),
  get_floatingip: ADMIN_OR_PR,
  update_floatingip: ADMIN_OR_PM,
  delete_floatingip: ADMIN_OR_PM,
  get_floatingip_pool: 'role:reader',
  // subnet pools
  create_subnetpool: ADMIN_OR_PM,
  'create_subnetpool:shared': ADMIN,
  'create_subnetpool:is_default': ADMIN,
  get_subnetpool: or(ADMIN_OR_PR, 'rule:shared_subnetpools'),
  update_subnetpool: ADMIN_OR_PM,
  'update_subnetpool:is_default': ADMIN,
  delete_subnetpool: ADMIN_OR_PM,
  add_prefixes: ADMIN_OR_PM,
  remove_prefixes: ADMIN_OR_PM,
  // RBAC policies: only admins may share with everyone ('*')
  create_rbac_policy: ADMIN_OR_PM,
  'create_rbac_policy:target_tenant': or(ADMIN, 'not True:%(target_is_wildcard)s'),
  get_rbac_policy: ADMIN_OR_PR,
  update_rbac_policy: ADMIN_OR_PM,
  'update_rbac_policy:target_tenant': or(ADMIN, 'not True:%(target_is_wildcard)s'),
  delete_rbac_policy: ADMIN_OR_PM,
  // quotas
  get_quota: ADMIN_OR_PR,
  update_quota: ADMIN,
  delete_quota: ADMIN,
  // agents and availability zones
  get_agent: ADMIN,
  update_agent: ADMIN,
  delete_agent: ADMIN,
  get_availability_zone: 'role:reader',
  // tags: as the parent's get/update
  get_tags: '',
  update_tags: '',
};

export const networkPolicies: RuleDefault[] = Object.entries(rules).map(([name, checkStr]) => ({ name, checkStr, scopeTypes: ['project'] }));
