// Deleting servers (nova.compute.api.API._delete): on its host when it has one that runs, here
// ("local delete") when it was never placed or its host is gone; soft delete when
// compute.reclaim_instance_interval keeps deleted servers restorable for a while.
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';
import { TASK, VM } from '../model/states.ts';
import { apiHost, notifyAround } from './events.ts';
import { checkLock, startAction } from './guards.ts';
import { releasePorts } from './networks.ts';

/** Removes a server without its host: records, ports, allocations. */
export async function localDelete(deps: ComputeDeps, ctx: RequestContext, inst: Instance): Promise<void> {
  // Announced by the API (nova-api:<host>), as Nova's _local_delete.
  await notifyAround(deps, ctx, { ...inst, task_state: TASK.DELETING }, 'delete', apiHost(), async () => {
    if (inst.network_info.length) {
      await releasePorts(await deps.clients.networkAsService(ctx.requestId), inst.network_info).catch((err) => deps.log.warn({ err, instance: inst.uuid }, 'could not release ports'));
    }
    await deps.placement.deleteAllocations(inst.uuid).catch((err) => deps.log.warn({ err, instance: inst.uuid }, 'could not release allocations'));
    await deps.repos.instances.markDeleted(inst.uuid);
  });
}

export async function deleteServer(deps: ComputeDeps, ctx: RequestContext, inst: Instance, opts: { force?: boolean } = {}): Promise<void> {
  checkLock(deps, ctx, inst);
  if (inst.task_state === TASK.DELETING) return;
  const soft = !opts.force && deps.config.int('compute.reclaim_instance_interval') > 0 && inst.launched_at && inst.host && inst.vm_state !== VM.SOFT_DELETED;
  if (soft) {
    await startAction(deps, ctx, inst, { action: 'delete', apiAction: 'delete', task: TASK.SOFT_DELETING, rule: { task: 'any' }, method: 'soft_delete_instance' });
    return;
  }
  await deps.repos.actions.start(inst.uuid, 'delete', { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId });
  if (!inst.host) {
    // Never placed (or offloaded): the conductor sees the deleted row and drops its claim.
    await deps.repos.instances.update(inst.uuid, { task_state: TASK.DELETING }, {});
    await localDelete(deps, ctx, inst);
    return;
  }
  await deps.repos.instances.update(inst.uuid, { task_state: TASK.DELETING }, {});
  try {
    await deps.bus.cast(ctx, { topic: 'compute', server: inst.host }, 'terminate_instance', { instance_uuid: inst.uuid });
  } catch {
    // The host's agent does not run (anymore): delete here, as Nova does for a down service.
    await localDelete(deps, ctx, inst);
  }
}
