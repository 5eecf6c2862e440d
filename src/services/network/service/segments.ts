// Network segments (ML2 type drivers): flat, vlan, vxlan and local, with segmentation ids taken
// from the configured ranges. The segment_allocations primary key makes an id usable once per
// physical network; allocation inserts with ON CONFLICT DO NOTHING and moves on when another
// transaction took the id first, so concurrent creates never share a VLAN or VNI.
import { badRequest, conflict, invalidInput } from '../errors.ts';
import { maxMtu, type Net } from './net.ts';
import type { Db } from './std.ts';
import { ServiceUnavailable } from '../../../lib/errors.ts';

export interface Segment { network_type: string; physical_network: string | null; segmentation_id: number | null }
export interface ProviderRequest { network_type?: unknown; physical_network?: unknown; segmentation_id?: unknown }

const SUPPORTED = ['flat', 'vlan', 'vxlan', 'local'];

async function take(db: Db, type: string, physnet: string, id: number, networkId: string): Promise<boolean> {
  const res = await db.insertInto('segment_allocations').values({ network_type: type, physical_network: physnet, segmentation_id: id, network_id: networkId })
    .onConflict((oc: any) => oc.doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The lowest free id in `ranges`, retried past ids another transaction took meanwhile. */
async function takeFromRanges(db: Db, type: string, physnet: string, ranges: Array<[number, number]>, networkId: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const used = new Set((await db.selectFrom('segment_allocations').select('segmentation_id')
      .where('network_type', '=', type).where('physical_network', '=', physnet).execute()).map((r: any) => Number(r.segmentation_id)));
    let candidate: number | undefined;
    for (const [min, max] of ranges) {
      for (let i = min; i <= max; i++) if (!used.has(i)) { candidate = i; break; }
      if (candidate !== undefined) break;
    }
    if (candidate === undefined) return undefined;
    if (await take(db, type, physnet, candidate, networkId)) return candidate;
  }
  return undefined;
}

/** A segment for a project network, by tenant_network_types preference. */
export async function allocateTenantSegment(net: Net, db: Db, networkId: string): Promise<Segment> {
  for (const type of net.settings.tenantTypes) {
    if (type === 'local') return { network_type: 'local', physical_network: null, segmentation_id: null };
    if (type === 'vxlan') {
      const id = await takeFromRanges(db, 'vxlan', '', net.settings.vniRanges, networkId);
      if (id !== undefined) return { network_type: 'vxlan', physical_network: null, segmentation_id: id };
    }
    if (type === 'vlan') {
      for (const [physnet, ranges] of net.settings.vlanRanges) {
        const id = await takeFromRanges(db, 'vlan', physnet, ranges, networkId);
        if (id !== undefined) return { network_type: 'vlan', physical_network: physnet, segmentation_id: id };
      }
    }
  }
  throw new ServiceUnavailable('Unable to create the network. No tenant network is available for allocation.', { type: 'NoNetworkAvailable' });
}

const isSet = (v: unknown) => v !== undefined && v !== null;

/** A segment an admin asked for with provider:* attributes. */
export async function allocateProviderSegment(net: Net, db: Db, networkId: string, req: ProviderRequest): Promise<Segment> {
  const type = req.network_type;
  if (typeof type !== 'string' || !type) throw invalidInput('provider:network_type required');
  if (!SUPPORTED.includes(type)) throw invalidInput(`network_type value '${type}' not supported`);
  const physnet = isSet(req.physical_network) ? String(req.physical_network) : null;
  const segId = req.segmentation_id;
  if (isSet(segId) && (typeof segId !== 'number' || !Number.isInteger(segId))) throw invalidInput(`provider:segmentation_id '${segId}' is not an integer`);
  const s = net.settings;
  switch (type) {
    case 'local':
      if (physnet || isSet(segId)) throw invalidInput(`${physnet ? 'provider:physical_network' : 'provider:segmentation_id'} specified for local network`);
      return { network_type: 'local', physical_network: null, segmentation_id: null };
    case 'flat': {
      if (!physnet) throw invalidInput('provider:physical_network required for flat provider network');
      if (isSet(segId)) throw invalidInput('provider:segmentation_id specified for flat network');
      if (!s.flatNetworks.includes('*') && !s.flatNetworks.includes(physnet)) throw invalidInput(`physical_network '${physnet}' unknown for flat provider network`);
      if (!await take(db, 'flat', physnet, 0, networkId)) throw conflict('FlatNetworkInUse', `Unable to create the flat network. Physical network ${physnet} is in use.`);
      return { network_type: 'flat', physical_network: physnet, segmentation_id: null };
    }
    case 'vlan': {
      if (!physnet) throw invalidInput('provider:physical_network required for VLAN provider network');
      if (!s.vlanRanges.has(physnet)) throw invalidInput(`physical_network '${physnet}' unknown for VLAN provider network`);
      if (isSet(segId)) {
        const id = segId as number;
        if (id < 1 || id > 4094) throw invalidInput(`provider:segmentation_id out of range (1 through 4094)`);
        if (!await take(db, 'vlan', physnet, id, networkId)) throw conflict('VlanIdInUse', `Unable to create the network. The VLAN ${id} on physical network ${physnet} is in use.`);
        return { network_type: 'vlan', physical_network: physnet, segmentation_id: id };
      }
      const id = await takeFromRanges(db, 'vlan', physnet, s.vlanRanges.get(physnet)!, networkId);
      if (id === undefined) throw new ServiceUnavailable(`Unable to create the network. No VLAN is available on physical network ${physnet}.`, { type: 'NoNetworkAvailable' });
      return { network_type: 'vlan', physical_network: physnet, segmentation_id: id };
    }
    default: {
      if (physnet) throw invalidInput('provider:physical_network specified for vxlan network');
      if (isSet(segId)) {
        const id = segId as number;
        if (id < 1 || id > 16777215) throw invalidInput('provider:segmentation_id out of range (1 through 16777215)');
        if (!await take(db, 'vxlan', '', id, networkId)) throw conflict('TunnelIdInUse', `Unable to create the network. The tunnel ID ${id} is in use.`);
        return { network_type: 'vxlan', physical_network: null, segmentation_id: id };
      }
      const id = await takeFromRanges(db, 'vxlan', '', s.vniRanges, networkId);
      if (id === undefined) throw new ServiceUnavailable('Unable to create the network. No tenant network is available for allocation.', { type: 'NoNetworkAvailable' });
      return { network_type: 'vxlan', physical_network: null, segmentation_id: id };
    }
  }
}

/** The MTU a network gets: the requested one if it fits the segment, else the segment's. */
export function networkMtu(net: Net, segment: Segment, requested: unknown): number {
  const max = maxMtu(net.settings, segment.network_type);
  if (requested === undefined || requested === null) return max;
  if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 68) throw badRequest('InvalidInput', `Invalid input for mtu. Reason: '${requested}' is too small - must be at least '68'.`);
  if (requested > max) throw invalidInput(`Requested MTU is too big, maximum is ${max}`);
  return requested;
}
