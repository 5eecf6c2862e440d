// Object storage authorization, after Swift's keystoneauth middleware. Swift has no oslo.policy;
// keystoneauth decides from role lists in its config (operator_roles, reseller_admin_role,
// service_roles, project_reader_roles, system_reader_roles). Here each list is a policy rule, so
// operators change them in the policy file like every other Stratus rule. Container ACLs
// (X-Container-Read/Write) and account ACLs (X-Account-Access-Control) are data, not policy:
// service/auth.ts evaluates them exactly as keystoneauth does.
import type { RuleDefault } from '../../lib/policy/index.ts';

export const RESELLER_ADMIN = 'object_store:reseller_admin';
export const SYSTEM_READER = 'object_store:system_reader';
export const OPERATOR = 'object_store:operator';
export const SERVICE_TOKEN = 'object_store:service_token';
export const PROJECT_READER = 'object_store:project_reader';

export const objectStoragePolicies: RuleDefault[] = [
  {
    name: RESELLER_ADMIN,
    // keystoneauth's reseller_admin_role (ResellerAdmin). Stratus also counts the admin role, as
    // its other services treat admin as cloud admin; set `role:ResellerAdmin` for Swift's rule.
    checkStr: 'role:ResellerAdmin or role:admin',
    description: 'Full access to every account, may set account quotas (keystoneauth reseller_admin_role).',
  },
  {
    name: SYSTEM_READER,
    checkStr: 'role:reader and system_scope:all',
    description: 'GET/HEAD on every account (keystoneauth system_reader_roles).',
  },
  {
    name: OPERATOR,
    checkStr: 'role:admin or role:member',
    description: "Owner of the token project's account AUTH_<project_id>: may create containers and set ACLs (keystoneauth operator_roles).",
  },
  {
    name: SERVICE_TOKEN,
    // Empty = no service token needed (keystoneauth with no service_roles). Operators who want
    // Swift's composite tokens set e.g. `service_roles:service`.
    checkStr: '',
    description: 'What the X-Service-Token must carry besides an operator role (keystoneauth service_roles).',
  },
  {
    name: PROJECT_READER,
    checkStr: 'role:reader',
    description: "GET/HEAD on the token project's account (keystoneauth project_reader_roles).",
  },
];
