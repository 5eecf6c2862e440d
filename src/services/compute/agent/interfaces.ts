// Port attach and detach on a running server (os-interface), done by the server's host.
import type { RpcMethod } from '../../../lib/bus/index.ts';
import { NotFound } from '../../../lib/errors.ts';
import type { Vif } from '../model/instance.ts';
import { computeHost, notifyAround } from '../service/events.ts';
import { allocatePorts, releasePorts } from '../service/networks.ts';
import type { AgentHost } from './host.ts';

export function interfaceMethods(a: AgentHost): Record<string, RpcMethod> {
  const d = a.deps;
  return {
    /** Called (not cast): the API answers with the new interface. */
    attach_interface: (ctx, args: { instance_uuid: string; network_id?: string; port_id?: string; fixed_ip?: string; tag?: string }) =>
      a.locks.run(args.instance_uuid, async (): Promise<Vif> => {
        const inst = await d.repos.instances.get(args.instance_uuid);
        if (!inst) throw new NotFound(`Instance ${args.instance_uuid} could not be found.`);
        return notifyAround(d, ctx, inst, 'interface_attach', computeHost(a.host), async () => {
          const [user, service] = await Promise.all([d.clients.network(ctx), d.clients.networkAsService(ctx.requestId)]);
          const [vif] = await allocatePorts(user, service, ctx, [{ network_id: args.network_id, port_id: args.port_id, fixed_ip: args.fixed_ip, tag: args.tag ?? null }],
            args.port_id ? [] : inst.security_groups, { instanceUuid: inst.uuid, host: a.host, zone: inst.availability_zone ?? 'nova' });
          try {
            await a.driver.attachInterface(inst.uuid, { port_id: vif!.port_id, network_id: vif!.network_id, mac_address: vif!.mac_address, ips: vif!.ips });
          } catch (err) {
            await releasePorts(service, [vif!]).catch(() => undefined);
            throw err;
          }
          await d.repos.instances.update(inst.uuid, { network_info: [...inst.network_info, vif!] }, {});
          return vif!;
        }, { error: true });
      }),
    detach_interface: (ctx, args: { instance_uuid: string; port_id: string }) =>
      a.locks.run(args.instance_uuid, async () => {
        const inst = await d.repos.instances.get(args.instance_uuid);
        const vif = inst?.network_info.find((v) => v.port_id === args.port_id);
        if (!inst || !vif) return;
        await notifyAround(d, ctx, inst, 'interface_detach', computeHost(a.host), async () => {
          await a.driver.detachInterface(inst.uuid, args.port_id).catch(() => undefined);
          await releasePorts(await d.clients.networkAsService(ctx.requestId), [vif]);
          await d.repos.instances.update(inst.uuid, { network_info: inst.network_info.filter((v) => v.port_id !== args.port_id) }, {});
        });
      }),
  };
}
