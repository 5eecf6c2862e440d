// Server actions that move, rebuild or copy a server: resize (+confirm/revert), migrate,
// os-migrateLive, shelve/shelveOffload/unshelve, rebuild, createImage, createBackup.
import { BadRequest, Conflict, Gone, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import { snapshotOf } from '../db/flavors.ts';
import type { Instance } from '../model/instance.ts';
import { TASK, VM } from '../model/states.ts';
import { generatePassword } from '../service/create.ts';
import { checkLock, checkState, startAction } from '../service/guards.ts';
import type { ActionHandler } from './actions-basic.ts';
import { getInstance, mvAtLeast } from './common.ts';
import { visibleFlavor } from './flavors.ts';
import { rebuildSchema } from './server-schemas.ts';
import { showOne } from './servers.ts';
import { normalizeIpv6, T, validate } from './validation.ts';

const own = (inst: Instance) => ({ project_id: inst.project_id, user_id: inst.user_id });
const can = (deps: ComputeDeps, req: ApiRequest, rule: string, inst: Instance) => deps.policy.authorize(rule, own(inst), req.ctx);
const record = (deps: ComputeDeps, req: ApiRequest, inst: Instance, action: string) =>
  deps.repos.actions.start(inst.uuid, action, { requestId: req.ctx.requestId, userId: req.ctx.userId, projectId: req.ctx.projectId });

/** Creates the (queued) image a snapshot or shelve will upload into (compute_utils.create_image). */
async function createImageRecord(deps: ComputeDeps, req: ApiRequest, inst: Instance, name: string, type: 'snapshot' | 'backup', extra: Record<string, string>) {
  const inherited: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inst.system_metadata)) {
    if (!k.startsWith('image_')) continue;
    const key = k.slice(6);
    if (['base_image_ref', 'min_ram', 'min_disk', 'disk_format', 'container_format', 'owner_project_name', 'owner_user_name'].includes(key) || key.startsWith('img_signature') || key === 'cinder_encryption_key_id') continue;
    inherited[key] = v;
  }
  const props: Record<string, unknown> = {
    ...inherited, name, instance_uuid: inst.uuid, user_id: req.ctx.userId ?? '', image_type: type,
    min_ram: Number(inst.system_metadata.image_min_ram ?? 0), min_disk: Number(inst.system_metadata.image_min_disk ?? 0),
    visibility: req.ctx.projectId === inst.project_id ? 'private' : 'shared', ...extra,
  };
  if (inst.image_ref) props.base_image_ref = inst.image_ref;
  if (req.ctx.projectId !== inst.project_id) props.instance_owner = inst.project_id;
  for (const [k, v] of Object.entries(props)) if (typeof v === 'string' && k !== 'name' && v === '') delete props[k];
  return (await deps.clients.image(req.ctx)).createImage(props);
}

const snapshotStates = { vm: [VM.ACTIVE, VM.STOPPED, VM.PAUSED, VM.SUSPENDED] };

