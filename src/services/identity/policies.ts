// Identity's policy defaults, after Keystone's secure-RBAC defaults (admin ⇒ member ⇒ reader,
// system scope for cloud-wide reads). As in Keystone with its deprecated rules still honoured
// (its default), the admin role is cloud admin whatever the token's scope; operators who want
// strict scoping set enforce_scope and override these rules in the policy file.
import type { RuleDefault } from '../../lib/policy/index.ts';

const ADMIN = 'rule:admin_required';
const SYSTEM_READER = 'role:reader and system_scope:all';
const OWNER = 'user_id:%(target.user.id)s';
const DOMAIN_READER = 'role:reader and token.domain.id:%(target.domain.id)s';
const TRUSTOR = 'user_id:%(target.trust.trustor_user_id)s';
const TRUSTEE = 'user_id:%(target.trust.trustee_user_id)s';

const base: Record<string, string> = {
  admin_required: 'role:admin or is_admin:True',
  service_role: 'role:service',
  service_or_admin: 'rule:admin_required or rule:service_role',
  owner: OWNER,
  admin_or_owner: `rule:admin_required or rule:owner`,
};

const admin = (...names: string[]) => Object.fromEntries(names.map((n) => [n, ADMIN]));
const adminOrSystemReader = (...names: string[]) => Object.fromEntries(names.map((n) => [n, `${ADMIN} or (${SYSTEM_READER})`]));

