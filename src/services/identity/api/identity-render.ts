// How users and groups look on the wire and as policy targets, shared by the user and group
// routes (which list each other).
import type { ApiRequest } from '../../../lib/http/routes.ts';
import type { User } from '../service/users.ts';
import type { Group } from '../service/groups.ts';
import { links } from './common.ts';
import { keystoneTime } from './list-filters.ts';

/** keystone/common/validation/parameter_types.py id_string */
export const idString = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' };

export function renderUser(req: ApiRequest, u: User): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...u.extra, id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled,
    password_expires_at: keystoneTime(u.passwordExpiresAt), options: u.options, links: links(req, `users/${u.id}`),
  };
  // As Keystone: the key is there only when a default project is set.
  if (u.defaultProjectId) out.default_project_id = u.defaultProjectId;
  return out;
}

/** The policy target of a user: Keystone's snake_case dict. */
export const userTarget = (u: User) => ({ id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled, default_project_id: u.defaultProjectId });

export function renderGroup(req: ApiRequest, g: Group): Record<string, unknown> {
  return { ...g.extra, id: g.id, name: g.name, domain_id: g.domainId, description: g.description, links: links(req, `groups/${g.id}`) };
}

export const groupTarget = (g: Group) => ({ id: g.id, name: g.name, domain_id: g.domainId });
