// Server actions that change power or lock state (os-stop, os-start, reboot, pause, suspend,
// rescue, lock, os-resetState, forceDelete, restore, os-getConsoleOutput, trigger_crash_dump):
// each checks its policy and Nova's allowed states, sets the task state and casts to the host.
import { BadRequest, Conflict, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';
import { ALLOW_HARD_REBOOT_VM, ALLOW_REBOOT, POWER, TASK, VM } from '../model/states.ts';
import { generatePassword } from '../service/create.ts';
import { deleteServer } from '../service/delete.ts';
import { checkLock, checkState, startAction } from '../service/guards.ts';
import { mvAtLeast } from './common.ts';
import { T, validate } from './validation.ts';

export type ActionHandler = (deps: ComputeDeps, req: ApiRequest, inst: Instance, body: any) => Promise<unknown>;

const own = (inst: Instance) => ({ project_id: inst.project_id, user_id: inst.user_id });
const can = (deps: ComputeDeps, req: ApiRequest, rule: string, inst: Instance) => deps.policy.authorize(rule, own(inst), req.ctx);

/** An action that only needs the policy, the state check, a task state and a cast. */
function simple(rule: string, action: string, apiAction: string, vm: readonly string[] | undefined, task: string, method: string): ActionHandler {
  return async (deps, req, inst) => {
    can(deps, req, rule, inst);
    checkLock(deps, req.ctx, inst);
    await startAction(deps, req.ctx, inst, { action, apiAction, task, rule: { vm }, method });
    return reply(202);
  };
}

export const basicActions: Record<string, ActionHandler> = {
  'os-stop': simple('os_compute_api:servers:stop', 'stop', 'stop', [VM.ACTIVE, VM.ERROR], TASK.POWERING_OFF, 'stop_instance'),
  'os-start': simple('os_compute_api:servers:start', 'start', 'start', [VM.STOPPED], TASK.POWERING_ON, 'start_instance'),
  pause: simple('os_compute_api:os-pause-server:pause', 'pause', 'pause', [VM.ACTIVE], TASK.PAUSING, 'pause_instance'),
  unpause: simple('os_compute_api:os-pause-server:unpause', 'unpause', 'unpause', [VM.PAUSED], TASK.UNPAUSING, 'unpause_instance'),
  suspend: simple('os_compute_api:os-suspend-server:suspend', 'suspend', 'suspend', [VM.ACTIVE], TASK.SUSPENDING, 'suspend_instance'),
  resume: simple('os_compute_api:os-suspend-server:resume', 'resume', 'resume', [VM.SUSPENDED], TASK.RESUMING, 'resume_instance'),
  unrescue: simple('os_compute_api:os-unrescue', 'unrescue', 'unrescue', [VM.RESCUED], TASK.UNRESCUING, 'unrescue_instance'),

  reboot: async (deps, req, inst, body) => {
    validate(body, { type: 'object', required: ['reboot'], additionalProperties: false, properties: { reboot: { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { type: 'string', enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] } } } } });
    can(deps, req, 'os_compute_api:servers:reboot', inst);
    checkLock(deps, req.ctx, inst);
    const hard = body.reboot.type.toUpperCase() === 'HARD';
    // Nova: a soft reboot needs an ACTIVE server with no task; a hard one is allowed more.
    if (hard) {
      await startAction(deps, req.ctx, inst, { action: 'reboot', apiAction: 'reboot', task: TASK.REBOOTING_HARD, rule: { vm: ALLOW_HARD_REBOOT_VM, task: ALLOW_REBOOT.filter((t) => t !== TASK.REBOOTING_HARD) }, method: 'reboot_instance', args: { reboot_type: 'HARD' } });
    } else {
      if (inst.power_state !== POWER.RUNNING && inst.vm_state === VM.ACTIVE) throw new Conflict(`Cannot 'reboot' instance ${inst.uuid} while it is in power_state ${inst.power_state}`);
      await startAction(deps, req.ctx, inst, { action: 'reboot', apiAction: 'reboot', task: TASK.REBOOTING, rule: { vm: [VM.ACTIVE], task: [null, TASK.REBOOTING] }, method: 'reboot_instance', args: { reboot_type: 'SOFT' } });
    }
    return reply(202);
  },

  rescue: async (deps, req, inst, body) => {
    validate(body, { type: 'object', required: ['rescue'], additionalProperties: false, properties: { rescue: { type: ['object', 'null'], additionalProperties: false, properties: { adminPass: { type: 'string' }, rescue_image_ref: T.uuid } } } });
    can(deps, req, 'os_compute_api:os-rescue', inst);
    checkLock(deps, req.ctx, inst);
    const password = body.rescue?.adminPass ?? generatePassword();
    if (body.rescue?.rescue_image_ref) {
      try { await (await deps.clients.image(req.ctx)).getImage(body.rescue.rescue_image_ref); } catch (err) {
        if (err instanceof NotFound) throw new BadRequest(`Image ${body.rescue.rescue_image_ref} could not be found.`);
        throw err;
      }
    }
    await startAction(deps, req.ctx, inst, {
      action: 'rescue', apiAction: 'rescue', task: TASK.RESCUING, rule: { vm: [VM.ACTIVE, VM.STOPPED, VM.ERROR] }, method: 'rescue_instance',
      args: { rescue_password: password, rescue_image_ref: body.rescue?.rescue_image_ref ?? null },
    });
    return deps.config.bool('compute.enable_instance_password') ? { adminPass: password } : {};
  },

  lock: async (deps, req, inst, body) => {
    if (mvAtLeast(req, '2.73')) validate(body, { type: 'object', required: ['lock'], additionalProperties: false, properties: { lock: { type: ['object', 'null'], additionalProperties: false, properties: { locked_reason: { type: 'string', minLength: 1, maxLength: 255 } } } } });
    can(deps, req, 'os_compute_api:os-lock-server:lock', inst);
    const isAdmin = deps.policy.can('context_is_admin', {}, req.ctx);
    await deps.repos.actions.start(inst.uuid, 'lock', { requestId: req.ctx.requestId, userId: req.ctx.userId, projectId: req.ctx.projectId });
    await deps.repos.instances.update(inst.uuid, { locked_by: isAdmin && req.ctx.projectId !== inst.project_id ? 'admin' : 'owner', locked_reason: body?.lock?.locked_reason ?? null }, {});
    return reply(202);
  },

  unlock: async (deps, req, inst) => {
    can(deps, req, 'os_compute_api:os-lock-server:unlock', inst);
    const isOwner = req.ctx.projectId === inst.project_id;
    // Only an admin may lift a lock an admin set (unless the owner set it).
    if (inst.locked_by === 'admin' || (inst.locked_by === 'owner' && !isOwner)) deps.policy.authorize('os_compute_api:os-lock-server:unlock:unlock_override', own(inst), req.ctx);
    await deps.repos.actions.start(inst.uuid, 'unlock', { requestId: req.ctx.requestId, userId: req.ctx.userId, projectId: req.ctx.projectId });
    await deps.repos.instances.update(inst.uuid, { locked_by: null, locked_reason: null }, {});
    return reply(202);
  },

  'os-resetState': async (deps, req, inst, body) => {
    validate(body, { type: 'object', required: ['os-resetState'], additionalProperties: false, properties: { 'os-resetState': { type: 'object', required: ['state'], additionalProperties: false, properties: { state: { type: 'string', enum: ['active', 'error'] } } } } });
    can(deps, req, 'os_compute_api:os-admin-actions:reset_state', inst);
    await deps.repos.actions.start(inst.uuid, 'resetState', { requestId: req.ctx.requestId, userId: req.ctx.userId, projectId: req.ctx.projectId });
    await deps.repos.instances.update(inst.uuid, { vm_state: body['os-resetState'].state === 'active' ? VM.ACTIVE : VM.ERROR, task_state: null }, {});
    return reply(202);
  },

  // No driver has a remote console yet: Nova's answer for a console type it cannot give.
  ...Object.fromEntries(['os-getVNCConsole', 'os-getSPICEConsole', 'os-getRDPConsole', 'os-getSerialConsole'].map((action): [string, ActionHandler] => [action, async (deps, req, inst, body) => {
    deps.policy.authorize('os_compute_api:os-remote-consoles', own(inst), req.ctx);
    throw new BadRequest(`Unavailable console type ${body?.[action]?.type ?? action.slice(6, -7).toLowerCase()}.`);
  }])),

  injectNetworkInfo: async (deps, req, inst) => { can(deps, req, 'os_compute_api:os-admin-actions:inject_network_info', inst); return reply(202); },

  forceDelete: async (deps, req, inst) => {
    can(deps, req, 'os_compute_api:os-deferred-delete:force', inst);
    checkState(inst, 'forceDelete', { vm: [VM.SOFT_DELETED], task: 'any' });
    await deleteServer(deps, req.ctx, inst, { force: true });
    return reply(202);
  },

  restore: async (deps, req, inst) => {
    can(deps, req, 'os_compute_api:os-deferred-delete:restore', inst);
    checkLock(deps, req.ctx, inst);
    await startAction(deps, req.ctx, inst, { action: 'restore', apiAction: 'restore', task: TASK.RESTORING, rule: { vm: [VM.SOFT_DELETED] }, method: 'restore_instance' });
    return reply(202);
  },

  trigger_crash_dump: async (deps, req, inst) => {
    if (!mvAtLeast(req, '2.17')) throw new BadRequest('Invalid action: trigger_crash_dump');
    can(deps, req, 'os_compute_api:servers:trigger_crash_dump', inst);
    checkLock(deps, req.ctx, inst);
    checkState(inst, 'trigger_crash_dump', { vm: [VM.ACTIVE, VM.PAUSED, VM.RESCUED, VM.RESIZED, VM.ERROR] });
    await deps.repos.actions.start(inst.uuid, 'trigger_crash_dump', { requestId: req.ctx.requestId, userId: req.ctx.userId, projectId: req.ctx.projectId });
    return reply(202);
  },

  'os-getConsoleOutput': async (deps, req, inst, body) => {
    validate(body, { type: 'object', required: ['os-getConsoleOutput'], additionalProperties: false, properties: { 'os-getConsoleOutput': { type: 'object', additionalProperties: false, properties: { length: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$', minimum: -1 } } } } });
    can(deps, req, 'os_compute_api:os-console-output', inst);
    if (!inst.host || ![VM.ACTIVE, VM.PAUSED, VM.SUSPENDED, VM.STOPPED, VM.RESCUED, VM.RESIZED, VM.ERROR].includes(inst.vm_state as never)) {
      throw new Conflict(`Instance ${inst.uuid} has not been created yet.`);
    }
    const raw = body['os-getConsoleOutput'].length;
    const length = raw === undefined || raw === null || Number(raw) === -1 ? undefined : Number(raw);
    try {
      const output = await deps.bus.call<string>(req.ctx, { topic: 'compute', server: inst.host }, 'get_console_output', { instance_uuid: inst.uuid, length }, { timeoutMs: 30_000 });
      return { output };
    } catch (err) {
      if ((err as Error).name === 'GuestNotFound' || /could not be found on the hypervisor/.test((err as Error).message)) throw new Conflict(`Instance ${inst.uuid} is not ready`);
      throw err;
    }
  },
};
