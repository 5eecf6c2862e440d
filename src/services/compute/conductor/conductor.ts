// The conductor (nova-conductor), on bus topic `conductor`: turns accepted builds into placed
// ones — asks the scheduler, records the host, casts build_and_run_instance to that host's agent
// — and reschedules a failed build elsewhere until compute.max_attempts, then ERROR with a fault.
// Moves (resize, migrate, live-migrate, unshelve) are scheduled here as well.
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { Endpoint } from '../../../lib/bus/index.ts';
import { CloudError } from '../../../lib/errors.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';
import { TASK, VM } from '../model/states.ts';
import { isNoValidHost, type SelectRequest, type Selection } from '../scheduler/scheduler.ts';
import { notifyComputeTaskError, withEvent } from '../service/events.ts';
import { migrationEndpoint } from './moves.ts';

/** Nova's MaxRetriesExceeded: every host the build was allowed to try failed it. */
class MaxRetriesExceeded extends CloudError {
  override readonly code = 'MaxRetriesExceeded';
}

export interface BuildArgs { instance_uuids: string[]; admin_password?: string }
export interface RescheduleArgs { instance_uuid: string; failed_host: string; reason: string; admin_password?: string }

export function conductorEndpoint(deps: ComputeDeps): Endpoint {
  const select = (ctx: RequestContext, req: SelectRequest) =>
    deps.bus.call<Selection[]>(ctx, { topic: 'scheduler' }, 'select_destinations', req, { timeoutMs: 120_000 });

  /** ERROR with a fault, as Nova's _set_vm_state_and_notify. */
  async function fail(ctx: RequestContext, inst: Instance, message: string, details: string | null, failure: unknown): Promise<void> {
    await deps.placement.deleteAllocations(inst.uuid).catch((err) => deps.log.warn({ err, instance: inst.uuid }, 'could not release allocations'));
    const done = await deps.repos.instances.update(inst.uuid, { vm_state: VM.ERROR, task_state: null, host: null, node: null }, {});
    if (!done) return;
    await deps.repos.instances.addFault(inst.uuid, { code: 500, message, details });
    // Not instance.create.error: in Nova only the compute host sends that; the conductor's
    // failure is compute_task.build_instances.error.
    await notifyComputeTaskError(deps, ctx, { ...inst, vm_state: VM.ERROR, task_state: null, host: null, node: null }, 'build_instances', failure);
  }

  /** Schedules instances that share one request spec and casts each to its host. */
  async function scheduleAndBuild(ctx: RequestContext, instances: Instance[], adminPassword: string | undefined, exclude: string[] = []): Promise<void> {
    const first = instances[0]!;
    let selections: Selection[];
    try {
      selections = await withEvent(deps, ctx, first.uuid, 'schedule_instances', null, () => select(ctx, {
        instance_uuids: instances.map((i) => i.uuid), flavor: first.flavor, spec: first.request_spec, project_id: first.project_id,
        user_id: first.user_id, exclude_hosts: exclude,
      }));
    } catch (err) {
      const noHost = isNoValidHost(err);
      const message = noHost ? (err as Error).message : `Build of instance ${first.uuid} aborted: ${(err as Error).message}`;
      if (!noHost) deps.log.error({ err }, 'scheduling failed');
      for (const inst of instances) await fail(ctx, inst, message, noHost ? null : (err as Error).stack ?? null, err);
      return;
    }
    for (const sel of selections) {
      await deps.foreground.checkpoint();
      const inst = instances.find((i) => i.uuid === sel.instance_uuid)!;
      // The server may have been deleted while it was scheduled: then the claim goes too.
      const placed = await deps.repos.instances.update(inst.uuid, { host: sel.host, node: sel.node, availability_zone: sel.zone }, { taskState: [TASK.SCHEDULING] });
      if (!placed) {
        await deps.placement.deleteAllocations(inst.uuid).catch(() => undefined);
        continue;
      }
      try {
        await deps.bus.cast(ctx, { topic: 'compute', server: sel.host }, 'build_and_run_instance', { instance_uuid: inst.uuid, node: sel.node, admin_password: adminPassword });
      } catch (err) {
        await fail(ctx, inst, `Build of instance ${inst.uuid} aborted: compute host ${sel.host} is not reachable`, String(err), err);
      }
    }
  }

  async function build(ctx: RequestContext, args: BuildArgs): Promise<void> {
    await deps.foreground.run(() => buildNow(ctx, args));
  }

  async function buildNow(ctx: RequestContext, args: BuildArgs): Promise<void> {
    const instances = (await deps.repos.instances.getMany(args.instance_uuids)).filter((i) => i.vm_state === VM.BUILDING && i.task_state === TASK.SCHEDULING);
    if (!instances.length) return;
    await withEvent(deps, ctx, instances[0]!.uuid, 'conductor_schedule_and_build_instances', null, () => scheduleAndBuild(ctx, instances, args.admin_password));
  }

  async function reschedule(ctx: RequestContext, args: RescheduleArgs): Promise<void> {
    const inst = await deps.repos.instances.get(args.instance_uuid);
    if (!inst || inst.task_state !== TASK.SCHEDULING) return;
    const tried = [...new Set([...(inst.request_spec.tried_hosts ?? []), args.failed_host])];
    const spec = { ...inst.request_spec, tried_hosts: tried, num_attempts: tried.length };
    await deps.repos.instances.update(inst.uuid, { request_spec: spec }, {});
    if (tried.length >= deps.config.int('compute.max_attempts')) {
      const message = `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${inst.uuid}.`;
      await fail(ctx, { ...inst, request_spec: spec }, message, args.reason, new MaxRetriesExceeded(message));
      return;
    }
    await scheduleAndBuild(ctx, [{ ...inst, request_spec: spec }], args.admin_password);
  }

  return {
    version: '1.0',
    methods: {
      build_instances: (ctx, args: BuildArgs) => build(ctx, args),
      reschedule_instance: (ctx, args: RescheduleArgs) => reschedule(ctx, args),
      ...migrationEndpoint(deps, select),
    },
  };
}
