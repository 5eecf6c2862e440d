// Resize, cold and live migration on the hosts (nova.compute.manager resize_instance /
// finish_resize / confirm_resize / revert_resize / live_migration). The source keeps its guest
// until the resize is confirmed, so a revert only has to drop the destination's.
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { RpcMethod } from '../../../lib/bus/index.ts';
import type { FlavorSnapshot, Instance } from '../model/instance.ts';
import { POWER, TASK, VM } from '../model/states.ts';
import { computeHost, current, notify, notifyAround } from '../service/events.ts';
import { guestImage } from './build.ts';
import { guestSpec, step, type AgentHost } from './host.ts';
import { rebind } from './lifecycle.ts';

const ownerOf = (i: Instance) => ({ projectId: i.project_id, userId: i.user_id });

export function moveMethods(a: AgentHost): Record<string, RpcMethod> {
  const d = a.deps;
  const publisher = computeHost(a.host);
  const wasStopped = (i: Instance) => i.power_state === POWER.SHUTDOWN || i.vm_state === VM.STOPPED;

  /** Source side: the disk leaves; the destination finishes. */
  async function resizeInstance(ctx: RequestContext, args: { instance_uuid: string; migration_id: number; new_flavor: FlavorSnapshot; dest: string; dest_node: string }) {
    await step(a, ctx, args.instance_uuid, 'compute_resize_instance', async (inst) => {
      await d.repos.instances.update(inst.uuid, { task_state: TASK.RESIZE_MIGRATING }, {});
      await notifyAround(d, ctx, { ...inst, task_state: TASK.RESIZE_MIGRATING }, 'resize', publisher, async () => {
        await d.repos.migrations.setStatus(args.migration_id, 'migrating');
        await d.repos.instances.update(inst.uuid, { task_state: TASK.RESIZE_MIGRATED }, {});
        await d.repos.migrations.setStatus(args.migration_id, 'post-migrating');
      }, { error: true });
      await d.bus.cast(ctx, { topic: 'compute', server: args.dest ?? undefined }, 'finish_resize', { ...args, source: a.host, stopped: wasStopped(inst) });
    });
  }

  /** Destination side: the guest runs here with the new flavor; the user verifies. */
  async function finishResize(ctx: RequestContext, args: { instance_uuid: string; migration_id: number; new_flavor: FlavorSnapshot; source: string; dest_node: string; stopped: boolean }) {
    await step(a, ctx, args.instance_uuid, 'compute_finish_resize', async (inst) => {
      await d.repos.instances.update(inst.uuid, { task_state: TASK.RESIZE_FINISH }, {});
      await notifyAround(d, ctx, { ...inst, task_state: TASK.RESIZE_FINISH }, 'resize_finish', publisher, () => finishResizeHere(ctx, args, inst));
    });
  }

  /** The destination's part of finish_resize: the guest with the new flavor, the records. */
  async function finishResizeHere(ctx: RequestContext, args: { migration_id: number; new_flavor: FlavorSnapshot; source: string; stopped: boolean }, inst: Instance) {
    const f = args.new_flavor;
    const flavor = { vcpus: f.vcpus, memory_mb: f.memory_mb, root_gb: f.root_gb, ephemeral_gb: f.ephemeral_gb, swap: f.swap, extra_specs: f.extra_specs };
    let vifs = inst.network_info;
    if (args.source === a.host) await a.driver.resize(inst.uuid, flavor);
    else {
      vifs = await rebind(a, ctx, inst);
      await a.driver.spawn(guestSpec({ ...inst, flavor: f, network_info: vifs }, null, await guestImage(a, ctx, inst).catch(() => null)));
      if (args.stopped) await a.driver.powerOff(inst.uuid);
    }
    await d.repos.instances.update(inst.uuid, {
      host: a.host, node: a.node, flavor: f, flavorid: f.flavorid, vcpus: f.vcpus, memory_mb: f.memory_mb, old_flavor: inst.flavor, new_flavor: f,
      vm_state: VM.RESIZED, task_state: null, power_state: args.stopped ? POWER.SHUTDOWN : POWER.RUNNING,
      system_metadata: { ...inst.system_metadata, old_vm_state: args.stopped ? VM.STOPPED : VM.ACTIVE },
    }, {});
    await d.repos.migrations.setStatus(args.migration_id, 'finished');
  }

  async function confirmResize(ctx: RequestContext, args: { instance_uuid: string; migration_id: number }) {
    await step(a, ctx, args.instance_uuid, 'compute_confirm_resize', async (inst) => {
      const mig = await d.repos.migrations.get(args.migration_id);
      if (!mig) return;
      await notifyAround(d, ctx, inst, 'resize_confirm', publisher, async () => {
        // Runs on the source: its guest goes (unless source and destination are one host).
        if (mig.source_compute !== mig.dest_compute) await a.driver.destroy(inst.uuid);
        await d.placement.deleteAllocations(mig.uuid);
        await d.repos.migrations.setStatus(mig.id, 'confirmed');
        const stopped = inst.system_metadata.old_vm_state === VM.STOPPED;
        await d.repos.instances.update(inst.uuid, { vm_state: stopped ? VM.STOPPED : VM.ACTIVE, task_state: null, old_flavor: null, new_flavor: null }, {});
      });
    });
  }

  /** Destination side of a revert: drop the new guest, let the source take the server back. */
  async function revertResize(ctx: RequestContext, args: { instance_uuid: string; migration_id: number }) {
    await step(a, ctx, args.instance_uuid, 'compute_revert_resize', async (inst) => {
      const mig = await d.repos.migrations.get(args.migration_id);
      if (!mig) return;
      // resize_revert starts here (the destination) and ends on the source, as in Nova.
      await notify(d, ctx, inst, { action: 'resize_revert', phase: 'start', publisher });
      if (mig.source_compute !== mig.dest_compute) await a.driver.destroy(inst.uuid);
      await d.repos.migrations.setStatus(mig.id, 'reverting');
      await d.bus.cast(ctx, { topic: 'compute', server: mig.source_compute ?? undefined }, 'finish_revert_resize', args);
    });
  }

  async function finishRevertResize(ctx: RequestContext, args: { instance_uuid: string; migration_id: number }) {
    await step(a, ctx, args.instance_uuid, 'compute_finish_revert_resize', async (inst) => {
      const mig = await d.repos.migrations.get(args.migration_id);
      if (!mig) return;
      const old = inst.old_flavor ?? inst.flavor;
      if (mig.source_compute === mig.dest_compute) {
        await a.driver.resize(inst.uuid, { vcpus: old.vcpus, memory_mb: old.memory_mb, root_gb: old.root_gb, ephemeral_gb: old.ephemeral_gb, swap: old.swap, extra_specs: old.extra_specs });
      } else await rebind(a, ctx, inst);
      // The source allocation comes back to the server; the destination's goes.
      await d.placement.moveAllocations(mig.uuid, inst.uuid, ownerOf(inst));
      await d.repos.migrations.setStatus(mig.id, 'reverted');
      const stopped = inst.system_metadata.old_vm_state === VM.STOPPED;
      await d.repos.instances.update(inst.uuid, {
        host: a.host, node: mig.source_node ?? a.node, flavor: old, flavorid: old.flavorid, vcpus: old.vcpus, memory_mb: old.memory_mb,
        old_flavor: null, new_flavor: null, vm_state: stopped ? VM.STOPPED : VM.ACTIVE, power_state: stopped ? POWER.SHUTDOWN : POWER.RUNNING, task_state: null,
      }, {});
      await notify(d, ctx, await current(d, inst), { action: 'resize_revert', phase: 'end', publisher });
    });
  }

  async function liveMigration(ctx: RequestContext, args: { instance_uuid: string; migration_id: number; dest: string; dest_node: string }) {
    await step(a, ctx, args.instance_uuid, 'compute_live_migration', async (inst) => {
      const mig = await d.repos.migrations.get(args.migration_id);
      try {
        // The destination's preparation (Nova's pre_live_migration) is announced as the destination's.
        await notifyAround(d, ctx, inst, 'live_migration_pre', computeHost(args.dest), () =>
          d.bus.call(ctx, { topic: 'compute', server: args.dest ?? undefined }, 'post_live_migration_at_destination', { instance_uuid: inst.uuid, power_state: inst.power_state }, { timeoutMs: 120_000 }));
      } catch (err) {
        await notifyAround(d, ctx, inst, 'live_migration_rollback', publisher, async () => {
          await d.repos.migrations.setStatus(args.migration_id, 'error');
          if (mig) await d.placement.moveAllocations(mig.uuid, inst.uuid, ownerOf(inst)).catch(() => undefined);
        });
        throw err;
      }
      await notifyAround(d, ctx, inst, 'live_migration_post', publisher, async () => {
        await a.driver.destroy(inst.uuid);
        if (mig) await d.placement.deleteAllocations(mig.uuid);
        await d.repos.instances.update(inst.uuid, { host: args.dest, node: args.dest_node, task_state: null }, {});
        await d.repos.migrations.setStatus(args.migration_id, 'completed');
      });
    });
  }

  /** Destination side of a live migration: the guest appears here, ports follow. */
  async function postLiveMigrationAtDestination(ctx: RequestContext, args: { instance_uuid: string; power_state: number }) {
    const inst = await d.repos.instances.get(args.instance_uuid);
    if (!inst) return;
    const vifs = await rebind(a, ctx, inst);
    await a.driver.spawn(guestSpec({ ...inst, network_info: vifs }, null, null));
    if (args.power_state === POWER.PAUSED) await a.driver.pause(inst.uuid);
  }

  return {
    resize_instance: (ctx, args) => resizeInstance(ctx, args),
    finish_resize: (ctx, args) => finishResize(ctx, args),
    confirm_resize: (ctx, args) => confirmResize(ctx, args),
    revert_resize: (ctx, args) => revertResize(ctx, args),
    finish_revert_resize: (ctx, args) => finishRevertResize(ctx, args),
    live_migration: (ctx, args) => liveMigration(ctx, args),
    post_live_migration_at_destination: (ctx, args) => postLiveMigrationAtDestination(ctx, args),
  };
}
