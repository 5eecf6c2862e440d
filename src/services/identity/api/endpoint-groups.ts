// OS-EP-FILTER: /v3/OS-EP-FILTER/endpoint_groups and the project ↔ endpoint (group)
// associations that narrow a project's catalog.
import type { IdentityDeps } from '../deps.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { getProject } from '../service/projects.ts';
import { getEndpoint } from '../service/catalog.ts';
import {
  addEndpointToProject, addGroupToProject, checkEndpointInProject, createEndpointGroup, deleteEndpointGroup, endpointsInGroup,
  getEndpointGroup, getGroupInProject, groupsForProject, listEndpointGroups, listEndpointsForProject, projectIdsForEndpoint,
  projectIdsForGroup, removeEndpointFromProject, removeGroupFromProject, updateEndpointGroup, type EndpointGroup,
} from '../service/endpoint-groups.ts';
import { renderEndpoint } from './catalog.ts';
import { renderProject } from './projects.ts';
import { requireMatchingId } from './regions.ts';
import { collection, entity, links, s, wrap } from './common.ts';

const EP = '/v3/OS-EP-FILTER';

export function renderEndpointGroup(req: ApiRequest, g: EndpointGroup) {
  return { id: g.id, name: g.name, description: g.description, filters: g.filters, links: links(req, `OS-EP-FILTER/endpoint_groups/${g.id}`) };
}

// keystone/catalog/schema.py
const groupProps = { description: s.description, filters: { type: 'object' }, name: s.name };

export function endpointGroupRoutes({ db }: IdentityDeps): Route[] {
  const projects = async (req: ApiRequest, ids: string[]) =>
    collection(req, 'projects', await Promise.all(ids.map(async (id) => renderProject(req, await getProject(db, id)))));
  return [
    {
      method: 'POST', path: `${EP}/endpoint_groups`, policy: 'identity:create_endpoint_group',
      body: wrap('endpoint_group', { type: 'object', properties: groupProps, required: ['name', 'filters'] }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'endpoint_group');
        const g = await createEndpointGroup(db, { name: b.name, description: b.description, filters: b.filters });
        return reply(201, { endpoint_group: renderEndpointGroup(req, g) });
      },
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/endpoint_groups`, policy: 'identity:list_endpoint_groups',
      handler: async (req) => collection(req, 'endpoint_groups', (await listEndpointGroups(db, { name: req.query.name })).map((g) => renderEndpointGroup(req, g))),
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/endpoint_groups/:endpoint_group_id`, policy: 'identity:get_endpoint_group',
      handler: async (req) => ({ endpoint_group: renderEndpointGroup(req, await getEndpointGroup(db, req.params.endpoint_group_id!)) }),
    },
    {
      method: 'PATCH', path: `${EP}/endpoint_groups/:endpoint_group_id`, policy: 'identity:update_endpoint_group',
      body: wrap('endpoint_group', { type: 'object', properties: groupProps, minProperties: 1 }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'endpoint_group');
        requireMatchingId(b, req.params.endpoint_group_id);
        const g = await updateEndpointGroup(db, req.params.endpoint_group_id!, { name: b.name, description: b.description, filters: b.filters });
        return { endpoint_group: renderEndpointGroup(req, g) };
      },
    },
    {
      method: 'DELETE', path: `${EP}/endpoint_groups/:endpoint_group_id`, policy: 'identity:delete_endpoint_group',
      handler: async (req) => { await deleteEndpointGroup(db, req.params.endpoint_group_id!); },
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/endpoint_groups/:endpoint_group_id/projects`, policy: 'identity:list_projects_associated_with_endpoint_group',
      handler: async (req) => projects(req, await projectIdsForGroup(db, req.params.endpoint_group_id!)),
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/endpoint_groups/:endpoint_group_id/endpoints`, policy: 'identity:list_endpoints_associated_with_endpoint_group',
      handler: async (req) => collection(req, 'endpoints', (await endpointsInGroup(db, req.params.endpoint_group_id!)).map((e) => renderEndpoint(req, e))),
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/projects/:project_id/endpoint_groups`, policy: 'identity:list_endpoint_groups_for_project',
      handler: async (req) => collection(req, 'endpoint_groups', (await groupsForProject(db, req.params.project_id!)).map((g) => renderEndpointGroup(req, g))),
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/endpoint_groups/:endpoint_group_id/projects/:project_id`, policy: 'identity:get_endpoint_group_in_project',
      handler: async (req) => {
        const ref = await getGroupInProject(db, req.params.endpoint_group_id!, req.params.project_id!);
        // Keystone's quirk: this self link is relative.
        return { project_endpoint_group: { ...ref, links: { self: `/OS-EP-FILTER/endpoint_groups/${ref.endpoint_group_id}/projects/${ref.project_id}` } } };
      },
    },
    {
      method: 'PUT', path: `${EP}/endpoint_groups/:endpoint_group_id/projects/:project_id`, policy: 'identity:add_endpoint_group_to_project',
      handler: async (req) => { await addGroupToProject(db, req.params.endpoint_group_id!, req.params.project_id!); },
    },
    {
      method: 'DELETE', path: `${EP}/endpoint_groups/:endpoint_group_id/projects/:project_id`, policy: 'identity:remove_endpoint_group_from_project',
      handler: async (req) => { await removeGroupFromProject(db, req.params.endpoint_group_id!, req.params.project_id!); },
    },
    // project ↔ endpoint
    {
      method: 'PUT', path: `${EP}/projects/:project_id/endpoints/:endpoint_id`, policy: 'identity:add_endpoint_to_project',
      handler: async (req) => {
        await getEndpoint(db, req.params.endpoint_id!);
        await getProject(db, req.params.project_id!);
        await addEndpointToProject(db, req.params.endpoint_id!, req.params.project_id!);
      },
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/projects/:project_id/endpoints/:endpoint_id`, policy: 'identity:check_endpoint_in_project',
      handler: async (req) => {
        await getEndpoint(db, req.params.endpoint_id!);
        await getProject(db, req.params.project_id!);
        await checkEndpointInProject(db, req.params.endpoint_id!, req.params.project_id!);
      },
    },
    {
      method: 'DELETE', path: `${EP}/projects/:project_id/endpoints/:endpoint_id`, policy: 'identity:remove_endpoint_from_project',
      handler: async (req) => { await removeEndpointFromProject(db, req.params.endpoint_id!, req.params.project_id!); },
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/projects/:project_id/endpoints`, policy: 'identity:list_endpoints_for_project',
      handler: async (req) => collection(req, 'endpoints', (await listEndpointsForProject(db, req.params.project_id!)).map((e) => renderEndpoint(req, e))),
    },
    {
      method: ['GET', 'HEAD'], path: `${EP}/endpoints/:endpoint_id/projects`, policy: 'identity:list_projects_for_endpoint',
      handler: async (req) => {
        await getEndpoint(db, req.params.endpoint_id!);
        return projects(req, await projectIdsForEndpoint(db, req.params.endpoint_id!));
      },
    },
  ];
}
