// Delete, snapshot (createImage), shelve/offload/unshelve and rebuild on the host.
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { RpcMethod } from '../../../lib/bus/index.ts';
import type { Instance } from '../model/instance.ts';
import { POWER, TASK, VM } from '../model/states.ts';
import { computeHost, notifyAround, withEvent } from '../service/events.ts';
import { releasePorts } from '../service/networks.ts';
import { guestImage, networkFor } from './build.ts';
import { guestSpec, step, type AgentHost } from './host.ts';

/** Removes everything the server holds: guest, ports, allocations; then the record. */
export async function destroyInstance(a: AgentHost, ctx: RequestContext, inst: Instance): Promise<void> {
  const d = a.deps;
  await a.driver.destroy(inst.uuid);
  if (inst.network_info.length) await releasePorts(await d.clients.networkAsService(ctx.requestId), inst.network_info);
  await d.placement.deleteAllocations(inst.uuid);
  await d.repos.instances.markDeleted(inst.uuid);
}

export async function terminate(a: AgentHost, ctx: RequestContext, args: { instance_uuid: string }): Promise<void> {
  await a.deps.foreground.run(() => a.locks.run(args.instance_uuid, async () => {
    const inst = await a.deps.repos.instances.get(args.instance_uuid);
    if (!inst) return;
    try {
      await withEvent(a.deps, ctx, inst.uuid, 'compute_terminate_instance', a.host,
        () => notifyAround(a.deps, ctx, inst, 'delete', computeHost(a.host), () => destroyInstance(a, ctx, inst)));
    } catch (err) {
      a.log.error({ err, instance: inst.uuid }, 'delete failed');
      await a.deps.repos.instances.update(inst.uuid, { vm_state: VM.ERROR, task_state: null }, {});
      await a.deps.repos.instances.addFault(inst.uuid, { code: 500, message: (err as Error).message, details: (err as Error).stack ?? null, host: a.host });
    }
  }));
}

/** Streams the guest's disk into an image the API created (queued). */
async function uploadSnapshot(a: AgentHost, ctx: RequestContext, inst: Instance, imageId: string): Promise<void> {
  const snap = await a.driver.snapshot(inst.uuid);
  const client = await a.deps.clients.image(ctx);
  await client.updateImage(imageId, [
    { op: 'add', path: '/disk_format', value: snap.disk_format }, { op: 'add', path: '/container_format', value: snap.container_format },
  ]).catch(() => undefined);
  await client.uploadData(imageId, snap.data);
}

