// Instance action events and notifications: every step of the flow is recorded under the
// action its request started (os-instance-actions), and announced on the bus as Nova's
// compute.instance.* notifications (metering, the dashboard's live view).
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';

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

/** Nova's info_from_instance: the payload of legacy compute.instance.* notifications. */
export function instancePayload(inst: Instance, imageBase?: string): Record<string, unknown> {
  const f = inst.flavor;
  return {
    tenant_id: inst.project_id, user_id: inst.user_id, instance_id: inst.uuid, display_name: inst.display_name,
    reservation_id: inst.reservation_id, hostname: inst.hostname, instance_type: f.name, instance_type_id: f.flavorid,
    instance_flavor_id: f.flavorid, memory_mb: f.memory_mb, disk_gb: f.root_gb + f.ephemeral_gb, root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb, vcpus: f.vcpus, host: inst.host, node: inst.node, availability_zone: inst.availability_zone,
    created_at: inst.created_at, launched_at: inst.launched_at ?? '', terminated_at: inst.terminated_at ?? '', deleted_at: inst.deleted_at ?? '',
    state: inst.vm_state, state_description: inst.task_state ?? '', progress: inst.progress ?? '', power_state: inst.power_state,
    image_ref_url: imageBase && inst.image_ref ? `${imageBase}/images/${inst.image_ref}` : inst.image_ref, metadata: inst.metadata,
    image_meta: Object.fromEntries(Object.entries(inst.system_metadata).filter(([k]) => k.startsWith('image_')).map(([k, v]) => [k.slice(6), v])),
    access_ip_v4: inst.access_ip_v4, access_ip_v6: inst.access_ip_v6,
    fixed_ips: inst.network_info.flatMap((v) => v.ips.map((ip) => ({ address: ip.address, version: ip.version, type: ip.type, label: v.network_label, vif_mac: v.mac_address }))),
  };
}

/** Sends compute.instance.<what> from `publisher` if notifications are on; never fails the caller. */
export async function notify(deps: ComputeDeps, ctx: RequestContext, what: string, inst: Instance, publisher: string, extra: Record<string, unknown> = {}): Promise<void> {
  if (!deps.config.bool('compute.notifications')) return;
  try {
    const notifier = publisher === 'api' ? deps.notifier : deps.bus.notifier(publisher);
    const priority = what.endsWith('.error') ? 'error' : 'info';
    await notifier[priority](ctx, `compute.instance.${what}`, { ...instancePayload(inst), ...extra });
  } catch (err) {
    deps.log.warn({ err, event: what }, 'could not send a notification');
  }
}
