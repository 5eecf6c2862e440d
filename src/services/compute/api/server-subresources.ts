// Things of one server: metadata, tags (2.26), ips, os-interface (port attach/detach).
import { BadRequest, Conflict, NotFound, OverQuota } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import type { NeutronPort } from '../../../lib/clients/network.ts';
import type { ComputeDeps } from '../deps.ts';
import type { Instance } from '../model/instance.ts';
import { VM } from '../model/states.ts';
import { checkLock, checkState } from '../service/guards.ts';
import { mvAtLeast, serverTarget, targetInstance } from './common.ts';
import { addresses } from './server-view.ts';
import { T, validate } from './validation.ts';

const METADATA_STATES = { vm: [VM.ACTIVE, VM.PAUSED, VM.SUSPENDED, VM.STOPPED], task: [null] } as const;
const TAG_STATES = [VM.ACTIVE, VM.PAUSED, VM.SUSPENDED, VM.STOPPED];

export function serverSubresourceRoutes(deps: ComputeDeps): Route[] {
  const target = (req: ApiRequest) => serverTarget(deps, req);
  const metaBody = (key: 'metadata' | 'meta') => ({ type: 'object', required: [key], additionalProperties: false, properties: { [key]: T.metadata } });

  async function setMetadata(req: ApiRequest, inst: Instance, metadata: Record<string, string>, action: string): Promise<Record<string, string>> {
    checkLock(deps, req.ctx, inst);
    checkState(inst, action, METADATA_STATES);
    const limit = (await deps.quotas.limits(inst.project_id)).metadata_items;
    if (limit >= 0 && Object.keys(metadata).length > limit) {
      const e = new OverQuota(`Quota exceeded for metadata_items: Requested ${Object.keys(metadata).length}, but already used 0 of ${limit} metadata_items`);
      (e as { status: number }).status = 403;
      throw e;
    }
    await deps.repos.instances.update(inst.uuid, { metadata }, {});
    return metadata;
  }

  const tagsOnly = (req: ApiRequest) => { if (!mvAtLeast(req, '2.26')) throw new NotFound('The resource could not be found.'); };
  const tagState = (inst: Instance, action: string) => {
    if (!TAG_STATES.includes(inst.vm_state as never)) throw new Conflict(`Cannot '${action}' instance ${inst.uuid} while it is in vm_state ${inst.vm_state}`);
  };
  const checkTag = (tag: string) => {
    if (!tag || tag.length > 60 || /[,/]/.test(tag)) throw new BadRequest(`Tag '${tag}' is invalid. It must be a non empty string without characters '/' and ','.`);
  };

  const attachmentView = (req: ApiRequest, p: NeutronPort, inst: Instance) => {
    const out: Record<string, unknown> = {
      net_id: p.network_id, port_id: p.id, mac_addr: p.mac_address, port_state: p.status,
      fixed_ips: (p.fixed_ips ?? []).map((ip) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })),
    };
    if (mvAtLeast(req, '2.70')) out.tag = inst.network_info.find((v) => v.port_id === p.id)?.tag ?? null;
    return out;
  };

  return [
    // metadata
    { method: 'GET', path: '/v2.1/servers/:server_id/metadata', policy: 'os_compute_api:server-metadata:index', target, handler: (req) => ({ metadata: targetInstance(req).metadata }) },
    {
      method: 'POST', path: '/v2.1/servers/:server_id/metadata', policy: 'os_compute_api:server-metadata:create', target,
      handler: async (req) => {
        validate(req.body, metaBody('metadata'));
        const inst = targetInstance(req);
        return { metadata: await setMetadata(req, inst, { ...inst.metadata, ...req.body.metadata }, 'update metadata') };
      },
    },
    {
      method: 'PUT', path: '/v2.1/servers/:server_id/metadata', policy: 'os_compute_api:server-metadata:update_all', target,
      handler: async (req) => {
        validate(req.body, metaBody('metadata'));
        return { metadata: await setMetadata(req, targetInstance(req), req.body.metadata, 'update metadata') };
      },
    },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/metadata/:key', policy: 'os_compute_api:server-metadata:show', target,
      handler: (req) => {
        const md = targetInstance(req).metadata;
        if (!(req.params.key! in md)) throw new NotFound('Metadata item was not found');
        return { meta: { [req.params.key!]: md[req.params.key!] } };
      },
    },
    {
      method: 'PUT', path: '/v2.1/servers/:server_id/metadata/:key', policy: 'os_compute_api:server-metadata:update', target,
      handler: async (req) => {
        validate(req.body, { ...metaBody('meta'), properties: { meta: { ...T.metadata, minProperties: 1, maxProperties: 1 } } });
        const key = req.params.key!;
        if (!(key in req.body.meta)) throw new BadRequest('Request body and URI mismatch');
        const inst = targetInstance(req);
        await setMetadata(req, inst, { ...inst.metadata, [key]: req.body.meta[key] }, 'update metadata');
        return { meta: { [key]: req.body.meta[key] } };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/servers/:server_id/metadata/:key', policy: 'os_compute_api:server-metadata:delete', target,
      handler: async (req) => {
        const inst = targetInstance(req);
        const key = req.params.key!;
        if (!(key in inst.metadata)) throw new NotFound('Metadata item was not found');
        checkLock(deps, req.ctx, inst);
        checkState(inst, 'delete metadata', METADATA_STATES);
        const { [key]: _gone, ...rest } = inst.metadata;
        await deps.repos.instances.update(inst.uuid, { metadata: rest }, {});
        return undefined;
      },
    },
    // tags
    { method: 'GET', path: '/v2.1/servers/:server_id/tags', policy: 'os_compute_api:os-server-tags:index', target, handler: async (req) => { tagsOnly(req); return { tags: await deps.repos.instances.tags(targetInstance(req).uuid) }; } },
    {
      method: 'PUT', path: '/v2.1/servers/:server_id/tags', policy: 'os_compute_api:os-server-tags:update_all', target,
      handler: async (req) => {
        tagsOnly(req);
        validate(req.body, { type: 'object', required: ['tags'], additionalProperties: false, properties: { tags: { type: 'array', items: T.tag, maxItems: 50 } } });
        const inst = targetInstance(req);
        tagState(inst, 'update tags');
        await deps.repos.instances.setTags(inst.uuid, req.body.tags);
        return { tags: await deps.repos.instances.tags(inst.uuid) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/servers/:server_id/tags', policy: 'os_compute_api:os-server-tags:delete_all', target,
      handler: async (req) => { tagsOnly(req); const inst = targetInstance(req); tagState(inst, 'delete tags'); await deps.repos.instances.setTags(inst.uuid, []); return undefined; },
    },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/tags/:tag', policy: 'os_compute_api:os-server-tags:show', target,
      handler: async (req) => {
        tagsOnly(req);
        if (!(await deps.repos.instances.tags(targetInstance(req).uuid)).includes(req.params.tag!)) throw new NotFound(`Tag ${req.params.tag} could not be found.`);
        return undefined;
      },
    },
    {
      method: 'PUT', path: '/v2.1/servers/:server_id/tags/:tag', policy: 'os_compute_api:os-server-tags:update', target,
      handler: async (req) => {
        tagsOnly(req);
        const inst = targetInstance(req);
        tagState(inst, 'update tag');
        const tag = req.params.tag!;
        checkTag(tag);
        const tags = await deps.repos.instances.tags(inst.uuid);
        if (tags.includes(tag)) return undefined;
        if (tags.length >= 50) throw new BadRequest('The number of tags exceeded the per-server limit 50');
        await deps.repos.instances.addTag(inst.uuid, tag);
        return reply(201, undefined, { location: `${req.baseUrl}/v2.1/servers/${inst.uuid}/tags/${encodeURIComponent(tag)}` });
      },
    },
    {
      method: 'DELETE', path: '/v2.1/servers/:server_id/tags/:tag', policy: 'os_compute_api:os-server-tags:delete', target,
      handler: async (req) => {
        tagsOnly(req);
        const inst = targetInstance(req);
        tagState(inst, 'delete tag');
        if (!await deps.repos.instances.deleteTag(inst.uuid, req.params.tag!)) throw new NotFound(`Tag ${req.params.tag} could not be found.`);
        return undefined;
      },
    },
    // ips
    { method: 'GET', path: '/v2.1/servers/:server_id/ips', policy: 'os_compute_api:ips:index', target, handler: (req) => ({ addresses: addresses(targetInstance(req).network_info, false) }) },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/ips/:network', policy: 'os_compute_api:ips:show', target,
      handler: (req) => {
        const all = addresses(targetInstance(req).network_info, false);
        const label = req.params.network!;
        if (!(label in all)) throw new NotFound('Network not found');
        return { [label]: all[label] };
      },
    },
    // os-interface
    {
      method: 'GET', path: '/v2.1/servers/:server_id/os-interface', policy: 'os_compute_api:os-attach-interfaces:list', target,
      handler: async (req) => {
        const inst = targetInstance(req);
        const ports = await (await deps.clients.networkAsService(req.ctx.requestId)).listPorts({ device_id: inst.uuid });
        return { interfaceAttachments: ports.map((p) => attachmentView(req, p, inst)) };
      },
    },
    {
      method: 'GET', path: '/v2.1/servers/:server_id/os-interface/:port_id', policy: 'os_compute_api:os-attach-interfaces:show', target,
      handler: async (req) => {
        const inst = targetInstance(req);
        const port = await (await deps.clients.networkAsService(req.ctx.requestId)).getPort(req.params.port_id!).catch(() => undefined);
        if (!port || port.device_id !== inst.uuid) throw new NotFound(`Instance ${inst.uuid} does not have a port with id ${req.params.port_id}`);
        return { interfaceAttachment: attachmentView(req, port, inst) };
      },
    },
    {
      method: 'POST', path: '/v2.1/servers/:server_id/os-interface', policy: 'os_compute_api:os-attach-interfaces:create', target,
      handler: async (req) => {
        validate(req.body, { type: 'object', required: ['interfaceAttachment'], additionalProperties: false, properties: { interfaceAttachment: { type: 'object', additionalProperties: false, properties: {
          net_id: T.uuid, port_id: T.uuid, fixed_ips: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'object', required: ['ip_address'], additionalProperties: false, properties: { ip_address: T.ipAddress } } },
          ...(mvAtLeast(req, '2.49') ? { tag: T.tag } : {}) } } } });
        const a = req.body.interfaceAttachment;
        const inst = targetInstance(req);
        if (a.net_id && a.port_id) throw new BadRequest('Must not input both network_id and port_id');
        if (a.fixed_ips && !a.net_id) throw new BadRequest('Must input network_id when request IP address');
        checkLock(deps, req.ctx, inst);
        checkState(inst, 'attach_interface', { vm: [VM.ACTIVE, VM.PAUSED, VM.STOPPED], task: [null] });
        let netId = a.net_id;
        if (!netId && !a.port_id) {
          const nets = await (await deps.clients.network(req.ctx)).listNetworks({ project_id: inst.project_id });
          if (nets.length !== 1) throw new Conflict('Multiple possible networks found, use a Network ID to be more specific.');
          netId = nets[0]!.id;
        }
        if (a.port_id) {
          const port = await (await deps.clients.network(req.ctx)).getPort(a.port_id).catch(() => undefined);
          if (!port) throw new NotFound(`Port ${a.port_id} could not be found.`);
          if (port.device_id) throw new Conflict(`Port ${a.port_id} is still in use.`);
        }
        await deps.repos.actions.start(inst.uuid, 'attach_interface', { requestId: req.ctx.requestId, userId: req.ctx.userId, projectId: req.ctx.projectId });
        const vif = await deps.bus.call<{ port_id: string }>(req.ctx, { topic: 'compute', server: inst.host ?? undefined }, 'attach_interface', {
          instance_uuid: inst.uuid, network_id: netId, port_id: a.port_id, fixed_ip: a.fixed_ips?.[0]?.ip_address, tag: a.tag,
        }, { timeoutMs: 60_000 });
        const port = await (await deps.clients.networkAsService(req.ctx.requestId)).getPort(vif.port_id);
        return { interfaceAttachment: attachmentView(req, port, { ...inst, network_info: [...inst.network_info, { ...vif, tag: a.tag ?? null } as never] }) };
      },
    },
    {
      method: 'DELETE', path: '/v2.1/servers/:server_id/os-interface/:port_id', policy: 'os_compute_api:os-attach-interfaces:delete', target,
      handler: async (req) => {
        const inst = targetInstance(req);
        checkLock(deps, req.ctx, inst);
        checkState(inst, 'detach_interface', { vm: [VM.ACTIVE, VM.PAUSED, VM.STOPPED], task: [null] });
        if (!inst.network_info.some((v) => v.port_id === req.params.port_id)) throw new NotFound(`Port ${req.params.port_id} is not attached`);
        await deps.repos.actions.start(inst.uuid, 'detach_interface', { requestId: req.ctx.requestId, userId: req.ctx.userId, projectId: req.ctx.projectId });
        await deps.bus.cast(req.ctx, { topic: 'compute', server: inst.host ?? undefined }, 'detach_interface', { instance_uuid: inst.uuid, port_id: req.params.port_id });
        return reply(202);
      },
    },
  ];
}
