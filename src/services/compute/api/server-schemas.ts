// Request schemas of the servers API per microversion (nova/api/openstack/compute/schemas/servers.py).
import { Microversion } from '../../../lib/http/microversion.ts';
import { T, type Schema } from './validation.ts';

const personality = { type: 'array', items: { type: 'object', additionalProperties: false, properties: { path: { type: 'string' }, contents: { type: 'string', format: 'base64' } } } };
const trustedCerts = { type: ['array', 'null'], minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1 } };
const userData = { type: 'string', format: 'base64', maxLength: 65535 };

const hints = {
  type: 'object', additionalProperties: true,
  properties: {
    group: { oneOf: [{ type: 'array', items: T.uuid }, T.uuid] },
    different_host: { oneOf: [T.uuid, { type: 'array', items: T.uuid }] },
    same_host: { type: ['string', 'array'], items: T.uuid },
    query: { type: ['string', 'object'] },
    target_cell: T.name,
    different_cell: { type: ['string', 'array'], items: { type: 'string' } },
    build_near_host_ip: T.ipAddress,
    cidr: { type: 'string', pattern: '^/[0-9a-f.:]+$' },
  },
};

function bdm(mv: Microversion): Schema {
  const props: Record<string, unknown> = {
    virtual_name: { type: 'string', maxLength: 255 }, volume_id: T.uuid, snapshot_id: T.uuid,
    volume_size: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: 2147483647 },
    device_name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._/-]*$' },
    delete_on_termination: T.boolean, no_device: {}, connection_info: { type: 'string', maxLength: 16777215 },
    source_type: { type: 'string', enum: ['volume', 'image', 'snapshot', 'blank'] },
    uuid: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._-]*$' }, image_id: T.uuid,
    destination_type: { type: 'string', enum: ['local', 'volume'] }, guest_format: { type: 'string', maxLength: 255 },
    device_type: { type: 'string', maxLength: 255 }, disk_bus: { type: 'string', maxLength: 255 },
    boot_index: { type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$' },
  };
  if (mv.gte('2.32') && !mv.gte('2.33')) props.tag = T.tag;
  if (mv.gte('2.42')) props.tag = T.tag;
  if (mv.gte('2.67')) props.volume_type = { type: ['string', 'null'], minLength: 0, maxLength: 255 };
  return { type: 'object', additionalProperties: false, properties: props };
}

function networks(mv: Microversion): Schema {
  const item = (uuidFormat: boolean, tag: boolean) => ({
    type: 'object', additionalProperties: false,
    properties: {
      fixed_ip: T.ipAddress, port: { type: ['string', 'null'], format: 'uuid' },
      uuid: uuidFormat ? T.uuid : { type: 'string' }, ...(tag ? { tag: T.tag } : {}),
    },
  });
  if (mv.gte('2.37')) return { oneOf: [{ type: 'array', items: item(true, mv.gte('2.42')) }, { type: 'string', enum: ['none', 'auto'] }] };
  return { type: 'array', items: item(false, mv.gte('2.32')) };
}

export function createSchema(mv: Microversion): Schema {
  const server: Record<string, unknown> = {
    name: T.name, imageRef: T.imageIdOrEmpty, flavorRef: T.flavorRef, adminPass: { type: 'string' }, metadata: T.metadata,
    networks: networks(mv), 'OS-DCF:diskConfig': T.diskConfig, accessIPv4: T.accessIPv4, accessIPv6: T.accessIPv6,
    availability_zone: T.name, block_device_mapping: { type: 'array', items: bdm(new Microversion(2, 1)) },
    block_device_mapping_v2: { type: 'array', items: bdm(mv) }, config_drive: T.boolean, key_name: T.name,
    min_count: T.positiveInteger, max_count: T.positiveInteger, return_reservation_id: T.boolean,
    security_groups: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { name: T.name } } },
    user_data: userData,
  };
  if (!mv.gte('2.57')) server.personality = personality;
  if (mv.gte('2.19')) server.description = T.description;
  if (mv.gte('2.52')) server.tags = { type: 'array', items: T.tag, maxItems: 50 };
  if (mv.gte('2.63')) server.trusted_image_certificates = trustedCerts;
  if (mv.gte('2.74')) { server.host = T.fqdn; server.hypervisor_hostname = T.fqdn; }
  if (mv.gte('2.90')) server.hostname = mv.gte('2.94') ? T.fqdn : T.hostname;
  return {
    type: 'object', required: ['server'], additionalProperties: false,
    properties: {
      server: { type: 'object', properties: server, required: mv.gte('2.37') ? ['name', 'flavorRef', 'networks'] : ['name', 'flavorRef'], additionalProperties: false },
      'os:scheduler_hints': hints, 'OS-SCH-HNT:scheduler_hints': hints,
    },
  };
}

export function updateSchema(mv: Microversion): Schema {
  const server: Record<string, unknown> = { name: T.name, 'OS-DCF:diskConfig': T.diskConfig, accessIPv4: T.accessIPv4, accessIPv6: T.accessIPv6 };
  if (mv.gte('2.19')) server.description = T.description;
  if (mv.gte('2.90')) server.hostname = mv.gte('2.94') ? T.fqdn : T.hostname;
  return { type: 'object', required: ['server'], additionalProperties: false, properties: { server: { type: 'object', properties: server, additionalProperties: false } } };
}

export function rebuildSchema(mv: Microversion): Schema {
  const r: Record<string, unknown> = {
    name: T.name, imageRef: T.uuid, adminPass: { type: 'string' }, metadata: T.metadata, preserve_ephemeral: T.boolean,
    'OS-DCF:diskConfig': T.diskConfig, accessIPv4: T.accessIPv4, accessIPv6: T.accessIPv6,
  };
  if (!mv.gte('2.57')) r.personality = personality;
  if (mv.gte('2.19')) r.description = T.description;
  if (mv.gte('2.54')) r.key_name = { oneOf: [{ type: 'string', minLength: 1, maxLength: 255 }, { type: 'null' }] };
  if (mv.gte('2.57')) r.user_data = { type: ['string', 'null'], format: 'base64', maxLength: 65535 };
  if (mv.gte('2.63')) r.trusted_image_certificates = trustedCerts;
  if (mv.gte('2.90')) r.hostname = mv.gte('2.94') ? T.fqdn : T.hostname;
  return { type: 'object', required: ['rebuild'], additionalProperties: false, properties: { rebuild: { type: 'object', properties: r, required: ['imageRef'], additionalProperties: false } } };
}
