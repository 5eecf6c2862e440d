// Power and state actions on the host (stop, start, reboot, pause, suspend, rescue and their
// reverses): the API set the task state; the agent asks the driver, then records the new vm and
// power state if the task state is still the one the API set (a delete may have overtaken it).
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { RpcMethod } from '../../../lib/bus/index.ts';
import type { Instance } from '../model/instance.ts';
import { POWER, TASK, VM } from '../model/states.ts';
import { computeHost, notifyAround } from '../service/events.ts';
import { guestImage } from './build.ts';
import { step, type AgentHost } from './host.ts';

// Each action is recorded as the instance action event `compute_<method>`, as Nova's
// @wrap_instance_event names it after the manager method.
interface PowerAction {
  /** Task states the API may have set for this action. */
  tasks: string[];
  run(a: AgentHost, ctx: RequestContext, inst: Instance, args: any): Promise<void>;
  /** The resulting state; a function when it depends on the request. */
  result: Partial<Instance> | ((inst: Instance, args: any) => Partial<Instance>);
  notification: string;
}

const ACTIONS: Record<string, PowerAction> = {
  stop_instance: {
    tasks: [TASK.POWERING_OFF], notification: 'power_off',
    run: (a, _c, i) => a.driver.powerOff(i.uuid), result: { vm_state: VM.STOPPED, power_state: POWER.SHUTDOWN },
  },
  start_instance: {
    tasks: [TASK.POWERING_ON], notification: 'power_on',
    run: (a, _c, i) => a.driver.powerOn(i.uuid), result: { vm_state: VM.ACTIVE, power_state: POWER.RUNNING },
  },
  reboot_instance: {
    tasks: [TASK.REBOOTING, TASK.REBOOTING_HARD, TASK.REBOOT_PENDING, TASK.REBOOT_PENDING_HARD, TASK.REBOOT_STARTED, TASK.REBOOT_STARTED_HARD],
    notification: 'reboot',
    run: async (a, _c, i, args) => {
      const hard = args.reboot_type === 'HARD';
      await a.deps.repos.instances.update(i.uuid, { task_state: hard ? TASK.REBOOT_STARTED_HARD : TASK.REBOOT_STARTED }, {});
      await a.driver.reboot(i.uuid, hard ? 'HARD' : 'SOFT');
    },
    result: { vm_state: VM.ACTIVE, power_state: POWER.RUNNING },
  },
  pause_instance: {
    tasks: [TASK.PAUSING], notification: 'pause',
    run: (a, _c, i) => a.driver.pause(i.uuid), result: { vm_state: VM.PAUSED, power_state: POWER.PAUSED },
  },
  unpause_instance: {
    tasks: [TASK.UNPAUSING], notification: 'unpause',
    run: (a, _c, i) => a.driver.unpause(i.uuid), result: { vm_state: VM.ACTIVE, power_state: POWER.RUNNING },
  },
  suspend_instance: {
    tasks: [TASK.SUSPENDING], notification: 'suspend',
    run: (a, _c, i) => a.driver.suspend(i.uuid), result: { vm_state: VM.SUSPENDED, power_state: POWER.SUSPENDED },
  },
  resume_instance: {
    tasks: [TASK.RESUMING], notification: 'resume',
    run: (a, _c, i) => a.driver.resume(i.uuid), result: { vm_state: VM.ACTIVE, power_state: POWER.RUNNING },
  },
  rescue_instance: {
    tasks: [TASK.RESCUING], notification: 'rescue',
    run: async (a, ctx, i, args) => a.driver.rescue(i.uuid, args.rescue_image_ref ? await guestImage(a, ctx, i, args.rescue_image_ref) : null),
    result: (i) => ({ vm_state: VM.RESCUED, power_state: POWER.RUNNING, system_metadata: { ...i.system_metadata, old_vm_state: i.vm_state } }),
  },
  soft_delete_instance: {
    tasks: [TASK.SOFT_DELETING], notification: 'soft_delete',
    run: (a, _c, i) => a.driver.powerOff(i.uuid).catch(() => undefined), result: { vm_state: VM.SOFT_DELETED, power_state: POWER.SHUTDOWN },
  },
  restore_instance: {
    tasks: [TASK.RESTORING], notification: 'restore',
    run: (a, _c, i) => a.driver.powerOn(i.uuid), result: { vm_state: VM.ACTIVE, power_state: POWER.RUNNING },
  },
  unrescue_instance: {
    tasks: [TASK.UNRESCUING], notification: 'unrescue',
    run: (a, _c, i) => a.driver.unrescue(i.uuid), result: { vm_state: VM.ACTIVE, power_state: POWER.RUNNING },
  },
};

export function powerMethods(a: AgentHost): Record<string, RpcMethod> {
  const out: Record<string, RpcMethod> = {};
  const publisher = computeHost(a.host);
  for (const [method, act] of Object.entries(ACTIONS)) {
    out[method] = (ctx, args: { instance_uuid: string; rescue_image_ref?: string }) => step(a, ctx, args.instance_uuid, `compute_${method}`, async (inst) => {
      if (!act.tasks.includes(inst.task_state ?? '')) return;
      const fields = method === 'rescue_instance' ? { rescue_image_ref: args.rescue_image_ref ?? null } : undefined;
      await notifyAround(a.deps, ctx, inst, act.notification, publisher, async () => {
        await act.run(a, ctx, inst, args);
        const result = typeof act.result === 'function' ? act.result(inst, args) : act.result;
        await a.deps.repos.instances.update(inst.uuid, { ...result, task_state: null }, { taskState: [...act.tasks] });
      }, { error: act.notification === 'reboot', fields });
    });
  }
  return out;
}