const rules: Record<string, string> = {
  ...base,
  // tokens: anyone may validate their own token; services and admins any token
  'identity:check_token': `${ADMIN} or rule:service_role or (${SYSTEM_READER}) or user_id:%(target.token.user_id)s`,
  'identity:validate_token': `${ADMIN} or rule:service_role or (${SYSTEM_READER}) or user_id:%(target.token.user_id)s`,
  'identity:revoke_token': `${ADMIN} or rule:service_role or user_id:%(target.token.user_id)s`,
  'identity:get_auth_catalog': '',
  'identity:get_auth_projects': '',
  'identity:get_auth_domains': '',
  'identity:get_auth_system': '',
  // domains
  'identity:get_domain': `${ADMIN} or (${SYSTEM_READER}) or token.domain.id:%(target.domain.id)s or token.project.domain.id:%(target.domain.id)s`,
  ...adminOrSystemReader('identity:list_domains'),
  ...admin('identity:create_domain', 'identity:update_domain', 'identity:delete_domain'),
  // projects
  'identity:get_project': `${ADMIN} or (${SYSTEM_READER}) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s`,
  'identity:list_projects': `${ADMIN} or (${SYSTEM_READER}) or (role:reader and domain_id:%(target.domain_id)s)`,
  'identity:list_user_projects': `${ADMIN} or (${SYSTEM_READER}) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s`,
  ...admin('identity:create_project', 'identity:update_project', 'identity:delete_project',
    'identity:update_project_tags', 'identity:create_project_tag', 'identity:delete_project_tags', 'identity:delete_project_tag'),
  'identity:get_project_tag': `${ADMIN} or (${SYSTEM_READER}) or project_id:%(target.project.id)s`,
  'identity:list_project_tags': `${ADMIN} or (${SYSTEM_READER}) or project_id:%(target.project.id)s`,
  // users
  'identity:get_user': `${ADMIN} or (${SYSTEM_READER}) or (${DOMAIN_READER.replace('target.domain.id', 'target.user.domain_id')}) or ${OWNER}`,
  'identity:list_users': `${ADMIN} or (${SYSTEM_READER}) or (role:reader and domain_id:%(target.domain_id)s)`,
  ...admin('identity:create_user', 'identity:update_user', 'identity:delete_user'),
  'identity:change_password': `${ADMIN} or ${OWNER}`,
  // groups
  ...adminOrSystemReader('identity:get_group', 'identity:list_groups', 'identity:list_users_in_group', 'identity:check_user_in_group'),
  'identity:list_groups_for_user': `${ADMIN} or (${SYSTEM_READER}) or ${OWNER}`,
  ...admin('identity:create_group', 'identity:update_group', 'identity:delete_group', 'identity:add_user_to_group', 'identity:remove_user_from_group'),
  // roles, implied roles, domain roles
  ...adminOrSystemReader('identity:get_role', 'identity:list_roles', 'identity:get_domain_role', 'identity:list_domain_roles',
    'identity:get_implied_role', 'identity:list_implied_roles', 'identity:list_role_inference_rules', 'identity:check_implied_role'),
  ...admin('identity:create_role', 'identity:update_role', 'identity:delete_role', 'identity:create_domain_role',
    'identity:update_domain_role', 'identity:delete_domain_role', 'identity:create_implied_role', 'identity:delete_implied_role'),
  // grants and assignments
  ...adminOrSystemReader('identity:check_grant', 'identity:list_grants', 'identity:check_system_grant_for_user',
    'identity:list_system_grants_for_user', 'identity:check_system_grant_for_group', 'identity:list_system_grants_for_group'),
  ...admin('identity:create_grant', 'identity:revoke_grant', 'identity:create_system_grant_for_user', 'identity:revoke_system_grant_for_user',
    'identity:create_system_grant_for_group', 'identity:revoke_system_grant_for_group'),
  'identity:list_role_assignments': `${ADMIN} or (${SYSTEM_READER}) or (role:reader and domain_id:%(target.domain_id)s)`,
  'identity:list_role_assignments_for_tree': `${ADMIN} or (role:reader and project_id:%(target.project.id)s)`,
  // catalog: anyone authenticated may read services/endpoints/regions? Keystone: regions yes, rest admin/reader
  'identity:get_region': '', 'identity:list_regions': '',
  ...adminOrSystemReader('identity:get_service', 'identity:list_services', 'identity:get_endpoint', 'identity:list_endpoints',
    'identity:get_endpoint_group', 'identity:list_endpoint_groups', 'identity:list_projects_associated_with_endpoint_group',
    'identity:list_endpoints_associated_with_endpoint_group', 'identity:get_endpoint_group_in_project',
    'identity:list_endpoint_groups_for_project', 'identity:list_projects_for_endpoint', 'identity:check_endpoint_in_project',
    'identity:list_endpoints_for_project', 'identity:get_policy', 'identity:list_policies', 'identity:get_consumer', 'identity:list_consumers',
    'identity:get_domain_config', 'identity:get_domain_config_default'),
  ...admin('identity:create_region', 'identity:update_region', 'identity:delete_region', 'identity:create_service', 'identity:update_service',
    'identity:delete_service', 'identity:create_endpoint', 'identity:update_endpoint', 'identity:delete_endpoint',
    'identity:create_endpoint_group', 'identity:update_endpoint_group', 'identity:delete_endpoint_group',
    'identity:add_endpoint_group_to_project', 'identity:remove_endpoint_group_from_project', 'identity:add_endpoint_to_project',
    'identity:remove_endpoint_from_project', 'identity:create_policy', 'identity:update_policy', 'identity:delete_policy',
    'identity:create_consumer', 'identity:update_consumer', 'identity:delete_consumer',
    'identity:create_domain_config', 'identity:update_domain_config', 'identity:delete_domain_config'),
  'identity:get_security_compliance_domain_config': '',
  // credentials: owners manage their own
  'identity:get_credential': `${ADMIN} or (${SYSTEM_READER}) or user_id:%(target.credential.user_id)s`,
  'identity:list_credentials': `${ADMIN} or (${SYSTEM_READER}) or user_id:%(target.credential.user_id)s`,
  'identity:create_credential': `${ADMIN} or user_id:%(target.credential.user_id)s`,
  'identity:update_credential': `${ADMIN} or user_id:%(target.credential.user_id)s`,
  'identity:delete_credential': `${ADMIN} or user_id:%(target.credential.user_id)s`,
  'identity:ec2_get_credential': `${ADMIN} or (${SYSTEM_READER}) or (user_id:%(target.credential.user_id)s)`,
  'identity:ec2_list_credentials': `${ADMIN} or (${SYSTEM_READER}) or ${OWNER}`,
  'identity:ec2_create_credential': `${ADMIN} or ${OWNER}`,
  'identity:ec2_delete_credential': `${ADMIN} or (user_id:%(target.credential.user_id)s)`,
  // application credentials and access rules: the owning user (and admins)
  'identity:get_application_credential': `${ADMIN} or (${SYSTEM_READER}) or ${OWNER}`,
  'identity:list_application_credentials': `${ADMIN} or (${SYSTEM_READER}) or ${OWNER}`,
  'identity:create_application_credential': OWNER,
  'identity:delete_application_credential': `${ADMIN} or ${OWNER}`,
  'identity:get_access_rule': `${ADMIN} or (${SYSTEM_READER}) or ${OWNER}`,
  'identity:list_access_rules': `${ADMIN} or (${SYSTEM_READER}) or ${OWNER}`,
  'identity:delete_access_rule': `${ADMIN} or ${OWNER}`,
  // trusts (keystone/common/policies/trust.py, deprecated rules OR-ed in as Keystone does by default):
  // the trustor and trustee see theirs; a project admin is no trust admin.
  'identity:create_trust': 'user_id:%(trust.trustor_user_id)s',
  'identity:list_trusts': `(${SYSTEM_READER}) or ${ADMIN}`,
  'identity:list_trusts_for_trustor': `(${SYSTEM_READER}) or ${TRUSTOR}`,
  'identity:list_trusts_for_trustee': `(${SYSTEM_READER}) or ${TRUSTEE}`,
  'identity:get_trust': `(${SYSTEM_READER}) or ${TRUSTOR} or ${TRUSTEE}`,
  'identity:delete_trust': `(role:admin and system_scope:all) or ${TRUSTOR}`,
  'identity:list_roles_for_trust': `(${SYSTEM_READER}) or ${TRUSTOR} or ${TRUSTEE}`,
  'identity:get_role_for_trust': `(${SYSTEM_READER}) or ${TRUSTOR} or ${TRUSTEE}`,
  // Keystone picks one of the three list rules from the query; a route names one rule, so
  // GET /v3/OS-TRUST/trusts names this one, which dispatches on the target's `filter`.
  'stratus:identity:list_trusts': "('trustor':%(target.filter)s and rule:identity:list_trusts_for_trustor) or "
    + "('trustee':%(target.filter)s and rule:identity:list_trusts_for_trustee) or ('all':%(target.filter)s and rule:identity:list_trusts)",
  // revocation list
  'identity:list_revoke_events': 'rule:service_or_admin',
};

export const identityPolicies: RuleDefault[] = Object.entries(rules).map(([name, checkStr]) => ({ name, checkStr }));
