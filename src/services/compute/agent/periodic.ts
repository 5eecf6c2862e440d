// What an agent does at start and on a period (nova.compute.manager init_host,
// _sync_power_states, _cleanup_running_deleted_instances, orphan allocations): after a crash,
// no server stays in BUILD or a task state, and no port, allocation or guest is left behind.
import { anonymousContext } from '../../../lib/auth/context.ts';
import { requestId } from '../../../lib/ids.ts';
import type { Instance } from '../model/instance.ts';
import { POWER, TASK, VM } from '../model/states.ts';
import { releasePorts, strayPorts } from '../service/networks.ts';
import type { AgentHost } from './host.ts';
import { destroyInstance } from './lifecycle.ts';

const ctx = () => anonymousContext(requestId());

/** The vm state a guest's power state means for a server that had no task to finish. */
function vmStateFor(power: number, current: string): string {
  if ([VM.RESIZED, VM.RESCUED, VM.SHELVED, VM.ERROR, VM.SHELVED_OFFLOADED].includes(current as never)) return current;
  if (power === POWER.RUNNING) return VM.ACTIVE;
  if (power === POWER.PAUSED) return VM.PAUSED;
  if (power === POWER.SUSPENDED) return VM.SUSPENDED;
  return VM.STOPPED;
}

/** Finishes or fails every server of this host a crash interrupted (init_host). */
export async function reconcileHost(a: AgentHost): Promise<void> {
  const d = a.deps;
  for (const inst of await d.repos.instances.byHost(a.host)) {
    await a.locks.run(inst.uuid, () => reconcileInstance(a, inst)).catch((err) => a.log.error({ err, instance: inst.uuid }, 'could not reconcile a server'));
  }
}

async function reconcileInstance(a: AgentHost, inst: Instance): Promise<void> {
  const d = a.deps;
  const c = ctx();
  if (inst.task_state === TASK.DELETING) {
    await destroyInstance(a, c, inst);
    return;
  }
  const power = await a.driver.powerState(inst.uuid);
  if (inst.vm_state === VM.BUILDING) {
    const svc = await d.clients.networkAsService(c.requestId);
    // Ports made before the crash but never recorded belong to nobody else: remove them.
    const requestedPorts = (Array.isArray(inst.request_spec.requested_networks) ? inst.request_spec.requested_networks : []).map((r) => r.port).filter((p): p is string => Boolean(p));
    const stray = await strayPorts(svc, inst.uuid, inst.network_info, requestedPorts).catch(() => []);
    for (const p of stray) await svc.deletePort(p.id).catch(() => undefined);
    if (power === POWER.RUNNING && inst.task_state === TASK.SPAWNING) {
      // The guest came up; only the record was not written.
      await d.repos.instances.update(inst.uuid, { vm_state: VM.ACTIVE, task_state: null, power_state: POWER.RUNNING, launched_at: new Date().toISOString() }, {});
      a.log.info({ instance: inst.uuid }, 'reconciled: build had finished');
      return;
    }
    await a.driver.destroy(inst.uuid).catch(() => undefined);
    await releasePorts(svc, inst.network_info).catch(() => undefined);
    await d.placement.deleteAllocations(inst.uuid).catch(() => undefined);
    await d.repos.instances.update(inst.uuid, { vm_state: VM.ERROR, task_state: null, power_state: POWER.NOSTATE, network_info: [] }, {});
    await d.repos.instances.addFault(inst.uuid, { code: 500, message: 'Instance build was interrupted by a restart of its compute host.', host: a.host });
    a.log.info({ instance: inst.uuid }, 'reconciled: interrupted build set to ERROR');
    return;
  }
  if (inst.task_state !== null) {
    // Any other interrupted task: the driver's power state says where the server ended up.
    await d.repos.instances.update(inst.uuid, { task_state: null, power_state: power, vm_state: vmStateFor(power, inst.vm_state) }, {});
    a.log.info({ instance: inst.uuid, task: inst.task_state }, 'reconciled: interrupted task cleared');
    return;
  }
  if (power !== inst.power_state) await d.repos.instances.update(inst.uuid, { power_state: power }, { taskState: [null] });
}

/** _sync_power_states: the driver is the truth about power; a lost guest stops its server. */
export async function syncPowerStates(a: AgentHost): Promise<void> {
  const d = a.deps;
  for (const inst of await d.repos.instances.byHost(a.host)) {
    if (inst.task_state !== null || inst.vm_state === VM.BUILDING) continue;
    const power = await a.driver.powerState(inst.uuid);
    if (power === inst.power_state) continue;
    const changes: Partial<Instance> = { power_state: power };
    if (inst.vm_state === VM.ACTIVE && (power === POWER.SHUTDOWN || power === POWER.NOSTATE || power === POWER.CRASHED)) changes.vm_state = VM.STOPPED;
    await d.repos.instances.update(inst.uuid, changes, { taskState: [null] });
  }
}

/** Guests nobody owns and allocations of servers that are gone. */
export async function cleanupOrphans(a: AgentHost): Promise<void> {
  const d = a.deps;
  const mine = new Map((await d.repos.instances.byHost(a.host)).map((i) => [i.uuid, i]));
  for (const uuid of await a.driver.listGuests()) {
    if (!mine.has(uuid) && !(await a.locks.run(uuid, async () => (await d.repos.instances.get(uuid))?.host === a.host))) {
      a.log.info({ instance: uuid }, 'destroying a guest no server owns');
      await a.driver.destroy(uuid).catch(() => undefined);
    }
  }
  const allocs = await d.placement.providerAllocations(a.nodeUuid).catch(() => ({}));
  for (const consumer of Object.keys(allocs)) {
    if (mine.has(consumer)) continue;
    const inst = await d.repos.instances.get(consumer, { readDeleted: true });
    const migration = inst ? undefined : await d.repos.migrations.list({}).then((ms) => ms.find((m) => m.uuid === consumer && !['confirmed', 'reverted', 'error', 'completed'].includes(m.status)));
    // Live servers being scheduled or moved here hold allocations before their host is set.
    const live = inst && !inst.deleted && (inst.task_state !== null || inst.host === a.host);
    if (!live && !migration) {
      a.log.info({ consumer }, 'removing an orphaned allocation');
      await d.placement.deleteAllocations(consumer).catch(() => undefined);
    }
  }
}
