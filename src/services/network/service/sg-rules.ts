// Security group rules: Neutron's validation (protocol names or numbers, port ranges, ICMP
// type/code, ethertype against the prefix) and its duplicate detection, here a unique key per
// group in the schema so two concurrent identical rules cannot both be stored.
import { uuid } from '../../../lib/ids.ts';
import { inTransaction } from '../../../lib/db/index.ts';
import { badRequest, conflict, ruleNotFound, securityGroupNotFound } from '../errors.ts';
import { formatCidr, formatNetwork, parseCidr } from '../lib/ip.ts';
import type { Caller } from './caller.ts';
import { checkQuota } from './quotas.ts';
import { inChunks, newStd, ownerAttrs, stdAttrs, type Db, type Row } from './std.ts';
import type { Net } from './net.ts';

export const PROTOCOLS: Record<string, number> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, igmp: 2, ip: 0, ipip: 4, 'ipv6-encap': 41, 'ipv6-frag': 44,
  'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, 'ipv6-route': 43, ospf: 89, pgm: 113, rsvp: 46, sctp: 132,
  tcp: 6, udp: 17, udplite: 136, vrrp: 112,
};
const PORT_PROTOCOLS = new Set([33, 132, 6, 17, 136]);
const IPV6_ONLY = new Set(['ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', '41', '44', '58', '59', '60', '43']);
const invalid = (type: string, message: string) => badRequest(type, message);

/** convert_protocol: 'any'/null → null, names lower-cased, numbers 0..255 kept as strings. */
export function convertProtocol(v: unknown): string | null {
  if (v === null || v === undefined || v === 'any') return null;
  const supported = `[None, 'any', ${Object.keys(PROTOCOLS).map((p) => `'${p}'`).join(', ')}]`;
  const bad = () => invalid('SecurityGroupRuleInvalidProtocol', `Security group rule protocol ${v} not supported. Only protocol values ${supported} and integer representations [0 to 255] are supported.`);
  if (typeof v === 'number' || (typeof v === 'string' && /^-?\d+$/.test(v))) {
    const n = Number(v);
    if (Number.isInteger(n) && n >= 0 && n <= 255) return String(v);
    throw bad();
  }
  if (typeof v === 'string' && v.toLowerCase() in PROTOCOLS) return v.toLowerCase();
  throw bad();
}

export function convertEthertype(v: unknown): string {
  if (typeof v === 'string') for (const e of ['IPv4', 'IPv6']) if (e.toLowerCase() === v.toLowerCase()) return e;
  throw invalid('SecurityGroupRuleInvalidEtherType', `Security group rule for ethertype '${v}' not supported. Allowed values are ['IPv4', 'IPv6'].`);
}

export function convertPort(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalid('SecurityGroupInvalidPortValue', `Invalid value for port ${v}`);
  return n;
}

export function convertPrefix(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const c = parseCidr(v, true);
  if (!c) throw invalid('InvalidCIDR', `Invalid CIDR ${v} given as IP prefix.`);
  return formatCidr(c);
}

const protoNumber = (p: string | null): number | undefined => (p === null ? undefined : /^\d+$/.test(p) ? Number(p) : PROTOCOLS[p]);

export interface RuleInput {
  security_group_id: string; direction: string; ethertype: string; protocol: string | null;
  port_range_min: number | null; port_range_max: number | null; remote_ip_prefix: string | null; remote_group_id: string | null;
}

