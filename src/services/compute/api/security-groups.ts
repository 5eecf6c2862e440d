// The os-security-groups proxy (Nova before 2.36, still required by the 2022.11 interop
// guideline): groups and ingress rules kept by the network service, shown in Nova's format;
// GET /servers/{id}/os-security-groups; the addSecurityGroup/removeSecurityGroup actions.
import { BadRequest, CloudError, Conflict, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { isUuidLike } from '../../../lib/ids.ts';
import type { NetworkClient, NeutronSecurityGroup, NeutronSecurityGroupRule } from '../../../lib/clients/network.ts';
import type { ComputeDeps } from '../deps.ts';
import type { ActionHandler } from './actions-basic.ts';
import { mvAtLeast, serverTarget, targetInstance } from './common.ts';
import { validate } from './validation.ts';

const nameSchema = { type: 'string', minLength: 0, maxLength: 255 };

/** Nova's security_group_api.validate_id: groups and rules are uuids (400 otherwise). */
function validId(id: string): string {
  if (!isUuidLike(id)) throw new BadRequest('Security group id should be uuid');
  return id;
}

/** Neutron's 404/409 as Nova's proxy reports them (security_group_api). */
function translate(err: unknown, id?: string): never {
  if (err instanceof NotFound) throw new NotFound(id ? `Security group ${id} not found.` : (err as Error).message);
  if (err instanceof Conflict || (err instanceof CloudError && err.status === 400)) throw new BadRequest((err as Error).message.replace(/^[A-Z]+ \S+: /, ''));
  throw err;
}

export function formatRule(r: NeutronSecurityGroupRule, groups: Map<string, NeutronSecurityGroup>): Record<string, unknown> {
  let from = r.port_range_min;
  let to = r.port_range_max;
  const proto = r.protocol;
  if (proto && from === null && to === null) {
    if (['TCP', 'UDP'].includes(proto.toUpperCase())) { from = 1; to = 65535; } else if (proto.toUpperCase() === 'ICMP') { from = -1; to = -1; }
  }
  const rg = r.remote_group_id ? groups.get(r.remote_group_id) : undefined;
  return {
    id: r.id, parent_group_id: r.security_group_id, ip_protocol: proto, from_port: from, to_port: to,
    group: r.remote_group_id ? (rg ? { name: rg.name, tenant_id: rg.project_id ?? rg.tenant_id } : {}) : {},
    ip_range: r.remote_group_id ? {} : { cidr: r.remote_ip_prefix ?? (r.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0') },
  };
}

export function formatGroup(g: NeutronSecurityGroup, groups: Map<string, NeutronSecurityGroup>): Record<string, unknown> {
  return {
    id: g.id, description: g.description ?? '', name: g.name, tenant_id: g.project_id ?? g.tenant_id,
    rules: (g.security_group_rules ?? []).filter((r) => r.direction === 'ingress').map((r) => formatRule(r, groups)),
  };
}

const sorted = (list: Array<Record<string, unknown>>) => list.sort((a, b) => String(a.tenant_id).localeCompare(String(b.tenant_id)) || String(a.name).localeCompare(String(b.name)));

/** The proxy exists up to 2.35 only; later microversions get 404 as in Nova. */
function proxyOnly(req: ApiRequest): void {
  if (mvAtLeast(req, '2.36')) throw new NotFound('The resource could not be found.');
}

async function groupsById(net: NetworkClient, projectId: string): Promise<Map<string, NeutronSecurityGroup>> {
  return new Map((await net.listSecurityGroups({ project_id: projectId })).map((g) => [g.id, g]));
}

/** os-networks and os-tenant-networks (before 2.36): the network service's networks, as Nova lists them. */
export function networkProxyRoutes(deps: ComputeDeps): Route[] {
  const isAdmin = (req: ApiRequest) => deps.policy.can('context_is_admin', {}, req.ctx);
  const ADMIN_FIELDS = ['created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge', 'vlan', 'vpn_public_address', 'vpn_public_port',
    'vpn_private_address', 'dhcp_start', 'project_id', 'host', 'bridge_interface', 'multi_host', 'priority', 'rxtx_base', 'mtu', 'dhcp_server', 'enable_dhcp', 'share_address'];
  const networkDict = (req: ApiRequest, n: { id: string; name: string }) => {
    const out: Record<string, unknown> = { id: n.id, cidr: null, netmask: null, gateway: null, broadcast: null, dns1: null, dns2: null, cidr_v6: null, gateway_v6: null, label: n.name, netmask_v6: null };
    if (isAdmin(req)) for (const f of ADMIN_FIELDS) out[f] = null;
    return out;
  };
  const tenantDict = (n: { id: string; name: string }) => ({ id: n.id, cidr: 'None', label: n.name });
  const find = async (req: ApiRequest) => {
    try { return await (await deps.clients.network(req.ctx)).getNetwork(req.params.id!); } catch (err) {
      if (err instanceof NotFound) throw new NotFound('Network not found');
      throw err;
    }
  };
  const visible = async (req: ApiRequest) => (await deps.clients.network(req.ctx)).listNetworks(isAdmin(req) ? {} : { project_id: req.ctx.projectId ?? '' })
    .then(async (own) => (isAdmin(req) ? own : [...own, ...(await (await deps.clients.network(req.ctx)).listNetworks({ shared: true })).filter((n) => !own.some((o) => o.id === n.id))]));
  return [
    { method: 'GET', path: '/v2.1/os-networks', policy: 'os_compute_api:os-networks:list', handler: async (req) => { proxyOnly(req); return { networks: (await visible(req)).map((n) => networkDict(req, n)) }; } },
    { method: 'GET', path: '/v2.1/os-networks/:id', policy: 'os_compute_api:os-networks:show', handler: async (req) => { proxyOnly(req); return { network: networkDict(req, await find(req)) }; } },
    { method: 'GET', path: '/v2.1/os-tenant-networks', policy: 'os_compute_api:os-tenant-networks:list', handler: async (req) => { proxyOnly(req); return { networks: (await visible(req)).map(tenantDict) }; } },
    { method: 'GET', path: '/v2.1/os-tenant-networks/:id', policy: 'os_compute_api:os-tenant-networks:show', handler: async (req) => { proxyOnly(req); return { network: tenantDict(await find(req)) }; } },
  ];
}

export function securityGroupRoutes(deps: ComputeDeps): Route[] {
  const net = (req: ApiRequest) => deps.clients.network(req.ctx);
  const groupBody = { type: 'object', required: ['security_group'], additionalProperties: false, properties: { security_group: { type: 'object', required: ['name', 'description'], additionalProperties: false, properties: { name: nameSchema, description: nameSchema } } } };
  return [
    {
      method: 'GET', path: '/v2.1/os-security-groups', policy: 'os_compute_api:os-security-groups:get',
      handler: async (req) => {
        proxyOnly(req);
        const allTenants = req.query.all_tenants !== undefined && deps.policy.can('context_is_admin', {}, req.ctx);
        const n = allTenants ? await deps.clients.networkAsService(req.ctx.requestId) : await net(req);
        const all = await n.listSecurityGroups(allTenants ? {} : { project_id: req.ctx.projectId ?? '' });
        const map = new Map(all.map((g) => [g.id, g]));
        return { security_groups: sorted(all.map((g) => formatGroup(g, map))) };
      },
    },
    {
      method: 'POST', path: '/v2.1/os-security-groups', policy: 'os_compute_api:os-security-groups:create',
      handler: async (req) => {
        proxyOnly(req);
        validate(req.body, groupBody);
        const { name, description } = req.body.security_group;
        if (!name.trim()) throw new BadRequest('Security group name cannot be empty.');
        const n = await net(req);
        const g = await n.createSecurityGroup({ name, description }).catch((e) => translate(e));
        return { security_group: formatGroup(g, new Map([[g.id, g]])) };
      },
    },
    {
      // DELETE without an id: Nova's router has no such route (404, not 405).
      method: 'DELETE', path: '/v2.1/os-security-groups', policy: 'os_compute_api:os-security-groups:delete',
      handler: () => { throw new NotFound('The resource could not be found.'); },
    },
    {
      method: 'GET', path: '/v2.1/os-security-groups/:id', policy: 'os_compute_api:os-security-groups:show',
      handler: async (req) => {
        proxyOnly(req);
        const n = await net(req);
        validId(req.params.id!);
        const g = await n.getSecurityGroup(req.params.id!).catch((e) => translate(e, req.params.id));
        return { security_group: formatGroup(g, await groupsById(n, req.ctx.projectId ?? '')) };
      },
    },
    {
      method: 'PUT', path: '/v2.1/os-security-groups/:id', policy: 'os_compute_api:os-security-groups:update',
      handler: async (req) => {
        proxyOnly(req);
        validate(req.body, groupBody);
        const n = await net(req);
        validId(req.params.id!);
        await n.getSecurityGroup(req.params.id!).catch((e) => translate(e, req.params.id));
        const g = await n.updateSecurityGroup(req.params.id!, req.body.security_group).catch((e) => translate(e, req.params.id));
        return { security_group: formatGroup(g, await groupsById(n, req.ctx.projectId ?? '')) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/os-security-groups/:id', policy: 'os_compute_api:os-security-groups:delete',
      handler: async (req) => {
        proxyOnly(req);
        const n = await net(req);
        validId(req.params.id!);
        const g = await n.getSecurityGroup(req.params.id!).catch((e) => translate(e, req.params.id));
        if (g.name === 'default') throw new BadRequest('Removing default security group not allowed.');
        await n.deleteSecurityGroup(req.params.id!).catch((e) => translate(e, req.params.id));
        return reply(202);
      },
    },
    {
      method: 'POST', path: '/v2.1/os-security-group-rules', policy: 'os_compute_api:os-security-groups:rule:create',
      handler: async (req) => {
        proxyOnly(req);
        validate(req.body, { type: 'object', required: ['security_group_rule'], additionalProperties: false, properties: { security_group_rule: { type: 'object', properties: {
          group_id: { type: ['string', 'null'] }, parent_group_id: { type: 'string' }, to_port: { type: ['integer', 'string', 'null'] }, from_port: { type: ['integer', 'string', 'null'] },
          ip_protocol: { type: ['string', 'null'] }, cidr: { type: ['string', 'null'] } }, required: ['parent_group_id'], additionalProperties: false } } });
        const r = req.body.security_group_rule;
        const n = await net(req);
        validId(String(r.parent_group_id));
        if (r.group_id) validId(String(r.group_id));
        const parent = await n.getSecurityGroup(r.parent_group_id).catch((e) => translate(e, r.parent_group_id));
        const proto = r.ip_protocol ? String(r.ip_protocol).toLowerCase() : null;
        if (proto && !['tcp', 'udp', 'icmp'].includes(proto) && !/^\d+$/.test(proto)) throw new BadRequest(`Invalid IP protocol ${r.ip_protocol}.`);
        const from = r.from_port === undefined || r.from_port === null ? null : Number(r.from_port);
        const to = r.to_port === undefined || r.to_port === null ? null : Number(r.to_port);
        if ((from !== null && !Number.isInteger(from)) || (to !== null && !Number.isInteger(to))) throw new BadRequest('Invalid port range');
        if (proto === 'tcp' || proto === 'udp') {
          if (from === null || to === null || from < 1 || to > 65535 || from > to) throw new BadRequest(`Invalid port range ${from}:${to}. Valid TCP ports should be between 1-65535`);
        } else if (proto === 'icmp') {
          if ((from !== null && (from < -1 || from > 255)) || (to !== null && (to < -1 || to > 255))) throw new BadRequest(`Invalid port range ${from}:${to}. For ICMP, the type:code must be valid`);
        }
        if (!r.group_id && !r.cidr && !proto) throw new BadRequest('Not enough parameters to build a valid rule.');
        const body: Record<string, unknown> = { security_group_id: parent.id, direction: 'ingress', protocol: proto };
        if (r.group_id) {
          await n.getSecurityGroup(r.group_id).catch((e) => translate(e, r.group_id));
          body.remote_group_id = r.group_id;
          body.ethertype = 'IPv4';
        } else {
          const cidr = r.cidr ?? '0.0.0.0/0';
          body.remote_ip_prefix = cidr;
          body.ethertype = cidr.includes(':') ? 'IPv6' : 'IPv4';
        }
        if (proto === 'icmp') { if (from !== null && from !== -1) body.port_range_min = from; if (to !== null && to !== -1) body.port_range_max = to; } else if (proto) { body.port_range_min = from; body.port_range_max = to; }
        const rule = await n.createSecurityGroupRule(body).catch((e) => translate(e));
        return { security_group_rule: formatRule(rule, await groupsById(n, req.ctx.projectId ?? '')) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/os-security-group-rules/:id', policy: 'os_compute_api:os-security-groups:rule:delete',
      handler: async (req) => {
        proxyOnly(req);
        const n = await net(req);
        validId(req.params.id!);
        await n.getSecurityGroupRule(req.params.id!).catch((e) => translate(e));
        await n.deleteSecurityGroupRule(req.params.id!).catch((e) => translate(e));
        return reply(202);
      },
    },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/os-security-groups', policy: 'os_compute_api:os-security-groups:list',
      target: (req) => serverTarget(deps, req),
      handler: async (req) => {
        const inst = targetInstance(req);
        const n = await net(req);
        const all = await groupsById(n, inst.project_id);
        const ids = new Set<string>();
        const ports = inst.network_info.length ? await (await deps.clients.networkAsService(req.ctx.requestId)).listPorts({ device_id: inst.uuid }) : [];
        for (const p of ports) for (const id of p.security_groups ?? []) ids.add(id);
        const groups = [...ids].map((id) => all.get(id)).filter((g): g is NeutronSecurityGroup => Boolean(g));
        return { security_groups: sorted(groups.map((g) => formatGroup(g, all))) };
      },
    },
  ];
}

async function changeServerGroups(deps: ComputeDeps, req: ApiRequest, instUuid: string, body: any, add: boolean): Promise<unknown> {
  const action = add ? 'addSecurityGroup' : 'removeSecurityGroup';
  const inst = (await deps.repos.instances.get(instUuid))!;
  deps.policy.authorize(add ? 'os_compute_api:os-security-groups:add' : 'os_compute_api:os-security-groups:remove', { project_id: inst.project_id }, req.ctx);
  const p = body[action];
  if (!p || typeof p !== 'object') throw new BadRequest('Missing parameter dict');
  if (p.name === undefined) throw new BadRequest('Security group not specified');
  if (typeof p.name !== 'string' || !p.name.trim()) throw new BadRequest('Security group name cannot be empty');
  const user = await deps.clients.network(req.ctx);
  const groups = (await user.listSecurityGroups({ project_id: inst.project_id })).filter((g) => g.name === p.name || g.id === p.name);
  if (!groups.length) throw new NotFound(`Security group ${p.name} not found for project ${inst.project_id}.`);
  if (groups.length > 1) throw new Conflict(`Multiple security_group matches found for name '${p.name}', use an ID to be more specific.`);
  const sg = groups[0]!;
  const svc = await deps.clients.networkAsService(req.ctx.requestId);
  const ports = await svc.listPorts({ device_id: inst.uuid });
  if (!ports.length && add) throw new BadRequest('Network requires port_security_enabled and subnet associated in order to apply security groups.');
  if (!add && !ports.some((port) => port.security_groups.includes(sg.id))) throw new BadRequest(`Security group ${p.name} not assigned to the instance ${inst.uuid}`);
  for (const port of ports) {
    if (add && port.port_security_enabled === false) throw new BadRequest('Network requires port_security_enabled and subnet associated in order to apply security groups.');
    const next = add ? [...new Set([...port.security_groups, sg.id])] : port.security_groups.filter((id) => id !== sg.id);
    await svc.updatePort(port.id, { security_groups: next });
  }
  const names = add ? [...new Set([...inst.security_groups, sg.name])] : inst.security_groups.filter((n) => n !== sg.name);
  await deps.repos.instances.update(inst.uuid, { security_groups: names }, {});
  return reply(202);
}

export const securityGroupActions: Record<string, ActionHandler> = {
  addSecurityGroup: (deps, req, inst, body) => changeServerGroups(deps, req, inst.uuid, body, true),
  removeSecurityGroup: (deps, req, inst, body) => changeServerGroups(deps, req, inst.uuid, body, false),
};
