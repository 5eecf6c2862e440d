// /v2.0/security-groups and /v2.0/security-group-rules (security-group, stateful-security-group,
// security-groups-normalized-cidr).
import type { Route } from '../../../lib/http/routes.ts';
import { ruleNotFound, securityGroupNotFound } from '../errors.ts';
import { createGroups, deleteGroup, groupRow, listGroups, renderGroups, updateGroup } from '../service/security-groups.ts';
import { convertEthertype, convertPort, convertPrefix, convertProtocol, createRules, deleteRule, listRules, renderRule, ruleRow, type RuleInput } from '../service/sg-rules.ts';
import type { Net } from '../service/net.ts';
import { standardAttrs, type AttrMap } from './attributes.ts';
import { resourceRoutes } from './resource-routes.ts';
import * as v from './validators.ts';

const name = { post: true, put: true, default: '', validate: v.string(255), filter: 'string', sort: true } as const;

export const groupAttrs: AttrMap = {
  ...standardAttrs,
  name,
  description: { ...name, sort: false },
  stateful: { post: true, put: true, default: true, convert: v.toBoolean, filter: 'bool' },
  security_group_rules: {},
  tags: {},
};

export const ruleAttrs: AttrMap = {
  ...standardAttrs,
  description: { post: true, default: '', validate: v.string(255), filter: 'string' },
  security_group_id: { post: true, required: true, validate: v.string(36), filter: 'string', sort: true },
  remote_group_id: { post: true, default: null, filter: 'string', sort: true },
  direction: { post: true, required: true, validate: v.values(['ingress', 'egress']), filter: 'string', sort: true },
  protocol: { post: true, default: null, convert: convertProtocol, filter: 'string', sort: true },
  port_range_min: { post: true, default: null, convert: convertPort, filter: 'string', sort: true },
  port_range_max: { post: true, default: null, convert: convertPort, filter: 'string', sort: true },
  ethertype: { post: true, default: 'IPv4', convert: convertEthertype, filter: 'string', sort: true },
  remote_ip_prefix: { post: true, default: null, convert: convertPrefix, filter: 'string', sort: true },
  normalized_cidr: { filter: 'string' },
};

export function securityGroupRoutes(net: Net): Route[] {
  const groups = resourceRoutes(net, {
    resource: 'security_group', collection: 'security_groups', path: 'security-groups', table: 'security_groups', attrs: groupAttrs, tags: true,
    list: (c, q) => listGroups(net, c, q.filters.get('project_id')),
    load: async (c, id) => {
      const row = await groupRow(net.db, c, id);
      return { row, target: { project_id: row.project_id, tenant_id: row.project_id } };
    },
    show: async (_c, l) => (await renderGroups(net.db, [l.row]))[0]!,
    notFound: securityGroupNotFound,
    create: (c, items) => createGroups(net, c, items.map((b) => ({
      project_id: b.project_id as string, name: b.name as string, description: b.description as string, stateful: b.stateful as boolean,
    }))),
    update: (_c, l, values, ifMatch) => updateGroup(net, l.row, values, ifMatch),
    remove: (c, l, ifMatch) => deleteGroup(net, c, l.row, ifMatch),
  });
  const rules = resourceRoutes(net, {
    resource: 'security_group_rule', collection: 'security_group_rules', path: 'security-group-rules', table: 'security_group_rules', attrs: ruleAttrs,
    list: (c) => listRules(net, c),
    load: async (c, id) => {
      const row = await ruleRow(net.db, c, id);
      return { row, target: { project_id: row.project_id, tenant_id: row.project_id, 'security_group:project_id': row.sg_project_id } };
    },
    show: async (_c, l) => renderRule(l.row),
    notFound: ruleNotFound,
    createTarget: async (c, b) => {
      const sg = await groupRow(net.db, c, String(b.security_group_id));
      return { project_id: b.project_id, tenant_id: b.project_id, 'security_group:project_id': sg.project_id };
    },
    create: (c, items) => createRules(net, c, items.map((b) => ({
      security_group_id: String(b.security_group_id), direction: b.direction as string, ethertype: b.ethertype as string,
      protocol: b.protocol as string | null, port_range_min: b.port_range_min as number | null, port_range_max: b.port_range_max as number | null,
      remote_ip_prefix: b.remote_ip_prefix as string | null, remote_group_id: (b.remote_group_id ?? null) as string | null,
      description: b.description as string,
    }) as RuleInput & { description: string })),
    remove: (_c, l) => deleteRule(net, l.row),
  });
  return [...groups, ...rules];
}
