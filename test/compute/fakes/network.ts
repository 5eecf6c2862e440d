// A small in-memory network service (Neutron REST, prefix /networking) for compute tests until
// the real one is registered: networks, subnets with sequential IPs, ports with bindings,
// security groups (a 'default' per project) and their rules.
import { randomBytes, randomUUID } from 'node:crypto';
import { BadRequest, Conflict, NotFound } from '../../../src/lib/errors.ts';
import { PUBLIC, reply, type ApiRequest, type Route } from '../../../src/lib/http/routes.ts';
import { defineService, type ServiceDefinition } from '../../../src/lib/service.ts';

type Obj = Record<string, any>;

export function fakeNetwork(): ServiceDefinition & { state: { networks: Map<string, Obj>; subnets: Map<string, Obj>; ports: Map<string, Obj>; groups: Map<string, Obj> } } {
  const networks = new Map<string, Obj>();
  const subnets = new Map<string, Obj>();
  const ports = new Map<string, Obj>();
  const groups = new Map<string, Obj>();
  const rules = new Map<string, Obj>();
  const project = (req: ApiRequest) => req.ctx.projectId ?? '';
  const filter = (req: ApiRequest, items: Obj[]) => items.filter((it) => Object.entries(req.query).every(([k, v]) => {
    if (k === 'fields' || k === 'limit' || k === 'marker') return true;
    const want = [v].flat().map(String);
    const have = it[k];
    return have === undefined ? true : want.includes(String(have));
  }));
  const must = (m: Map<string, Obj>, id: string, what: string) => { const o = m.get(id); if (!o) throw new NotFound(`${what} ${id} could not be found.`); return o; };
  const defaultGroup = (pid: string) => {
    let g = [...groups.values()].find((x) => x.project_id === pid && x.name === 'default');
    if (!g) {
      g = { id: randomUUID(), name: 'default', description: 'Default security group', project_id: pid, tenant_id: pid, security_group_rules: [] };
      groups.set(g.id, g);
    }
    return g;
  };
  const withRules = (g: Obj) => ({ ...g, security_group_rules: [...rules.values()].filter((r) => r.security_group_id === g.id) });
  const nextIp = (subnet: Obj) => {
    const [base] = String(subnet.cidr).split('/');
    const parts = base!.split('.').map(Number);
    subnet.next = (subnet.next ?? 1) + 1;
    return `${parts[0]}.${parts[1]}.${parts[2]}.${subnet.next}`;
  };
  const routes: Route[] = [
    { method: 'GET', path: '/v2.0/networks', policy: PUBLIC, handler: (req) => ({ networks: filter(req, [...networks.values()].filter((n) => n.shared || n.project_id === project(req) || req.ctx.roles.includes('admin'))) }) },
    {
      method: 'POST', path: '/v2.0/networks', policy: PUBLIC,
      handler: (req) => {
        const n = { id: randomUUID(), name: '', shared: false, status: 'ACTIVE', subnets: [], admin_state_up: true, 'router:external': false, port_security_enabled: true, mtu: 1450, project_id: project(req), tenant_id: project(req), ...req.body.network };
        networks.set(n.id, n);
        return reply(201, { network: n });
      },
    },
    { method: 'GET', path: '/v2.0/networks/:id', policy: PUBLIC, handler: (req) => { const n = must(networks, req.params.id!, 'Network'); if (!n.shared && n.project_id !== project(req) && !req.ctx.roles.includes('admin')) throw new NotFound(`Network ${req.params.id} could not be found.`); return { network: n }; } },
    { method: 'DELETE', path: '/v2.0/networks/:id', policy: PUBLIC, handler: (req) => { must(networks, req.params.id!, 'Network'); networks.delete(req.params.id!); return undefined; } },
    {
      method: 'POST', path: '/v2.0/subnets', policy: PUBLIC,
      handler: (req) => {
        const net = must(networks, req.body.subnet.network_id, 'Network');
        const s = { id: randomUUID(), ip_version: 4, gateway_ip: null, project_id: project(req), ...req.body.subnet };
        subnets.set(s.id, s);
        net.subnets.push(s.id);
        return reply(201, { subnet: s });
      },
    },
    { method: 'GET', path: '/v2.0/subnets', policy: PUBLIC, handler: (req) => ({ subnets: filter(req, [...subnets.values()]) }) },
    { method: 'GET', path: '/v2.0/ports', policy: PUBLIC, handler: (req) => ({ ports: filter(req, [...ports.values()]) }) },
    { method: 'GET', path: '/v2.0/ports/:id', policy: PUBLIC, handler: (req) => ({ port: must(ports, req.params.id!, 'Port') }) },
    {
      method: 'POST', path: '/v2.0/ports', policy: PUBLIC,
      handler: (req) => {
        const b = req.body.port;
        const net = must(networks, b.network_id, 'Network');
        const subnet = subnets.get(net.subnets[0]);
        if (!subnet) throw new BadRequest(`No subnet on network ${net.id}`);
        const ip = b.fixed_ips?.[0]?.ip_address ?? nextIp(subnet);
        if ([...ports.values()].some((p) => p.fixed_ips.some((f: Obj) => f.ip_address === ip))) throw new Conflict(`IP address ${ip} already allocated`);
        const p = {
          id: randomUUID(), name: '', network_id: net.id, mac_address: `fa:16:3e:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`, status: 'DOWN',
          fixed_ips: [{ subnet_id: subnet.id, ip_address: ip }], device_id: '', device_owner: '', project_id: project(req), tenant_id: project(req), admin_state_up: true,
          security_groups: b.security_groups ?? [defaultGroup(project(req)).id], 'binding:host_id': '', port_security_enabled: true, ...b, ...(b.fixed_ips ? { fixed_ips: [{ subnet_id: subnet.id, ip_address: ip }] } : {}),
        };
        ports.set(p.id, p);
        return reply(201, { port: p });
      },
    },
    {
      method: 'PUT', path: '/v2.0/ports/:id', policy: PUBLIC,
      handler: (req) => {
        const p = must(ports, req.params.id!, 'Port');
        Object.assign(p, req.body.port);
        if (req.body.port['binding:host_id'] === null) p['binding:host_id'] = '';
        p.status = p['binding:host_id'] ? 'ACTIVE' : 'DOWN';
        return { port: p };
      },
    },
    { method: 'DELETE', path: '/v2.0/ports/:id', policy: PUBLIC, handler: (req) => { must(ports, req.params.id!, 'Port'); ports.delete(req.params.id!); return undefined; } },
    {
      method: 'GET', path: '/v2.0/security-groups', policy: PUBLIC,
      handler: (req) => { defaultGroup(project(req)); return { security_groups: filter(req, [...groups.values()].map(withRules)) }; },
    },
    { method: 'GET', path: '/v2.0/security-groups/:id', policy: PUBLIC, handler: (req) => ({ security_group: withRules(must(groups, req.params.id!, 'Security group')) }) },
    {
      method: 'POST', path: '/v2.0/security-groups', policy: PUBLIC,
      handler: (req) => {
        const g = { id: randomUUID(), description: '', project_id: project(req), tenant_id: project(req), ...req.body.security_group };
        groups.set(g.id, g);
        return reply(201, { security_group: withRules(g) });
      },
    },
    { method: 'PUT', path: '/v2.0/security-groups/:id', policy: PUBLIC, handler: (req) => { const g = must(groups, req.params.id!, 'Security group'); Object.assign(g, req.body.security_group); return { security_group: withRules(g) }; } },
    {
      method: 'DELETE', path: '/v2.0/security-groups/:id', policy: PUBLIC,
      handler: (req) => { const g = must(groups, req.params.id!, 'Security group'); if (g.name === 'default') throw new Conflict('Insufficient rights for removing default security group.'); groups.delete(g.id); return undefined; },
    },
    {
      method: 'POST', path: '/v2.0/security-group-rules', policy: PUBLIC,
      handler: (req) => {
        const b = req.body.security_group_rule;
        must(groups, b.security_group_id, 'Security group');
        const r = { id: randomUUID(), direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, ...b };
        rules.set(r.id, r);
        return reply(201, { security_group_rule: r });
      },
    },
    { method: 'GET', path: '/v2.0/security-group-rules/:id', policy: PUBLIC, handler: (req) => ({ security_group_rule: must(rules, req.params.id!, 'Security group rule') }) },
    { method: 'DELETE', path: '/v2.0/security-group-rules/:id', policy: PUBLIC, handler: (req) => { must(rules, req.params.id!, 'Security group rule'); rules.delete(req.params.id!); return undefined; } },
    { method: 'GET', path: '/v2.0/floatingips', policy: PUBLIC, handler: () => ({ floatingips: [] }) },
  ];
  const def = defineService({
    id: 'network', prefix: '/networking', catalog: { type: 'network', name: 'neutron', path: '' }, migrations: [],
    async init() { return { routes, faultStyle: 'neutron' }; },
  });
  return Object.assign(def, { state: { networks, subnets, ports, groups } });
}