export const lifecycleActions: Record<string, ActionHandler> = {
  resize: async (deps, req, inst, body) => {
    validate(body, { type: 'object', required: ['resize'], additionalProperties: false, properties: { resize: { type: 'object', required: ['flavorRef'], additionalProperties: false, properties: { flavorRef: T.flavorRef, 'OS-DCF:diskConfig': T.diskConfig } } } });
    can(deps, req, 'os_compute_api:servers:resize', inst);
    checkLock(deps, req.ctx, inst);
    checkState(inst, 'resize', { vm: [VM.ACTIVE, VM.STOPPED] });
    let flavor;
    try { flavor = await visibleFlavor(deps, req, String(body.resize.flavorRef)); } catch (err) {
      if (err instanceof NotFound) throw new BadRequest(`Unable to find flavor with flavor_id ${body.resize.flavorRef}`);
      throw err;
    }
    if (flavor.flavorid === inst.flavor.flavorid) throw new BadRequest('When resizing, instances must change flavor!');
    if (flavor.disabled) throw new BadRequest(`Flavor ${flavor.flavorid} could not be found.`);
    if (flavor.root_gb < inst.flavor.root_gb && inst.image_ref) throw new BadRequest('Resize error: Unable to resize disk down.');
    // Growing needs quota for the difference (Nova's upsize check).
    const dv = flavor.vcpus - inst.flavor.vcpus;
    const dr = flavor.memory_mb - inst.flavor.memory_mb;
    if (dv > 0 || dr > 0) await deps.quotas.checkDelta(inst.project_id, inst.user_id, { cores: dv, ram: dr });
    const disk = body.resize['OS-DCF:diskConfig'];
    await startAction(deps, req.ctx, inst, { action: 'resize', apiAction: 'resize', task: TASK.RESIZE_PREP, rule: { vm: [VM.ACTIVE, VM.STOPPED] }, changes: disk ? { auto_disk_config: disk === 'AUTO' } : {} });
    await deps.bus.cast(req.ctx, { topic: 'conductor' }, 'migrate_server', { instance_uuid: inst.uuid, new_flavor: snapshotOf(flavor) });
    return reply(202);
  },

  confirmResize: async (deps, req, inst) => {
    can(deps, req, 'os_compute_api:servers:confirm_resize', inst);
    checkLock(deps, req.ctx, inst);
    checkState(inst, 'confirmResize', { vm: [VM.RESIZED] });
    const mig = await deps.repos.migrations.latest(inst.uuid, ['finished']);
    if (!mig) throw new BadRequest('Instance has not been resized.');
    await record(deps, req, inst, 'confirmResize');
    await deps.repos.migrations.setStatus(mig.id, 'confirming');
    await deps.bus.cast(req.ctx, { topic: 'compute', server: mig.source_compute ?? undefined }, 'confirm_resize', { instance_uuid: inst.uuid, migration_id: mig.id });
    return reply(204);
  },

  revertResize: async (deps, req, inst) => {
    can(deps, req, 'os_compute_api:servers:revert_resize', inst);
    checkLock(deps, req.ctx, inst);
    const mig = await deps.repos.migrations.latest(inst.uuid, ['finished']);
    if (inst.vm_state === VM.RESIZED && !mig) throw new BadRequest('Instance has not been resized.');
    await startAction(deps, req.ctx, inst, { action: 'revertResize', apiAction: 'revertResize', task: TASK.RESIZE_REVERTING, rule: { vm: [VM.RESIZED] } });
    await deps.bus.cast(req.ctx, { topic: 'compute', server: mig!.dest_compute ?? undefined }, 'revert_resize', { instance_uuid: inst.uuid, migration_id: mig!.id });
    return reply(202);
  },

  migrate: async (deps, req, inst, body) => {
    const host = mvAtLeast(req, '2.56') ? body?.migrate?.host ?? null : null;
    if (host) can(deps, req, 'os_compute_api:os-migrate-server:migrate:host', inst);
    else can(deps, req, 'os_compute_api:os-migrate-server:migrate', inst);
    checkLock(deps, req.ctx, inst);
    if (host && !(await deps.repos.hosts.nodes({ host })).length) throw new BadRequest(`Compute host ${host} could not be found.`);
    await startAction(deps, req.ctx, inst, { action: 'migrate', apiAction: 'migrate', task: TASK.RESIZE_PREP, rule: { vm: [VM.ACTIVE, VM.STOPPED] } });
    await deps.bus.cast(req.ctx, { topic: 'conductor' }, 'migrate_server', { instance_uuid: inst.uuid, host });
    return reply(202);
  },

  'os-migrateLive': async (deps, req, inst, body) => {
    const args = body?.['os-migrateLive'] ?? {};
    const host = args.host ?? null;
    if (host) can(deps, req, 'os_compute_api:os-migrate-server:migrate_live:host', inst);
    else can(deps, req, 'os_compute_api:os-migrate-server:migrate_live', inst);
    checkLock(deps, req.ctx, inst);
    if (host && !(await deps.repos.hosts.nodes({ host })).length) throw new BadRequest(`Compute host ${host} could not be found.`);
    if (host === inst.host) throw new BadRequest(`The supplied hypervisor type of is invalid: unable to migrate instance (${inst.uuid}) to current host (${host}).`);
    await startAction(deps, req.ctx, inst, { action: 'live-migration', apiAction: 'os-migrateLive', task: TASK.MIGRATING, rule: { vm: [VM.ACTIVE, VM.PAUSED] } });
    await deps.bus.cast(req.ctx, { topic: 'conductor' }, 'migrate_server', { instance_uuid: inst.uuid, host, live: true });
    return reply(202);
  },

  shelve: async (deps, req, inst) => {
    can(deps, req, 'os_compute_api:os-shelve:shelve', inst);
    checkLock(deps, req.ctx, inst);
    checkState(inst, 'shelve', { vm: [VM.ACTIVE, VM.STOPPED, VM.PAUSED, VM.SUSPENDED] });
    const image = inst.image_ref ? await createImageRecord(deps, req, inst, `${inst.display_name}-shelved`, 'snapshot', {}) : undefined;
    const offload = deps.config.int('compute.shelved_offload_time') === 0;
    await startAction(deps, req.ctx, inst, { action: 'shelve', apiAction: 'shelve', task: TASK.SHELVING, rule: snapshotStates, method: 'shelve_instance', args: { image_id: image?.id ?? null, offload } });
    return reply(202);
  },

  shelveOffload: async (deps, req, inst) => {
    can(deps, req, 'os_compute_api:os-shelve:shelve_offload', inst);
    checkLock(deps, req.ctx, inst);
    await startAction(deps, req.ctx, inst, { action: 'shelveOffload', apiAction: 'shelveOffload', task: TASK.SHELVING_OFFLOADING, rule: { vm: [VM.SHELVED] }, method: 'shelve_offload_instance' });
    return reply(202);
  },

  unshelve: async (deps, req, inst, body) => {
    can(deps, req, 'os_compute_api:os-shelve:unshelve', inst);
    checkLock(deps, req.ctx, inst);
    const u = body?.unshelve && typeof body.unshelve === 'object' ? body.unshelve : {};
    if (u.host) can(deps, req, 'os_compute_api:os-shelve:unshelve_to_host', inst);
    checkState(inst, 'unshelve', { vm: [VM.SHELVED, VM.SHELVED_OFFLOADED] });
    if (inst.vm_state === VM.SHELVED) {
      // Still on its host: powering on is all it takes (Nova's conductor does the same).
      await startAction(deps, req.ctx, inst, { action: 'unshelve', apiAction: 'unshelve', task: TASK.UNSHELVING, rule: { vm: [VM.SHELVED] }, method: 'unshelve_instance' });
      return reply(202);
    }
    await startAction(deps, req.ctx, inst, { action: 'unshelve', apiAction: 'unshelve', task: TASK.UNSHELVING, rule: { vm: [VM.SHELVED_OFFLOADED] } });
    await deps.bus.cast(req.ctx, { topic: 'conductor' }, 'unshelve_instance', { instance_uuid: inst.uuid, zone: u.availability_zone ?? null, host: u.host ?? null });
    return reply(202);
  },

  rebuild: async (deps, req, inst, body) => {
    validate(body, rebuildSchema(req.microversion!));
    can(deps, req, 'os_compute_api:servers:rebuild', inst);
    checkLock(deps, req.ctx, inst);
    checkState(inst, 'rebuild', { vm: [VM.ACTIVE, VM.STOPPED, VM.ERROR] });
    const r = body.rebuild;
    let image;
    try { image = await (await deps.clients.image(req.ctx)).getImage(r.imageRef); } catch (err) {
      if (err instanceof NotFound) throw new BadRequest(`Image ${r.imageRef} could not be found.`);
      throw err;
    }
    if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
    if ((image.min_ram ?? 0) > inst.flavor.memory_mb) throw new BadRequest("Flavor's memory is too small for requested image.");
    if (inst.flavor.root_gb > 0 && (image.min_disk ?? 0) > inst.flavor.root_gb) throw new BadRequest("Flavor's disk is too small for requested image.");
    const changes: Partial<Instance> = { image_ref: image.id };
    if (r.name !== undefined) changes.display_name = r.name.trim();
    if (r.description !== undefined) changes.display_description = r.description;
    if (r.metadata !== undefined) changes.metadata = r.metadata;
    if (r.accessIPv4 !== undefined) changes.access_ip_v4 = r.accessIPv4;
    if (r.accessIPv6 !== undefined) changes.access_ip_v6 = r.accessIPv6 ? normalizeIpv6(r.accessIPv6) : null;
    if (r.hostname !== undefined) changes.hostname = r.hostname;
    if (r.user_data !== undefined) changes.user_data = r.user_data;
    if (r['OS-DCF:diskConfig'] !== undefined) changes.auto_disk_config = r['OS-DCF:diskConfig'] === 'AUTO';
    if (r.key_name !== undefined) {
      if (r.key_name === null) { changes.key_name = null; changes.key_data = null; } else {
        const kp = await deps.repos.keypairs.get(inst.user_id, r.key_name);
        if (!kp) throw new BadRequest(`Invalid key_name provided.`);
        changes.key_name = kp.name; changes.key_data = kp.public_key;
      }
    }
    const password = r.adminPass ?? generatePassword();
    await startAction(deps, req.ctx, inst, {
      action: 'rebuild', apiAction: 'rebuild', task: TASK.REBUILDING, rule: { vm: [VM.ACTIVE, VM.STOPPED, VM.ERROR] }, changes,
      method: 'rebuild_instance', args: { image_ref: image.id, admin_password: password, stopped: inst.vm_state === VM.STOPPED },
    });
    const fresh = await getInstance(deps, inst.uuid);
    const server = await showOne(deps, req, fresh, !mvAtLeast(req, '2.75'), false);
    // As Nova: key_name (2.54) and user_data (2.57) are added to the view by hand.
    if (mvAtLeast(req, '2.54')) server.key_name = fresh.key_name;
    if (mvAtLeast(req, '2.57')) server.user_data = fresh.user_data;
    if (deps.config.bool('compute.enable_instance_password')) server.adminPass = password;
    return reply(202, { server });
  },

  createImage: async (deps, req, inst, body) => {
    validate(body, { type: 'object', required: ['createImage'], additionalProperties: false, properties: { createImage: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: T.name, metadata: T.metadata } } } });
    can(deps, req, 'os_compute_api:servers:create_image', inst);
    checkState(inst, 'createImage', snapshotStates);
    const image = await createImageRecord(deps, req, inst, body.createImage.name, 'snapshot', body.createImage.metadata ?? {});
    try {
      await startAction(deps, req.ctx, inst, { action: 'createImage', apiAction: 'createImage', task: TASK.IMAGE_SNAPSHOT, rule: snapshotStates, method: 'snapshot_instance', args: { image_id: image.id } });
    } catch (err) {
      await (await deps.clients.image(req.ctx)).deleteImage(image.id).catch(() => undefined);
      throw err;
    }
    const location = `${req.baseUrl}/images/${image.id}`;
    return mvAtLeast(req, '2.45') ? reply(202, { image_id: image.id }) : reply(202, undefined, { location });
  },

  createBackup: async (deps, req, inst, body) => {
    validate(body, { type: 'object', required: ['createBackup'], additionalProperties: false, properties: { createBackup: { type: 'object', required: ['name', 'backup_type', 'rotation'], additionalProperties: false, properties: { name: T.name, backup_type: { type: 'string' }, rotation: T.nonNegativeInteger, metadata: T.metadata } } } });
    can(deps, req, 'os_compute_api:os-create-backup', inst);
    checkState(inst, 'createBackup', snapshotStates);
    const b = body.createBackup;
    const image = await createImageRecord(deps, req, inst, b.name, 'backup', { ...(b.metadata ?? {}), backup_type: b.backup_type });
    await startAction(deps, req.ctx, inst, { action: 'createBackup', apiAction: 'createBackup', task: TASK.IMAGE_BACKUP, rule: snapshotStates, method: 'snapshot_instance', args: { image_id: image.id, backup: { type: b.backup_type, rotation: Number(b.rotation) } } });
    return mvAtLeast(req, '2.45') ? reply(202, { image_id: image.id }) : reply(202, undefined, { location: `${req.baseUrl}/images/${image.id}` });
  },

  changePassword: async (deps, req, inst, body) => {
    validate(body, { type: 'object', required: ['changePassword'], additionalProperties: false, properties: { changePassword: { type: 'object', required: ['adminPass'], additionalProperties: false, properties: { adminPass: { type: 'string' } } } } });
    can(deps, req, 'os_compute_api:os-admin-password', inst);
    checkLock(deps, req.ctx, inst);
    checkState(inst, 'changePassword', { vm: [VM.ACTIVE] });
    await record(deps, req, inst, 'changePassword');
    return reply(202);
  },

  evacuate: async () => { throw new Conflict('Evacuate needs a down compute host; the fake hosts of this process are never down.'); },
  resetNetwork: async () => { throw new Gone('The resetNetwork action was removed with nova-network.'); },
};

