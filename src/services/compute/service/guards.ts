// Nova's check_instance_state / check_instance_lock and the "set the task state, record the
// action, cast to the host" step every server action starts with.
import type { RequestContext } from '../../../lib/auth/context.ts';
import { Conflict, ServiceUnavailable } from '../../../lib/errors.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';

export interface StateRule {
  /** vm states the action accepts; undefined: any. */
  vm?: readonly string[];
  /** task states the action accepts; default: no task (null). undefined entries mean any. */
  task?: readonly (string | null)[] | 'any';
}

/** 409 in Nova's words when the server is not in a state the action accepts. */
export function checkState(inst: Instance, action: string, rule: StateRule): void {
  if (rule.vm && !rule.vm.includes(inst.vm_state)) {
    throw new Conflict(`Cannot '${action}' instance ${inst.uuid} while it is in vm_state ${inst.vm_state}`);
  }
  const tasks = rule.task ?? [null];
  if (tasks !== 'any' && !tasks.includes(inst.task_state)) {
    throw new Conflict(`Cannot '${action}' instance ${inst.uuid} while it is in task_state ${inst.task_state}`);
  }
}

/** A locked server refuses changes from anyone but an admin. */
export function checkLock(deps: ComputeDeps, ctx: RequestContext, inst: Instance): void {
  if (inst.locked_by && !deps.policy.can('context_is_admin', {}, ctx)) throw new Conflict(`Instance ${inst.uuid} is locked`);
}

/**
 * Moves the server into `task` if it is still in the state checked (else 409, as Nova's
 * UnexpectedTaskStateError), records the instance action, and casts `method` to its host.
 */
export async function startAction(deps: ComputeDeps, ctx: RequestContext, inst: Instance, o: {
  action: string; apiAction: string; task: string | null; rule: StateRule; method?: string; args?: Record<string, unknown>; changes?: Partial<Instance>;
}): Promise<void> {
  checkState(inst, o.apiAction, o.rule);
  const expected = o.rule.task === 'any' ? undefined : (o.rule.task ?? [null]);
  const ok = await deps.repos.instances.update(inst.uuid, { ...o.changes, task_state: o.task }, { taskState: expected, vmState: o.rule.vm });
  if (!ok) throw new Conflict(`Cannot '${o.apiAction}' instance ${inst.uuid} while it is in task_state ${(await deps.repos.instances.get(inst.uuid))?.task_state ?? 'deleting'}`);
  await deps.repos.actions.start(inst.uuid, o.action, { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId });
  if (!o.method) return;
  if (!inst.host) throw new Conflict(`Instance ${inst.uuid} has no host`);
  try {
    await deps.bus.cast(ctx, { topic: 'compute', server: inst.host }, o.method, { instance_uuid: inst.uuid, ...o.args });
  } catch (err) {
    // Nobody serves that host: undo the task state so the server is not stuck in it.
    await deps.repos.instances.update(inst.uuid, { task_state: null }, {});
    throw err instanceof ServiceUnavailable ? new Conflict(`Compute host ${inst.host} could not be found or is not running.`) : err;
  }
}
