// Scheduling the moves of a server (nova.conductor.tasks.migrate / live_migrate, unshelve): the
// old allocation goes to the migration record as its consumer, the scheduler claims the new one
// for the server, and the agents are told what to do.
import type { RequestContext } from '../../../lib/auth/context.ts';
import type { RpcMethod } from '../../../lib/bus/index.ts';
import type { ComputeDeps } from '../deps.ts';
import type { MigrationRecord } from '../db/migration-records.ts';
import type { FlavorSnapshot, Instance } from '../model/instance.ts';
import { TASK, VM } from '../model/states.ts';
import { isNoValidHost, type SelectRequest, type Selection } from '../scheduler/scheduler.ts';
import { withEvent } from '../service/events.ts';

export interface MigrateArgs {
  instance_uuid: string;
  /** Resize: the new flavor; migrate: absent. */
  new_flavor?: FlavorSnapshot;
  /** The destination the admin asked for. */
  host?: string | null;
  live?: boolean;
}

type Select = (ctx: RequestContext, req: SelectRequest) => Promise<Selection[]>;

export function migrationEndpoint(deps: ComputeDeps, select: Select): Record<string, RpcMethod> {
  const owner = (i: Instance) => ({ projectId: i.project_id, userId: i.user_id });

  /** Puts the server back as it was when no destination could be found. */
  async function abort(inst: Instance, mig: MigrationRecord, err: unknown): Promise<void> {
    await deps.repos.migrations.setStatus(mig.id, 'error');
    await deps.placement.moveAllocations(mig.uuid, inst.uuid, owner(inst)).catch(() => undefined);
    await deps.repos.instances.update(inst.uuid, { task_state: null }, {});
    deps.log.info({ err: String(err), instance: inst.uuid }, 'move aborted');
  }

  async function migrate(ctx: RequestContext, args: MigrateArgs): Promise<void> {
    const inst = await deps.repos.instances.get(args.instance_uuid);
    if (!inst || !inst.host) return;
    const type = args.live ? 'live-migration' : args.new_flavor ? 'resize' : 'migration';
    const flavor = args.new_flavor ?? inst.flavor;
    const mig = await deps.repos.migrations.create({
      instance_uuid: inst.uuid, migration_type: type, status: args.live ? 'preparing' : 'pre-migrating', source_compute: inst.host,
      source_node: inst.node, dest_compute: null, dest_node: null, dest_host: null, old_flavorid: inst.flavor.flavorid,
      new_flavorid: flavor.flavorid, old_type_id: inst.flavor.seq ?? null, new_type_id: flavor.seq ?? null, project_id: inst.project_id, user_id: inst.user_id,
    });
    // The source allocation now belongs to the migration; the server gets a new one below.
    await deps.placement.moveAllocations(inst.uuid, mig.uuid, owner(inst), 'MIGRATION');
    const sameHostOk = type === 'resize' && deps.config.bool('compute.allow_resize_to_same_host');
    let sel: Selection;
    try {
      [sel] = await withEvent(deps, ctx, inst.uuid, args.live ? 'conductor_live_migrate_instance' : 'conductor_migrate_server', null, () => select(ctx, {
        instance_uuids: [inst.uuid], flavor, project_id: inst.project_id, user_id: inst.user_id,
        spec: { ...inst.request_spec, tried_hosts: [], force_host: null, force_node: null, requested_host: args.host ?? null, requested_hypervisor_hostname: null },
        exclude_hosts: sameHostOk ? [] : [inst.host!],
        zone: inst.request_spec.availability_zone ?? null,
      })) as [Selection];
    } catch (err) {
      await abort(inst, mig, err);
      if (!isNoValidHost(err)) deps.log.error({ err }, 'scheduling a move failed');
      return;
    }
    await deps.repos.migrations.setStatus(mig.id, args.live ? 'running' : 'migrating', { dest_compute: sel.host, dest_node: sel.node, dest_host: sel.host });
    if (args.live) {
      await deps.bus.cast(ctx, { topic: 'compute', server: inst.host }, 'live_migration', { instance_uuid: inst.uuid, migration_id: mig.id, dest: sel.host, dest_node: sel.node });
    } else {
      await deps.bus.cast(ctx, { topic: 'compute', server: inst.host }, 'resize_instance', { instance_uuid: inst.uuid, migration_id: mig.id, new_flavor: flavor, dest: sel.host, dest_node: sel.node });
    }
  }

  async function unshelve(ctx: RequestContext, args: { instance_uuid: string; zone?: string | null; host?: string | null }): Promise<void> {
    const inst = await deps.repos.instances.get(args.instance_uuid);
    if (!inst || inst.vm_state !== VM.SHELVED_OFFLOADED || inst.task_state !== TASK.UNSHELVING) return;
    let sel: Selection;
    try {
      [sel] = await withEvent(deps, ctx, inst.uuid, 'schedule_instances', null, () => select(ctx, {
        instance_uuids: [inst.uuid], flavor: inst.flavor, project_id: inst.project_id, user_id: inst.user_id,
        spec: { ...inst.request_spec, tried_hosts: [], requested_host: args.host ?? null, availability_zone: args.zone ?? inst.request_spec.availability_zone },
        zone: args.zone ?? inst.request_spec.availability_zone ?? null,
      })) as [Selection];
    } catch (err) {
      // Nova leaves the server SHELVED_OFFLOADED when no host can take it.
      await deps.repos.instances.update(inst.uuid, { task_state: null }, {});
      if (!isNoValidHost(err)) deps.log.error({ err }, 'scheduling an unshelve failed');
      return;
    }
    await deps.repos.instances.update(inst.uuid, { host: sel.host, node: sel.node, availability_zone: sel.zone }, { taskState: [TASK.UNSHELVING] });
    await deps.bus.cast(ctx, { topic: 'compute', server: sel.host }, 'unshelve_instance', { instance_uuid: inst.uuid, node: sel.node });
  }

  return {
    migrate_server: (ctx, args: MigrateArgs) => migrate(ctx, args),
    unshelve_instance: (ctx, args) => unshelve(ctx, args),
  };
}
