// Placement's policy defaults (placement/policies/*.py): nearly everything is for admins and the
// services (Nova) that hold the `service` role; a project reader may read its own /usages. As with
// oslo.policy's deprecated rules honoured (enforce_new_defaults off), `service_api` still admits
// the admin role it replaced.
import type { RuleDefault } from '../../lib/policy/index.ts';

const ADMIN_OR_SERVICE = 'rule:admin_or_service_api';
const rule = (name: string, checkStr = ADMIN_OR_SERVICE): RuleDefault => ({ name, checkStr, scopeTypes: ['project'] });

export const placementPolicies: RuleDefault[] = [
  rule('admin_api', 'role:admin'),
  rule('service_api', 'role:service or role:admin'),
  rule('admin_or_service_api', 'role:admin or role:service'),
  { name: 'project_reader_api', checkStr: 'role:reader and project_id:%(project_id)s' },
  rule('admin_or_project_reader_or_service_api', 'role:admin or rule:project_reader_api or role:service'),
  ...['list', 'create', 'show', 'update', 'delete'].map((op) => rule(`placement:resource_providers:${op}`)),
  ...['list', 'create', 'show', 'update', 'delete'].map((op) => rule(`placement:resource_classes:${op}`)),
  ...['list', 'create', 'show', 'update', 'delete'].map((op) => rule(`placement:resource_providers:inventories:${op}`)),
  ...['list', 'update'].map((op) => rule(`placement:resource_providers:aggregates:${op}`)),
  ...['list', 'update', 'delete'].map((op) => rule(`placement:resource_providers:traits:${op}`)),
  ...['list', 'show', 'update', 'delete'].map((op) => rule(`placement:traits:${op}`)),
  ...['manage', 'list', 'update', 'delete'].map((op) => rule(`placement:allocations:${op}`)),
  rule('placement:resource_providers:allocations:list'),
  rule('placement:allocation_candidates:list'),
  rule('placement:resource_providers:usages'),
  rule('placement:usages', 'rule:admin_or_project_reader_or_service_api'),
  rule('placement:reshaper:reshape', 'rule:service_api'),
];
