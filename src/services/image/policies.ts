// Glance's policy defaults (glance/policies/*.py, secure-RBAC), under Glance's own rule names so
// an operator's glance policy.yaml works unchanged. The policy target of an image is the image
// with `project_id` = its owner and `member_id` = the caller's project when the caller reached
// a shared image as a member (glance.api.policy.ImageTarget).
import type { RuleDefault } from '../../lib/policy/index.ts';

const ADMIN = 'rule:context_is_admin';
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const IMAGE_MEMBER = 'project_id:%(member_id)s';
const VISIBLE = `project_id:%(project_id)s or ${IMAGE_MEMBER} or 'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s`;
const METADEF_READ = `${ADMIN} or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))`;

const rules: Array<[string, string]> = [
  ['default', ''],
  ['context_is_admin', 'role:admin'],
  ['service_api', 'role:service or role:admin'],
  // images
  ['add_image', `${ADMIN} or (${PROJECT_MEMBER} and project_id:%(owner)s)`],
  ['delete_image', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['get_image', `${ADMIN} or (role:reader and (${VISIBLE}))`],
  ['get_images', `${ADMIN} or (${PROJECT_READER})`],
  ['modify_image', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['publicize_image', ADMIN],
  ['communitize_image', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['download_image', `${ADMIN} or (role:member and (${VISIBLE}))`],
  ['download_from_store', `${ADMIN} or (role:member and (${VISIBLE}))`],
  ['upload_image', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['delete_image_location', ADMIN],
  ['get_image_location', `${ADMIN} or (${PROJECT_READER})`],
  ['set_image_location', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['add_image_location', `rule:service_api or (${PROJECT_MEMBER} and project_id:%(owner)s)`],
  ['fetch_image_location', 'rule:service_api'],
  ['deactivate', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['reactivate', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['copy_image', ADMIN],
  // members
  ['add_member', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['delete_member', `${ADMIN} or (${PROJECT_MEMBER})`],
  ['get_member', `${ADMIN} or role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER})`],
  ['get_members', `${ADMIN} or role:reader and (project_id:%(project_id)s or ${IMAGE_MEMBER})`],
  ['modify_member', `${ADMIN} or (role:member and ${IMAGE_MEMBER})`],
  // tasks (the /v2/tasks API is admin-only since Wallaby)
  ['get_task', 'rule:default'],
  ['get_tasks', 'rule:default'],
  ['tasks_api_access', ADMIN],
  // discovery
  ['stores_info_detail', `${ADMIN} or rule:service_api`],
  // metadata definitions
  ['metadef_default', ''],
  ['metadef_admin', ADMIN],
  ['get_metadef_namespace', METADEF_READ],
  ['get_metadef_namespaces', `${ADMIN} or (${PROJECT_READER})`],
  ['modify_metadef_namespace', 'rule:metadef_admin'],
  ['add_metadef_namespace', 'rule:metadef_admin'],
  ['delete_metadef_namespace', 'rule:metadef_admin'],
  ['get_metadef_object', METADEF_READ],
  ['get_metadef_objects', METADEF_READ],
  ['modify_metadef_object', 'rule:metadef_admin'],
  ['add_metadef_object', 'rule:metadef_admin'],
  ['delete_metadef_object', 'rule:metadef_admin'],
  ['list_metadef_resource_types', METADEF_READ],
  ['get_metadef_resource_type', METADEF_READ],
  ['add_metadef_resource_type_association', 'rule:metadef_admin'],
  ['remove_metadef_resource_type_association', 'rule:metadef_admin'],
  ['get_metadef_property', METADEF_READ],
  ['get_metadef_properties', METADEF_READ],
  ['modify_metadef_property', 'rule:metadef_admin'],
  ['add_metadef_property', 'rule:metadef_admin'],
  ['remove_metadef_property', 'rule:metadef_admin'],
  ['get_metadef_tag', METADEF_READ],
  ['get_metadef_tags', METADEF_READ],
  ['modify_metadef_tag', 'rule:metadef_admin'],
  ['add_metadef_tag', 'rule:metadef_admin'],
  ['add_metadef_tags', 'rule:metadef_admin'],
  ['delete_metadef_tag', 'rule:metadef_admin'],
  ['delete_metadef_tags', 'rule:metadef_admin'],
];

const UNSCOPED = new Set(['default', 'context_is_admin', 'service_api', 'metadef_default', 'metadef_admin']);

export const imagePolicies: RuleDefault[] = rules.map(([name, checkStr]) =>
  UNSCOPED.has(name) ? { name, checkStr } : { name, checkStr, scopeTypes: ['project'] });

/** The soft check routes use when a rule only decides what a list shows. */
export const ADMIN_RULE = 'context_is_admin';
