// The floating IP proxy of Nova before 2.36 (os-floating-ips, os-floating-ip-pools) and the
// addFloatingIp/removeFloatingIp actions (before 2.44), kept by the network service.
import { BadRequest, Conflict, NotFound } from '../../../lib/errors.ts';
import type { NetworkClient } from '../../../lib/clients/network.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';
import { refreshNetworkInfo } from '../service/networks.ts';
import type { ActionHandler } from './actions-basic.ts';
import { mvAtLeast } from './common.ts';
import { T, validate } from './validation.ts';

type Fip = Record<string, any>;

async function poolNames(net: NetworkClient): Promise<Map<string, string>> {
  return new Map((await net.listNetworks({ 'router:external': true })).map((n) => [n.id, n.name || n.id]));
}

const view = (f: Fip, pools: Map<string, string>) => ({
  fixed_ip: f.fixed_ip_address ?? null, id: f.id, instance_id: f.port_details?.device_id || (f.port_id ? f.instance_id ?? null : null) || null,
  ip: f.floating_ip_address, pool: pools.get(f.floating_network_id) ?? f.floating_network_id,
});

export function floatingIpRoutes(deps: ComputeDeps): Route[] {
  const proxyOnly = (req: ApiRequest) => { if (mvAtLeast(req, '2.36')) throw new NotFound('The resource could not be found.'); };
  /** The port's device, for fips whose port_details the network service does not show. */
  const withInstance = async (svc: NetworkClient, f: Fip): Promise<Fip> => {
    if (!f.port_id || f.port_details) return f;
    const port = await svc.getPort(f.port_id).catch(() => undefined);
    return { ...f, instance_id: port?.device_id || null };
  };
  const get = async (req: ApiRequest): Promise<Fip> => {
    try { return await (await deps.clients.network(req.ctx)).getFloatingIp(req.params.id!); } catch (err) {
      if (err instanceof NotFound || (err as { status?: number }).status === 400) throw new NotFound(`Floating IP not found for ID ${req.params.id}`);
      throw err;
    }
  };
  return [
    {
      method: 'GET', path: '/v2.1/os-floating-ips', policy: 'os_compute_api:os-floating-ips:list',
      handler: async (req) => {
        proxyOnly(req);
        const net = await deps.clients.network(req.ctx);
        const svc = await deps.clients.networkAsService(req.ctx.requestId);
        const pools = await poolNames(svc);
        const fips = await net.listFloatingIps({ project_id: req.ctx.projectId ?? '' });
        return { floating_ips: await Promise.all(fips.map(async (f) => view(await withInstance(svc, f), pools))) };
      },
    },
    {
      method: 'GET', path: '/v2.1/os-floating-ips/:id', policy: 'os_compute_api:os-floating-ips:show',
      handler: async (req) => {
        proxyOnly(req);
        const svc = await deps.clients.networkAsService(req.ctx.requestId);
        return { floating_ip: view(await withInstance(svc, await get(req)), await poolNames(svc)) };
      },
    },
    {
      method: 'POST', path: '/v2.1/os-floating-ips', policy: 'os_compute_api:os-floating-ips:create',
      handler: async (req) => {
        proxyOnly(req);
        if (req.body !== undefined) validate(req.body, { type: ['object', 'null'], properties: { pool: { type: ['string', 'null'] } }, additionalProperties: false });
        const svc = await deps.clients.networkAsService(req.ctx.requestId);
        const pools = await poolNames(svc);
        const pool: string | undefined = req.body?.pool ?? undefined;
        const netId = pool ? [...pools].find(([id, name]) => name === pool || id === pool)?.[0] : [...pools.keys()][0];
        if (!netId) throw new NotFound(pool ? `Floating IP pool not found.` : 'No more floating IPs available.');
        let f: Fip;
        try { f = await (await deps.clients.network(req.ctx)).createFloatingIp({ floating_network_id: netId }); } catch (err) {
          if ((err as { status?: number }).status === 409) throw new NotFound(pool ? `No more floating IPs in pool ${pool}.` : 'No more floating IPs available.');
          throw err;
        }
        return { floating_ip: view(f, pools) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/os-floating-ips/:id', policy: 'os_compute_api:os-floating-ips:delete',
      handler: async (req) => {
        proxyOnly(req);
        const f = await get(req);
        await (await deps.clients.network(req.ctx)).deleteFloatingIp(f.id);
        const svc = await deps.clients.networkAsService(req.ctx.requestId);
        const owner = f.port_id ? (await svc.getPort(f.port_id).catch(() => undefined))?.device_id : undefined;
        const inst = owner ? await deps.repos.instances.get(owner) : undefined;
        if (inst) await refreshNetworkInfo(deps, req.ctx.requestId, inst).catch(() => undefined);
        return reply(202);
      },
    },
    {
      method: 'GET', path: '/v2.1/os-floating-ip-pools', policy: 'os_compute_api:os-floating-ip-pools',
      handler: async (req) => {
        proxyOnly(req);
        return { floating_ip_pools: [...(await poolNames(await deps.clients.networkAsService(req.ctx.requestId))).values()].map((name) => ({ name })) };
      },
    },
  ];
}

async function fipByAddress(net: NetworkClient, address: string): Promise<Fip> {
  const [f] = await net.listFloatingIps({ floating_ip_address: address });
  if (!f) throw new NotFound('floating IP not found');
  return f;
}

export const floatingIpActions: Record<string, ActionHandler> = {
  addFloatingIp: async (deps, req, inst: Instance, body) => {
    if (mvAtLeast(req, '2.44')) throw new BadRequest('There is no such action: addFloatingIp');
    validate(body, { type: 'object', required: ['addFloatingIp'], additionalProperties: false, properties: { addFloatingIp: { type: 'object', required: ['address'], additionalProperties: false, properties: { address: T.ipAddress, fixed_address: T.ipAddress } } } });
    deps.policy.authorize('os_compute_api:os-floating-ips:add', { project_id: inst.project_id }, req.ctx);
    const { address, fixed_address: fixed } = body.addFloatingIp;
    if (!inst.network_info.length) throw new BadRequest('Instance network is not ready yet');
    const fixedIps = inst.network_info.flatMap((v) => v.ips.filter((ip) => ip.type === 'fixed').map((ip) => ({ ...ip, port: v.port_id })));
    if (!fixedIps.length) throw new BadRequest('No fixed IPs associated to instance');
    const target = fixed ? fixedIps.find((ip) => ip.address === fixed) : fixedIps.find((ip) => ip.version === 4);
    if (!target) throw new BadRequest(fixed ? 'Specified fixed address not assigned to instance' : `Unable to associate floating IP ${address} to any fixed IPs for instance ${inst.uuid}. Instance has no fixed IPv4 addresses to associate.`);
    const net = await deps.clients.network(req.ctx);
    const f = await fipByAddress(net, address);
    // An associated address moves to this server (Nova's associate_floating_ip does the same).
    const previousPort: string | null = f.port_id ?? null;
    try {
      await net.updateFloatingIp(f.id, { port_id: target.port, fixed_ip_address: target.address });
    } catch (err) {
      // Nova turns whatever the network service refuses into a 400.
      throw new BadRequest(`Unable to associate floating IP ${address} to fixed IP ${target.address} for instance ${inst.uuid}. Error: ${(err as Error).message}`);
    }
    await refreshNetworkInfo(deps, req.ctx.requestId, inst);
    if (previousPort && previousPort !== target.port) {
      const svc = await deps.clients.networkAsService(req.ctx.requestId);
      const owner = (await svc.getPort(previousPort).catch(() => undefined))?.device_id;
      const old = owner && owner !== inst.uuid ? await deps.repos.instances.get(owner) : undefined;
      if (old) await refreshNetworkInfo(deps, req.ctx.requestId, old).catch(() => undefined);
    }
    return reply(202);
  },
  removeFloatingIp: async (deps, req, inst: Instance, body) => {
    if (mvAtLeast(req, '2.44')) throw new BadRequest('There is no such action: removeFloatingIp');
    validate(body, { type: 'object', required: ['removeFloatingIp'], additionalProperties: false, properties: { removeFloatingIp: { type: 'object', required: ['address'], additionalProperties: false, properties: { address: T.ipAddress } } } });
    deps.policy.authorize('os_compute_api:os-floating-ips:remove', { project_id: inst.project_id }, req.ctx);
    const net = await deps.clients.network(req.ctx);
    const f = await fipByAddress(net, body.removeFloatingIp.address);
    if (!f.port_id || !inst.network_info.some((v) => v.port_id === f.port_id)) throw new Conflict(`Floating IP ${body.removeFloatingIp.address} is not associated with instance ${inst.uuid}.`);
    await net.updateFloatingIp(f.id, { port_id: null });
    await refreshNetworkInfo(deps, req.ctx.requestId, inst);
    return reply(202);
  },
};
