// Servers and the network service, as Nova's neutron API module does it: requested networks are
// checked at create (400/409 before the 202), ports are created with the user's token and bound
// to the host with compute's own, and every port a build made is removed again on failure or
// delete (a port the user brought is only unbound).
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { NetworkClient, NeutronPort } from '../../../lib/clients/network.ts';
import { BadRequest, CloudError, Conflict, NotFound } from '../../../lib/errors.ts';
import type { Logger } from '../../../lib/log.ts';
import type { RequestedNetworks, Vif } from '../model/instance.ts';

/** A concrete request the build can act on: a network to make a port in, or a port to bind. */
export interface NetworkRequest { network_id?: string; port_id?: string; fixed_ip?: string; tag?: string | null }

/** The network service is not there at all (not deployed in this cloud). */
export const networkServiceAbsent = (err: unknown): boolean =>
  err instanceof CloudError && (err.status === 503 || (err.status === 404 && /\/v2\.0\/networks(\?|$)/.test(err.message) && !/Network /.test(err.message)));

/** Networks a project may boot on without naming one: its own and the shared ones. */
async function availableNetworks(net: NetworkClient, projectId: string): Promise<Array<{ id: string; subnets: string[] }>> {
  const own = await net.listNetworks({ project_id: projectId, 'router:external': false });
  const shared = await net.listNetworks({ shared: true });
  const seen = new Set<string>();
  return [...own, ...shared].filter((n) => !n['router:external'] && !seen.has(n.id) && seen.add(n.id));
}

/**
 * Checks `requested` for a create of `maxCount` servers and resolves it to concrete requests
 * (Nova's validate_networks). Unspecified networks (before 2.37) and 'auto' mean "the one
 * network this project can use"; none is fine for the former, an error for 'auto'.
 */
export async function validateNetworks(net: NetworkClient | undefined, ctx: RequestContext, requested: RequestedNetworks | undefined, maxCount: number, log: Logger): Promise<NetworkRequest[]> {
  if (requested === 'none') return [];
  if (!net) {
    if (requested === undefined || requested === null) return [];
    throw new BadRequest('The network service is not available.');
  }
  const projectId = ctx.projectId ?? '';
  if (requested === undefined || requested === null || requested === 'auto') {
    let nets;
    try {
      nets = await availableNetworks(net, projectId);
    } catch (err) {
      if ((requested === undefined || requested === null) && networkServiceAbsent(err)) {
        log.warn({ err }, 'network service absent: the server gets no network');
        return [];
      }
      throw err;
    }
    if (nets.length > 1) throw new Conflict('Multiple possible networks found, use a Network ID to be more specific.');
    if (nets.length === 0) {
      if (requested === 'auto') throw new BadRequest(`Unable to automatically allocate a network for project ${projectId}`);
      return [];
    }
    return [{ network_id: nets[0]!.id }];
  }
  const out: NetworkRequest[] = [];
  const ports = new Set<string>();
  for (const r of requested) {
    if (r.port) {
      if (ports.has(r.port)) throw new BadRequest(`Port ID '${r.port}' was specified twice: you cannot attach a port multiple times.`);
      if (r.fixed_ip) throw new BadRequest(`Specified Fixed IP '${r.fixed_ip}' cannot be used with port '${r.port}': the two cannot be specified together.`);
      ports.add(r.port);
      if (maxCount > 1) throw new BadRequest('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.');
      let port: NeutronPort;
      try { port = await net.getPort(r.port); } catch (err) {
        if (err instanceof NotFound) throw new BadRequest(`Port id ${r.port} could not be found.`);
        throw err;
      }
      if (port.device_id) throw new Conflict(`Port ${r.port} is still in use.`);
      if (!port.fixed_ips?.length) throw new BadRequest(`Port ${r.port} requires a FixedIP in order to be used.`);
      out.push({ port_id: r.port, tag: r.tag ?? null });
      continue;
    }
    if (!r.uuid) throw new BadRequest('Bad network format: missing uuid');
    if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(r.uuid)) throw new BadRequest(`Bad networks format: network uuid is not in proper format (${r.uuid})`);
    if (r.fixed_ip && maxCount > 1) throw new BadRequest('max_count cannot be greater than 1 if an fixed_ip is specified.');
    let network;
    try { network = await net.getNetwork(r.uuid); } catch (err) {
      if (err instanceof NotFound) throw new BadRequest(`Network ${r.uuid} could not be found.`);
      throw err;
    }
    if (!network.subnets?.length) throw new BadRequest(`Network ${r.uuid} requires a subnet in order to boot instances on.`);
    out.push({ network_id: r.uuid, fixed_ip: r.fixed_ip, tag: r.tag ?? null });
  }
  return out;
}

/** The cache entry of a port (what `addresses` and os-interface show). */
export function vifOf(port: NeutronPort, label: string, preexisting: boolean, tag?: string | null): Vif {
  return {
    port_id: port.id, network_id: port.network_id, network_label: label, mac_address: port.mac_address, preexisting, tag: tag ?? null,
    ips: (port.fixed_ips ?? []).map((ip) => ({ address: ip.ip_address, version: ip.ip_address.includes(':') ? 6 : 4, subnet_id: ip.subnet_id, type: 'fixed' as const })),
  };
}

