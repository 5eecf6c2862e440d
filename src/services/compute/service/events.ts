// Instance action events and notifications: every step of the flow is recorded under the
// action its request started (os-instance-actions), and announced on the bus as Nova does with
// notification_format=both: the versioned instance.<action>.<phase> (publisher
// nova-compute:<host>, nova-api:<host>…, payload an InstanceActionPayload nova_object) and the
// legacy compute.instance.<action>.<phase> (publisher compute.<host>, info_from_instance's dict).
// Metering and the dashboard's live view read them.
import { hostname } from 'node:os';
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';
import { VM } from '../model/states.ts';
import { computeTaskPayload, legacyFault, legacyInstancePayload, versionedInstancePayload } from './notification-payloads.ts';

/** Runs `fn` as the event `event` of the action the request started on the instance. */
export async function withEvent<T>(deps: ComputeDeps, ctx: RequestContext, instanceUuid: string, event: string, host: string | null, fn: () => Promise<T>): Promise<T> {
  await deps.foreground.checkpoint();
  const actionId = await deps.repos.actions.findId(instanceUuid, ctx.requestId).catch(() => undefined);
  const eventId = actionId ? await deps.repos.actions.eventStart(actionId, event, host) : undefined;
  try {
    const out = await fn();
    if (eventId) await deps.repos.actions.eventFinish(eventId, actionId!, 'Success');
    return out;
  } catch (err) {
    if (eventId) {
      const e = err as Error;
      await deps.repos.actions.eventFinish(eventId, actionId!, 'Error', { traceback: e?.stack ?? String(err), details: e?.message }).catch(() => undefined);
    }
    throw err;
  }
}

/** Who sends a notification: Nova's NotificationPublisher (binary and host). */
export interface Publisher { source: 'nova-api' | 'nova-compute' | 'nova-conductor'; host: string }
export const computeHost = (host: string): Publisher => ({ source: 'nova-compute', host });
/** The API and the conductor of this process publish under its host name, as Nova's CONF.host. */
export const apiHost = (): Publisher => ({ source: 'nova-api', host: hostname() });
export const conductorHost = (): Publisher => ({ source: 'nova-conductor', host: hostname() });

export type Phase = 'start' | 'end' | 'error';

export interface InstanceNotification {
  /** Nova's versioned action name: create, delete, power_off, live_migration_pre, resize_confirm… */
  action: string;
  phase: Phase | null;
  publisher: Publisher;
  /** What failed: makes the notification ERROR and fills the payload's fault. */
  error?: unknown;
  /** Fields of the action's own payload class (snapshot_image_id, rescue_image_ref, new_flavor…). */
  fields?: Record<string, unknown>;
}

/** Legacy event names where they differ from the versioned action; null: Nova has no legacy one. */
const LEGACY_NAME: Record<string, string | null> = {
  live_migration_pre: 'live_migration.pre', live_migration_post: 'live_migration._post', live_migration_rollback: 'live_migration._rollback',
  resize_prep: 'resize.prep',
  resize_finish: 'finish_resize', resize_confirm: 'resize.confirm', resize_revert: 'resize.revert',
  interface_attach: null, interface_detach: null,
};

/** Sends instance.<action>.<phase> in both formats if notifications are on; never fails the caller. */
export async function notify(deps: ComputeDeps, ctx: RequestContext, inst: Instance, n: InstanceNotification): Promise<void> {
  if (!deps.config.bool('compute.notifications')) return;
  const suffix = n.phase ? `.${n.phase}` : '';
  try {
    const tags = n.action === 'create' ? await deps.repos.instances.tags(inst.uuid).catch(() => []) : undefined;
    const versioned = versionedInstancePayload(ctx, inst, n.action, { error: n.error, tags, fields: n.fields });
    const notifier = deps.bus.notifier(`${n.publisher.source}:${n.publisher.host}`);
    await (n.error !== undefined ? notifier.error : notifier.info)(ctx, `instance.${n.action}${suffix}`, versioned);
    const legacy = LEGACY_NAME[n.action] === undefined ? n.action : LEGACY_NAME[n.action];
    if (legacy) {
      const payload = { ...legacyInstancePayload(inst), ...(n.error !== undefined ? legacyFault(n.error) : {}) };
      const old = deps.bus.notifier(`compute.${n.publisher.host}`);
      await (n.phase === 'error' ? old.error : old.info)(ctx, `compute.instance.${legacy}${suffix}`, payload);
    }
  } catch (err) {
    deps.log.warn({ err, event: `instance.${n.action}${suffix}` }, 'could not send a notification');
  }
}

/** The server as it is now (deleted included), for an end notification; `inst` if it is gone. */
export async function current(deps: ComputeDeps, inst: Instance): Promise<Instance> {
  const now = await deps.repos.instances.get(inst.uuid, { readDeleted: true }).catch(() => undefined);
  // A deleted server's ports are gone with it (Nova's delete.end has no ip_addresses).
  return now ? (now.deleted ? { ...now, network_info: [] } : now) : inst;
}

/**
 * Runs `fn` between instance.<action>.start and .end, the end with the server as `fn` left it.
 * With `error`, a failure sends instance.<action>.error with the fault (Nova does for create,
 * reboot, rebuild, resize, interface_attach); without, it sends nothing more, as Nova.
 */
export async function notifyAround<T>(
  deps: ComputeDeps, ctx: RequestContext, inst: Instance, action: string, publisher: Publisher, fn: () => Promise<T>,
  opts: { error?: boolean; fields?: Record<string, unknown> } = {},
): Promise<T> {
  await notify(deps, ctx, inst, { action, phase: 'start', publisher, fields: opts.fields });
  let out: T;
  try {
    out = await fn();
  } catch (err) {
    if (opts.error) await notify(deps, ctx, await current(deps, inst), { action, phase: 'error', publisher, error: err, fields: opts.fields });
    throw err;
  }
  await notify(deps, ctx, await current(deps, inst), { action, phase: 'end', publisher, fields: opts.fields });
  return out;
}

/**
 * The conductor could not build (or move) the server: compute_task.<method>.error (versioned,
 * ComputeTaskPayload) and compute_task.<method> (legacy), as scheduler_utils.set_vm_state_and_notify.
 */
export async function notifyComputeTaskError(deps: ComputeDeps, ctx: RequestContext, inst: Instance, method: string, err: unknown): Promise<void> {
  if (!deps.config.bool('compute.notifications')) return;
  const { host } = conductorHost();
  try {
    await deps.bus.notifier(`nova-conductor:${host}`).error(ctx, `compute_task.${method}.error`, computeTaskPayload(inst, VM.ERROR, err));
    await deps.bus.notifier(`compute_task.${host}`).error(ctx, `compute_task.${method}`, {
      instance_id: inst.uuid, state: VM.ERROR, method, reason: (err as Error)?.message ?? String(err),
      request_spec: { instance_properties: legacyInstancePayload(inst), ...inst.request_spec }, instance_properties: legacyInstancePayload(inst),
    });
  } catch (e) {
    deps.log.warn({ err: e, event: `compute_task.${method}.error` }, 'could not send a notification');
  }
}
