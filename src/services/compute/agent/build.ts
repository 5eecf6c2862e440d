// build_and_run_instance (nova.compute.manager._do_build_and_run_instance): image → ports →
// driver.spawn → ACTIVE, each step undone on failure. A failed spawn is rescheduled to another
// host by the conductor; a request that can never work (bad port, bad image) goes to ERROR.
import type { RequestContext } from '../../../lib/auth/context.ts';
import { BadRequest, CloudError, Conflict } from '../../../lib/errors.ts';
import type { GuestImage } from '../drivers/driver.ts';
import type { Instance, Vif } from '../model/instance.ts';
import { POWER, TASK, VM } from '../model/states.ts';
import { computeHost, notify, withEvent } from '../service/events.ts';
import { allocatePorts, releasePorts, type NetworkRequest } from '../service/networks.ts';
import { guestSpec, type AgentHost } from './host.ts';

/** Failures a reschedule cannot fix (Nova's BuildAbortException). */
const isAbort = (err: unknown): boolean => err instanceof BadRequest || err instanceof Conflict || (err instanceof CloudError && err.status === 404);

export async function guestImage(a: AgentHost, ctx: RequestContext, inst: Instance, imageRef = inst.image_ref): Promise<GuestImage | null> {
  if (!imageRef) return null;
  const img = await a.deps.images.get(ctx, imageRef);
  const skip = new Set(['id', 'name', 'status', 'visibility', 'owner', 'size', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'checksum',
    'created_at', 'updated_at', 'tags', 'self', 'file', 'schema', 'protected', 'os_hidden', 'os_hash_algo', 'os_hash_value', 'virtual_size']);
  return {
    id: img.id, name: img.name, disk_format: img.disk_format, container_format: img.container_format, size: img.size,
    min_disk: img.min_disk ?? 0, min_ram: img.min_ram ?? 0, properties: Object.fromEntries(Object.entries(img).filter(([k]) => !skip.has(k))),
    fetch: async () => {
      const { Readable } = await import('node:stream');
      const res = await fetch(`${await a.deps.endpoints.url('image')}/v2/images/${img.id}/file`, { headers: { 'x-auth-token': ctx.authToken ?? await a.deps.endpoints.serviceToken() } });
      if (!res.ok || !res.body) throw new CloudError(`could not download image ${img.id}: ${res.status}`);
      return Readable.fromWeb(res.body as never);
    },
  };
}

/** Ports for the server's requested networks, bound to this host. */
export async function networkFor(a: AgentHost, ctx: RequestContext, inst: Instance): Promise<Vif[]> {
  const requests: NetworkRequest[] = (Array.isArray(inst.request_spec.requested_networks) ? inst.request_spec.requested_networks : [])
    .map((r) => ({ network_id: r.uuid, port_id: r.port, fixed_ip: r.fixed_ip, tag: r.tag ?? null }));
  if (!requests.length) return [];
  const [user, service] = await Promise.all([a.deps.clients.network(ctx), a.deps.clients.networkAsService(ctx.requestId)]);
  return allocatePorts(user, service, ctx, requests, inst.security_groups, { instanceUuid: inst.uuid, host: a.host, zone: inst.availability_zone ?? 'nova' });
}

export async function buildAndRun(a: AgentHost, ctx: RequestContext, args: { instance_uuid: string; admin_password?: string }): Promise<void> {
  const d = a.deps;
  const uuid = args.instance_uuid;
  await d.foreground.run(() => a.locks.run(uuid, async () => {
    let inst = await d.repos.instances.get(uuid);
    if (!inst || inst.host !== a.host || inst.task_state !== TASK.SCHEDULING) {
      // Deleted (or moved on) while it was being scheduled: its claim is ours to drop.
      if (!inst || inst.task_state === TASK.DELETING) await d.placement.deleteAllocations(uuid).catch(() => undefined);
      return;
    }
    const set = async (changes: Partial<Instance>, expect: (string | null)[]) => {
      await d.foreground.checkpoint();
      if (!await d.repos.instances.update(uuid, changes, { taskState: expect })) throw new Aborted();
      inst = { ...inst!, ...changes };
    };
    let vifs: Vif[] = [];
    let spawned = false;
    const publisher = computeHost(a.host);
    try {
      await withEvent(d, ctx, uuid, 'compute__do_build_and_run_instance', a.host, async () => {
        // Nova passes through task None and block_device_mapping too; with no volumes to map,
        // those writes show nothing to anyone, so the states go scheduling → networking → spawning.
        await notify(d, ctx, inst!, { action: 'create', phase: 'start', publisher });
        const image = await guestImage(a, ctx, inst!);
        await set({ task_state: TASK.NETWORKING }, [TASK.SCHEDULING]);
        vifs = await networkFor(a, ctx, inst!);
        const volumes = inst!.block_devices.some((b) => b.destination_type === 'volume');
        if (volumes) await set({ task_state: TASK.BLOCK_DEVICE_MAPPING, network_info: vifs }, [TASK.NETWORKING]);
        await set({ task_state: TASK.SPAWNING, root_device_name: '/dev/vda', network_info: vifs }, [volumes ? TASK.BLOCK_DEVICE_MAPPING : TASK.NETWORKING]);
        await a.driver.spawn(guestSpec(inst!, args.admin_password ?? null, image));
        spawned = true;
        await set({ vm_state: VM.ACTIVE, task_state: null, power_state: POWER.RUNNING, launched_at: new Date().toISOString(), progress: 0 }, [TASK.SPAWNING]);
      });
      await notify(d, ctx, inst!, { action: 'create', phase: 'end', publisher });
    } catch (err) {
      // Undo in reverse: the guest, the ports; then hand the server back to the conductor.
      if (spawned || err instanceof Aborted) await a.driver.destroy(uuid).catch(() => undefined);
      if (vifs.length) await releasePorts(await d.clients.networkAsService(ctx.requestId), vifs).catch((e) => a.log.warn({ err: e, instance: uuid }, 'could not release ports'));
      if (err instanceof Aborted) {
        // A delete took over: it finishes the cleanup once we let go of the lock.
        return;
      }
      const message = (err as Error).message ?? String(err);
      a.log.warn({ err, instance: uuid, host: a.host }, 'build failed');
      // Every failed attempt is announced, rescheduled or not (Nova's _build_and_run_instance).
      await notify(d, ctx, inst!, { action: 'create', phase: 'error', publisher, error: err });
      await d.placement.deleteAllocations(uuid).catch(() => undefined);
      if (isAbort(err)) {
        if (await d.repos.instances.update(uuid, { vm_state: VM.ERROR, task_state: null, network_info: [] }, {})) {
          await d.repos.instances.addFault(uuid, { code: (err as CloudError).status ?? 500, message: `Build of instance ${uuid} aborted: ${message}`, details: (err as Error).stack ?? null, host: a.host });
        }
        return;
      }
      const back = await d.repos.instances.update(uuid, { task_state: TASK.SCHEDULING, host: null, node: null, network_info: [] }, { taskState: [TASK.SCHEDULING, null, TASK.NETWORKING, TASK.BLOCK_DEVICE_MAPPING, TASK.SPAWNING] });
      if (back) await d.bus.cast(ctx, { topic: 'conductor' }, 'reschedule_instance', { instance_uuid: uuid, failed_host: a.host, reason: message, admin_password: args.admin_password });
    }
  }));
}

/** The server was deleted (or taken) while it was being built. */
class Aborted extends Error {}