export function lifecycleMethods(a: AgentHost): Record<string, RpcMethod> {
  const d = a.deps;
  const publisher = computeHost(a.host);
  return {
    terminate_instance: (ctx, args) => terminate(a, ctx, args),

    snapshot_instance: (ctx, args: { instance_uuid: string; image_id: string; backup?: { type: string; rotation: number } }) => step(a, ctx, args.instance_uuid, args.backup ? 'compute_backup_instance' : 'compute_snapshot_instance', async (inst) => {
      await notifyAround(d, ctx, inst, 'snapshot', publisher, async () => {
        await d.repos.instances.update(inst.uuid, { task_state: TASK.IMAGE_PENDING_UPLOAD }, {});
        try {
          await d.repos.instances.update(inst.uuid, { task_state: TASK.IMAGE_UPLOADING }, {});
          await uploadSnapshot(a, ctx, inst, args.image_id);
        } catch (err) {
          // A snapshot that failed leaves no half-made image behind.
          await (await d.clients.image(ctx)).deleteImage(args.image_id).catch(() => undefined);
          throw err;
        }
        await d.repos.instances.update(inst.uuid, { task_state: null }, {});
      }, { fields: { snapshot_image_id: args.image_id } });
      if (args.backup) await rotateBackups(a, ctx, inst.uuid, args.backup);
    }),

    shelve_instance: (ctx, args: { instance_uuid: string; image_id: string | null; offload: boolean }) => step(a, ctx, args.instance_uuid, 'compute_shelve_instance', async (inst) => {
      const sm = { ...inst.system_metadata, shelved_at: new Date().toISOString(), shelved_host: a.host, ...(args.image_id ? { shelved_image_id: args.image_id } : {}) };
      await notifyAround(d, ctx, inst, 'shelve', publisher, async () => {
        await a.driver.powerOff(inst.uuid).catch(() => undefined);
        if (args.image_id) {
          await d.repos.instances.update(inst.uuid, { task_state: TASK.SHELVING_IMAGE_PENDING_UPLOAD }, {});
          await d.repos.instances.update(inst.uuid, { task_state: TASK.SHELVING_IMAGE_UPLOADING }, {});
          await uploadSnapshot(a, ctx, inst, args.image_id);
        }
        await d.repos.instances.update(inst.uuid, { vm_state: VM.SHELVED, power_state: POWER.SHUTDOWN, task_state: args.offload ? TASK.SHELVING_OFFLOADING : null, system_metadata: sm }, {});
      });
      if (args.offload) await offload(a, ctx, { ...inst, vm_state: VM.SHELVED, power_state: POWER.SHUTDOWN, task_state: TASK.SHELVING_OFFLOADING, system_metadata: sm });
    }),

    shelve_offload_instance: (ctx, args: { instance_uuid: string }) => step(a, ctx, args.instance_uuid, 'compute_shelve_offload_instance', async (inst) => {
      await offload(a, ctx, inst);
    }),

    unshelve_instance: (ctx, args: { instance_uuid: string }) => step(a, ctx, args.instance_uuid, 'compute_unshelve_instance', async (inst) => {
      await notifyAround(d, ctx, inst, 'unshelve', publisher, async () => {
        const imageId = inst.system_metadata.shelved_image_id;
        const image = imageId ? await guestImage(a, ctx, inst, imageId).catch(() => null) : await guestImage(a, ctx, inst).catch(() => null);
        await d.repos.instances.update(inst.uuid, { task_state: TASK.SPAWNING }, {});
        const vifs = inst.network_info.length ? await rebind(a, ctx, inst) : await networkFor(a, ctx, inst);
        await a.driver.spawn(guestSpec({ ...inst, network_info: vifs }, null, image));
        const { shelved_at: _a, shelved_host: _h, shelved_image_id: _i, ...sm } = inst.system_metadata;
        await d.repos.instances.update(inst.uuid, { vm_state: VM.ACTIVE, power_state: POWER.RUNNING, task_state: null, network_info: vifs, system_metadata: sm }, {});
        // Nova deletes the shelve snapshot once the server runs again.
        if (imageId) await (await d.clients.image(ctx)).deleteImage(imageId).catch(() => undefined);
      });
    }),

    rebuild_instance: (ctx, args: { instance_uuid: string; image_ref: string; admin_password?: string; stopped: boolean }) => step(a, ctx, args.instance_uuid, 'compute_rebuild_instance', async (inst) => {
      await notifyAround(d, ctx, inst, 'rebuild', publisher, async () => {
        const image = await guestImage(a, ctx, inst, args.image_ref);
        await a.driver.destroy(inst.uuid);
        await d.repos.instances.update(inst.uuid, { task_state: TASK.REBUILD_BLOCK_DEVICE_MAPPING }, {});
        await d.repos.instances.update(inst.uuid, { task_state: TASK.REBUILD_SPAWNING }, {});
        await a.driver.spawn(guestSpec(inst, args.admin_password ?? null, image));
        if (args.stopped) await a.driver.powerOff(inst.uuid);
        await d.repos.instances.update(inst.uuid, {
          vm_state: args.stopped ? VM.STOPPED : VM.ACTIVE, power_state: args.stopped ? POWER.SHUTDOWN : POWER.RUNNING, task_state: null, launched_at: new Date().toISOString(),
        }, {});
      }, { error: true, fields: { trusted_image_certificates: inst.trusted_certs?.length ? inst.trusted_certs : null } });
    }),

    get_console_output: (_ctx, args: { instance_uuid: string; length?: number }) => a.driver.consoleOutput(args.instance_uuid, args.length),
  };
}

/** createBackup's rotation: keep the newest `rotation` backups of this type, delete the rest. */
async function rotateBackups(a: AgentHost, ctx: RequestContext, uuid: string, b: { type: string; rotation: number }): Promise<void> {
  const client = await a.deps.clients.image(ctx);
  const { images } = await client.listImages({ instance_uuid: uuid, image_type: 'backup', backup_type: b.type, sort_key: 'created_at', sort_dir: 'desc' });
  for (const img of images.slice(b.rotation)) await client.deleteImage(img.id).catch((err) => a.log.warn({ err, image: img.id }, 'could not rotate a backup'));
}

/** Frees the host: guest gone, ports unbound from it, allocations released. */
async function offload(a: AgentHost, ctx: RequestContext, inst: Instance): Promise<void> {
  const d = a.deps;
  await notifyAround(d, ctx, inst, 'shelve_offload', computeHost(a.host), async () => {
    await a.driver.destroy(inst.uuid);
    if (inst.network_info.length) {
      const svc = await d.clients.networkAsService(ctx.requestId);
      for (const v of inst.network_info) await svc.updatePort(v.port_id, { 'binding:host_id': null }).catch(() => undefined);
    }
    await d.placement.deleteAllocations(inst.uuid);
    await d.repos.instances.update(inst.uuid, { vm_state: VM.SHELVED_OFFLOADED, power_state: POWER.SHUTDOWN, task_state: null, host: null, node: null }, {});
  });
}

/** Binds the server's existing ports to this host (unshelve, moves). */
export async function rebind(a: AgentHost, ctx: RequestContext, inst: Instance) {
  const svc = await a.deps.clients.networkAsService(ctx.requestId);
  for (const v of inst.network_info) await svc.updatePort(v.port_id, { 'binding:host_id': a.host }).catch((err) => a.log.warn({ err, port: v.port_id }, 'could not rebind port'));
  return inst.network_info;
}