/** Neutron's _validate_base_security_group_rule_attributes, canonicalising in place. */
export function validateRule(r: RuleInput): void {
  if (r.ethertype === 'IPv6' && r.protocol !== null) {
    if (r.protocol === 'icmp' || r.protocol === 'icmpv6') r.protocol = 'ipv6-icmp';
    else if (r.protocol === '1') r.protocol = '58';
  }
  if (r.port_range_min === 1 && r.port_range_max === 65535 && PORT_PROTOCOLS.has(protoNumber(r.protocol) ?? -1)) {
    r.port_range_min = null; r.port_range_max = null;
  }
  if (r.port_range_min !== null || r.port_range_max !== null) {
    if (r.protocol === null) throw invalid('SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
    const num = protoNumber(r.protocol)!;
    if (PORT_PROTOCOLS.has(num)) {
      if (r.port_range_min === 0 || r.port_range_max === 0) throw invalid('SecurityGroupInvalidPortValue', 'Invalid value for port 0');
      if (r.port_range_min === null || r.port_range_max === null || r.port_range_min > r.port_range_max) {
        throw invalid('SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
      }
    } else if (num === 1 || num === 58) {
      for (const [attr, field] of [['port_range_min', 'type'], ['port_range_max', 'code']] as const) {
        const val = r[attr];
        if (val !== null && (val < 0 || val > 255)) throw invalid('SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${field} (${attr}) ${val}. It must be 0 to 255.`);
      }
      if (r.port_range_min === null && r.port_range_max !== null) {
        throw invalid('SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${r.port_range_max} is provided but ICMP type (port-range-min) is missing.`);
      }
    } else {
      throw invalid('SecurityGroupInvalidProtocolForPort', `Ports cannot be specified for protocol ${num}. Ports are only supported for DCCP, SCTP, TCP, UDP, UDPLITE.`);
    }
  }
  if (r.remote_ip_prefix !== null) {
    const c = parseCidr(r.remote_ip_prefix, true)!;
    if (r.ethertype !== `IPv${c.version}`) throw invalid('SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${r.ethertype} for CIDR ${r.remote_ip_prefix}`);
  }
  if (r.protocol !== null && IPV6_ONLY.has(r.protocol) && r.ethertype === 'IPv4') {
    throw invalid('SecurityGroupEthertypeConflictWithProtocol', `Invalid ethertype ${r.ethertype} for protocol ${r.protocol}.`);
  }
  if (r.remote_ip_prefix !== null && r.remote_group_id !== null) {
    throw invalid('SecurityGroupMultipleRemoteEntites', 'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.');
  }
}

/** Neutron's _rule_to_key: equal keys are duplicate rules ('tcp' and '6' are one protocol). */
export function ruleKey(r: Omit<RuleInput, 'security_group_id'>): string {
  const any = (v: unknown) => (v === null || v === undefined ? '+' : String(v));
  const proto = r.protocol === null ? '+' : String(protoNumber(r.protocol) ?? r.protocol);
  const prefix = r.remote_ip_prefix === null || r.remote_ip_prefix === '0.0.0.0/0' || r.remote_ip_prefix === '::/0' ? '+' : r.remote_ip_prefix;
  return [r.direction, r.ethertype, any(r.port_range_max), any(r.port_range_min), proto, any(r.remote_group_id), prefix].join('_');
}

export async function insertRule(db: Db, r: RuleInput & { project_id: string; description: string; rule_key: string }): Promise<string | undefined> {
  const id = uuid();
  const res = await db.insertInto('security_group_rules').values({ id, ...r, ...newStd(r.description) }).onConflict((oc: any) => oc.doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0 ? id : undefined;
}

export function renderRule(r: Row) {
  const prefix = r.remote_ip_prefix as string | null;
  const c = prefix ? parseCidr(prefix, true) : undefined;
  return {
    id: r.id, ...ownerAttrs(r.project_id), security_group_id: r.security_group_id, direction: r.direction, ethertype: r.ethertype,
    protocol: r.protocol, port_range_min: r.port_range_min === null ? null : Number(r.port_range_min),
    port_range_max: r.port_range_max === null ? null : Number(r.port_range_max), remote_ip_prefix: prefix,
    remote_group_id: r.remote_group_id, normalized_cidr: c ? formatNetwork(c) : null, ...stdAttrs(r),
  };
}

/** Rules of many groups, grouped by group id. */
export async function rulesOf(db: Db, sgIds: string[]): Promise<Map<string, Row[]>> {
  const rows = await inChunks(sgIds, (chunk) => db.selectFrom('security_group_rules').selectAll().where('security_group_id', 'in', chunk).orderBy('created_at').execute());
  const out = new Map<string, Row[]>();
  for (const r of rows) out.set(r.security_group_id, [...(out.get(r.security_group_id) ?? []), r]);
  return out;
}

export async function listRules(net: Net, caller: Caller) {
  let q = net.db.selectFrom('security_group_rules as r').innerJoin('security_groups as g', 'g.id', 'r.security_group_id').selectAll('r');
  if (!caller.isAdmin) q = q.where((eb: any) => eb.or([eb('r.project_id', '=', caller.projectId ?? ''), eb('g.project_id', '=', caller.projectId ?? '')]));
  return (await q.execute()).map(renderRule);
}

export async function ruleRow(db: Db, caller: Caller, id: string): Promise<Row> {
  const r = await db.selectFrom('security_group_rules as r').innerJoin('security_groups as g', 'g.id', 'r.security_group_id')
    .selectAll('r').select('g.project_id as sg_project_id').where('r.id', '=', id).executeTakeFirst();
  if (!r || (!caller.isAdmin && r.project_id !== caller.projectId && r.sg_project_id !== caller.projectId)) throw ruleNotFound(id);
  return r;
}

export async function createRules(net: Net, caller: Caller, items: Array<RuleInput & { description: string }>) {
  const ids = await inTransaction(net.db, async (trx) => {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const it of items) {
      validateRule(it);
      const sg = await trx.selectFrom('security_groups').select(['id', 'project_id']).where('id', '=', it.security_group_id).executeTakeFirst();
      if (!sg || (!caller.isAdmin && sg.project_id !== caller.projectId)) throw securityGroupNotFound(it.security_group_id);
      if (it.remote_group_id !== null) {
        const remote = await trx.selectFrom('security_groups').select(['id', 'project_id']).where('id', '=', it.remote_group_id).executeTakeFirst();
        if (!remote || (!caller.isAdmin && remote.project_id !== caller.projectId)) throw securityGroupNotFound(it.remote_group_id);
      }
      const key = ruleKey(it);
      if (seen.has(`${it.security_group_id}|${key}`)) throw conflict('DuplicateSecurityGroupRuleInPost', 'Duplicate Security Group Rule in POST.');
      seen.add(`${it.security_group_id}|${key}`);
      await checkQuota(net, trx, sg.project_id, 'security_group_rule');
      const id = await insertRule(trx, { ...it, project_id: sg.project_id, rule_key: key });
      if (!id) {
        const existing = await trx.selectFrom('security_group_rules').select('id').where('security_group_id', '=', it.security_group_id).where('rule_key', '=', key).executeTakeFirst();
        throw conflict('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${existing?.id}.`);
      }
      out.push(id);
    }
    return out;
  });
  net.agents.securityGroupRulesChanged([...new Set(items.map((i) => i.security_group_id))]);
  const rows = await net.db.selectFrom('security_group_rules').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r: Row) => [r.id, renderRule(r)]));
  return ids.map((id) => byId.get(id)!);
}

export async function deleteRule(net: Net, row: Row): Promise<void> {
  await net.db.deleteFrom('security_group_rules').where('id', '=', row.id).execute();
  net.agents.securityGroupRulesChanged([row.security_group_id]);
}
