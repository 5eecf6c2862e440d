// Availability zones as Nova derives them: a host is in the zone named by the
// availability_zone metadata of an aggregate it belongs to, else in the default zone.
import type { ComputeDeps } from '../deps.ts';

export interface ZoneMap {
  /** The zone of a host. */
  of(host: string): string;
  /** Aggregate uuids per zone (placement aggregates for the member_of pre-filter). */
  aggregatesOf(zone: string): string[];
  /** Hosts explicitly in a zone aggregate. */
  zoned: Map<string, string>;
}

export async function zoneMap(deps: ComputeDeps): Promise<ZoneMap> {
  const def = deps.config.str('compute.default_availability_zone');
  const aggs = await deps.repos.aggregates.list();
  const zoned = new Map<string, string>();
  const byZone = new Map<string, string[]>();
  for (const a of aggs) {
    const az = a.metadata.availability_zone;
    if (!az) continue;
    byZone.set(az, [...(byZone.get(az) ?? []), a.uuid]);
    for (const h of a.hosts) zoned.set(h, az);
  }
  return { of: (host) => zoned.get(host) ?? def, aggregatesOf: (zone) => byZone.get(zone) ?? [], zoned };
}

export interface ZoneState { name: string; available: boolean; hosts: Map<string, Array<{ binary: string; available: boolean; active: boolean; updated_at: string | null }>> }

/** Every zone with its compute hosts and whether anything in it is up and enabled. */
export async function zoneStates(deps: ComputeDeps): Promise<ZoneState[]> {
  const zones = await zoneMap(deps);
  const services = await deps.repos.hosts.services();
  const downAfter = deps.config.int('compute.service_down_time') * 1000;
  const out = new Map<string, ZoneState>();
  for (const s of services) {
    const zone = s.binary === 'nova-compute' ? zones.of(s.host) : 'internal';
    const st = out.get(zone) ?? { name: zone, available: false, hosts: new Map() };
    const up = !s.forced_down && Boolean(s.last_seen_up) && Date.now() - Date.parse(s.last_seen_up!) <= downAfter;
    if (s.binary === 'nova-compute' && up && !s.disabled) st.available = true;
    if (s.binary !== 'nova-compute') st.available = true;
    st.hosts.set(s.host, [...(st.hosts.get(s.host) ?? []), { binary: s.binary, available: up, active: !s.disabled, updated_at: s.updated_at ?? s.last_seen_up }]);
    out.set(zone, st);
  }
  return [...out.values()];
}