export interface PortBinding { instanceUuid: string; host: string; zone: string }

/**
 * Makes (or takes) and binds the ports of one server. On failure every port made so far is
 * deleted and every taken one unbound before the error goes up.
 */
export async function allocatePorts(user: NetworkClient, service: NetworkClient, ctx: RequestContext, requests: NetworkRequest[],
  securityGroups: string[], b: PortBinding): Promise<Vif[]> {
  const vifs: Vif[] = [];
  const labels = new Map<string, string>();
  const label = async (networkId: string) => {
    if (!labels.has(networkId)) labels.set(networkId, (await service.getNetwork(networkId)).name || networkId);
    return labels.get(networkId)!;
  };
  const binding = { device_id: b.instanceUuid, device_owner: `compute:${b.zone}`, 'binding:host_id': b.host };
  try {
    let sgIds: string[] | undefined;
    for (const r of requests) {
      let port: NeutronPort;
      if (r.port_id) {
        port = await service.updatePort(r.port_id, binding);
        vifs.push(vifOf(port, await label(port.network_id), true, r.tag));
        continue;
      }
      const body: Record<string, unknown> = { network_id: r.network_id, device_id: b.instanceUuid, device_owner: `compute:${b.zone}`, admin_state_up: true };
      if (r.fixed_ip) body.fixed_ips = [{ ip_address: r.fixed_ip }];
      const net = await service.getNetwork(r.network_id!);
      if (securityGroups.length && net.port_security_enabled !== false) {
        sgIds ??= await user.securityGroupIds(ctx.projectId ?? '', securityGroups);
        body.security_groups = sgIds;
      }
      port = await user.createPort(body);
      // Only compute (admin/service) may bind: Nova's admin client does this update.
      vifs.push(vifOf(port, net.name || port.network_id, false, r.tag));
      port = await service.updatePort(port.id, { 'binding:host_id': b.host });
      vifs[vifs.length - 1] = vifOf(port, net.name || port.network_id, false, r.tag);
    }
    return vifs;
  } catch (err) {
    await releasePorts(service, vifs).catch(() => undefined);
    if (err instanceof NotFound && /\/v2\.0\/networks\//.test(err.message)) throw new BadRequest(err.message);
    throw err;
  }
}

/** Deletes the ports compute made and unbinds the ones the user brought; gone ports are fine. */
export async function releasePorts(service: NetworkClient, vifs: Vif[]): Promise<void> {
  let first: unknown;
  for (const v of vifs) {
    try {
      if (v.preexisting) await service.updatePort(v.port_id, { device_id: '', device_owner: '', 'binding:host_id': null });
      else await service.deletePort(v.port_id);
    } catch (err) {
      if (!(err instanceof NotFound)) first ??= err;
    }
  }
  if (first) throw first;
}

/** Ports the network service says belong to a server but compute did not keep (crash mid-build). */
export async function strayPorts(service: NetworkClient, instanceUuid: string, known: Vif[], requestedPorts: string[]): Promise<NeutronPort[]> {
  const ports = await service.listPorts({ device_id: instanceUuid });
  return ports.filter((p) => !known.some((v) => v.port_id === p.id) && !requestedPorts.includes(p.id));
}

/**
 * Rebuilds a server's network info cache from the network service (Nova's info cache heal, run
 * on network-changed events): fixed IPs of its ports plus the floating IPs pointing at them.
 */
export async function refreshNetworkInfo(deps: { clients: { networkAsService(id?: string): Promise<NetworkClient> }; repos: { instances: { update(uuid: string, c: { network_info: Vif[] }, e: object): Promise<boolean> } } },
  requestId: string, inst: { uuid: string; network_info: Vif[] }): Promise<Vif[]> {
  const svc = await deps.clients.networkAsService(requestId);
  const ports = await svc.listPorts({ device_id: inst.uuid });
  const fips = ports.length ? await svc.listFloatingIps({ port_id: ports.map((p) => p.id) }).catch(() => []) : [];
  const labels = new Map<string, string>();
  const vifs: Vif[] = [];
  for (const p of ports) {
    if (!labels.has(p.network_id)) labels.set(p.network_id, await svc.getNetwork(p.network_id).then((n) => n.name || n.id, () => p.network_id));
    const old = inst.network_info.find((v) => v.port_id === p.id);
    const vif = vifOf(p, labels.get(p.network_id)!, old?.preexisting ?? false, old?.tag);
    for (const f of fips.filter((x) => x.port_id === p.id)) vif.ips.push({ address: f.floating_ip_address, version: String(f.floating_ip_address).includes(':') ? 6 : 4, type: 'floating' });
    vifs.push(vif);
  }
  await deps.repos.instances.update(inst.uuid, { network_info: vifs }, {});
  return vifs;
}
