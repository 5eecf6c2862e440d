// After a restart: builds the conductor had accepted but not yet placed on a host (the process
// died between the API's 202 and the cast to an agent) are scheduled again, from scratch;
// deletes that had no host to finish them are finished here.
import { anonymousContext } from '../../../lib/auth/context.ts';
import { requestId } from '../../../lib/ids.ts';
import type { ComputeDeps } from '../deps.ts';
import { TASK, VM } from '../model/states.ts';
import { localDelete } from '../service/delete.ts';

export async function recoverUnplacedBuilds(deps: ComputeDeps, startedAt: string): Promise<number> {
  const stuck = await deps.repos.instances.list({ deleted: false, vmStates: [VM.BUILDING], taskStates: [TASK.SCHEDULING] });
  const mine = stuck.filter((i) => !i.host && i.updated_at < startedAt);
  const byReservation = new Map<string, string[]>();
  for (const inst of mine) {
    // A claim may have been written before the crash; the new schedule makes its own.
    await deps.placement.deleteAllocations(inst.uuid).catch(() => undefined);
    byReservation.set(inst.reservation_id, [...(byReservation.get(inst.reservation_id) ?? []), inst.uuid]);
  }
  for (const uuids of byReservation.values()) {
    const ctx = anonymousContext(requestId());
    await deps.bus.cast(ctx, { topic: 'conductor' }, 'build_instances', { instance_uuids: uuids });
  }
  const deleting = (await deps.repos.instances.list({ deleted: false, taskStates: [TASK.DELETING] })).filter((i) => !i.host && i.updated_at < startedAt);
  for (const inst of deleting) await localDelete(deps, anonymousContext(requestId()), inst);
  if (mine.length || deleting.length) deps.log.info({ rescheduled: mine.length, deleted: deleting.length }, 'recovered interrupted builds and deletes');
  return mine.length;
}
