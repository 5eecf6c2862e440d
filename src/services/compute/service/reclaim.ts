// Periodic API-side housekeeping: soft-deleted servers past compute.reclaim_instance_interval are
// deleted for good, and resizes left in VERIFY_RESIZE past compute.resize_confirm_window are
// confirmed (nova-compute's _reclaim_queued_deletes and _poll_unconfirmed_resizes).
import { anonymousContext } from '../../../lib/auth/context.ts';
import { requestId } from '../../../lib/ids.ts';
import type { ComputeDeps } from '../deps.ts';
import { VM } from '../model/states.ts';

export function startReclaimer(deps: ComputeDeps): { stop(): void } {
  const reclaim = deps.config.int('compute.reclaim_instance_interval');
  const confirmWindow = deps.config.int('compute.resize_confirm_window');
  if (!reclaim && !confirmWindow) return { stop() {} };
  let running = false;
  const tick = async () => {
    const now = Date.now();
    if (reclaim) {
      for (const inst of await deps.repos.instances.list({ deleted: false, vmStates: [VM.SOFT_DELETED] })) {
        if (inst.task_state === null && inst.host && now - Date.parse(inst.updated_at) >= reclaim * 1000) {
          const ctx = anonymousContext(requestId());
          await deps.repos.instances.update(inst.uuid, { task_state: 'deleting' }, { taskState: [null] });
          await deps.bus.cast(ctx, { topic: 'compute', server: inst.host ?? undefined }, 'terminate_instance', { instance_uuid: inst.uuid }).catch(() => undefined);
        }
      }
    }
    if (confirmWindow) {
      for (const inst of await deps.repos.instances.list({ deleted: false, vmStates: [VM.RESIZED] })) {
        const mig = await deps.repos.migrations.latest(inst.uuid, ['finished']);
        if (inst.task_state !== null || !mig || now - Date.parse(mig.updated_at ?? mig.created_at) < confirmWindow * 1000) continue;
        await deps.repos.migrations.setStatus(mig.id, 'confirming');
        await deps.bus.cast(anonymousContext(requestId()), { topic: 'compute', server: mig.source_compute ?? undefined }, 'confirm_resize', { instance_uuid: inst.uuid, migration_id: mig.id }).catch(() => undefined);
      }
    }
  };
  const t = setInterval(() => {
    if (running) return;
    running = true;
    tick().catch((err) => deps.log.warn({ err }, 'reclaim task failed')).finally(() => { running = false; });
  }, 10_000);
  t.unref();
  return { stop: () => clearInterval(t) };
}
