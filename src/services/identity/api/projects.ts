// /v3/projects and /v3/projects/{id}/tags
import type { IdentityDeps } from '../deps.ts';
import { BadRequest, NotFound } from '../../../lib/errors.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { createProject, deleteDomain, deleteProject, getProject, listProjects, parentIds, setTags, subtreeIds, updateProject, type Project } from '../service/projects.ts';
import { deleteTrustsForProject } from '../service/trusts.ts';
import { boolFilter, collection, entity, links, s, splitExtra, wrap } from './common.ts';

const KNOWN = ['id', 'name', 'description', 'enabled', 'tags', 'options', 'domain_id', 'parent_id', 'is_domain'];

export function renderProject(req: ApiRequest, p: Project) {
  return {
    ...p.extra, id: p.id, name: p.name, domain_id: p.domainId, description: p.description, enabled: p.enabled,
    parent_id: p.parentId, is_domain: p.isDomain, tags: p.tags, options: p.options, links: links(req, `projects/${p.id}`),
  };
}

const projectBody = {
  type: 'object',
  properties: { name: s.name64, description: s.description, enabled: s.enabled, tags: s.tags, options: { type: 'object' }, domain_id: s.idOrNull, parent_id: s.idOrNull, is_domain: { type: 'boolean' } },
};
const csv = (v: unknown) => (v === undefined ? undefined : String(v).split(',').filter(Boolean));

export function projectRoutes({ db, revocations }: IdentityDeps): Route[] {
  const target = async (req: ApiRequest) => ({ project: await getProject(db, req.params.project_id!) });
  const tagsTarget = target;
  return [
    {
      method: 'POST', path: '/v3/projects', policy: 'identity:create_project',
      target: (req) => ({ project: (req.body as any)?.project ?? {} }),
      body: wrap('project', { ...projectBody, required: ['name'] }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'project');
        const p = await createProject(db, {
          name: b.name, description: b.description, enabled: b.enabled, tags: b.tags, options: b.options,
          domainId: b.domain_id ?? undefined, parentId: b.parent_id ?? undefined, isDomain: b.is_domain, extra: splitExtra(b, KNOWN),
        });
        return reply(201, { project: p.isDomain ? { ...renderProject(req, p), domain_id: null } : renderProject(req, p) });
      },
    },
    {
      method: 'GET', path: '/v3/projects', policy: 'identity:list_projects',
      target: (req) => ({ domain_id: req.query.domain_id }),
      handler: async (req) => {
        const q = req.query;
        const projects = await listProjects(db, {
          name: q.name, domainId: q.domain_id, parentId: q.parent_id, enabled: boolFilter(q.enabled),
          isDomain: q.is_domain === undefined ? false : boolFilter(q.is_domain),
          tags: csv(q.tags), tagsAny: csv(q['tags-any']), notTags: csv(q['not-tags']), notTagsAny: csv(q['not-tags-any']),
        });
        return collection(req, 'projects', projects.map((p) => renderProject(req, p)));
      },
    },
    {
      method: 'GET', path: '/v3/projects/:project_id', policy: 'identity:get_project', target,
      handler: async (req) => {
        const p = req.target.project as Project;
        const out: Record<string, unknown> = renderProject(req, p);
        if (req.query.parents_as_list !== undefined || req.query.parents_as_ids !== undefined) {
          const ids = await parentIds(db, p);
          out.parents = req.query.parents_as_ids !== undefined ? nestIds(ids) : await Promise.all(ids.map(async (id) => ({ project: renderProject(req, await getProject(db, id)) })));
        }
        if (req.query.subtree_as_list !== undefined || req.query.subtree_as_ids !== undefined) {
          const ids = await subtreeIds(db, p.id);
          out.subtree = await Promise.all(ids.map(async (id) => ({ project: renderProject(req, await getProject(db, id)) })));
        }
        return { project: out };
      },
    },
    {
      method: 'PATCH', path: '/v3/projects/:project_id', policy: 'identity:update_project', target,
      body: wrap('project', projectBody),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'project');
        const p = await updateProject(db, req.params.project_id!, 'any', {
          name: b.name, description: b.description, enabled: b.enabled, tags: b.tags, options: b.options,
          domainId: b.domain_id, parentId: b.parent_id, isDomain: b.is_domain, extra: splitExtra(b, KNOWN),
        });
        return { project: renderProject(req, p) };
      },
    },
    { method: 'DELETE', path: '/v3/projects/:project_id', policy: 'identity:delete_project', target, handler: async (req) => {
        // A project acting as a domain is deleted as a domain (it must be disabled first).
        if ((req.target.project as Project).isDomain) await deleteDomain(db, req.params.project_id!);
        else {
          await deleteProject(db, req.params.project_id!);
          await deleteTrustsForProject(db, revocations, req.params.project_id!);
          await revocations.revoke({ projectId: req.params.project_id! });
        }
      },
    },
    // tags
    { method: 'GET', path: '/v3/projects/:project_id/tags', policy: 'identity:list_project_tags', target: tagsTarget, handler: (req) => ({ tags: (req.target.project as Project).tags }) },
    {
      method: 'PUT', path: '/v3/projects/:project_id/tags', policy: 'identity:update_project_tags', target: tagsTarget,
      body: { type: 'object', properties: { tags: s.tags }, required: ['tags'] },
      handler: async (req) => { await setTags(db, req.params.project_id!, (req.body as any).tags); return { tags: (await getProject(db, req.params.project_id!)).tags }; },
    },
    { method: 'DELETE', path: '/v3/projects/:project_id/tags', policy: 'identity:delete_project_tags', target: tagsTarget, handler: async (req) => { await setTags(db, req.params.project_id!, []); } },
    {
      method: ['GET', 'HEAD'], path: '/v3/projects/:project_id/tags/:tag', policy: 'identity:get_project_tag', target: tagsTarget,
      handler: (req) => { if (!(req.target.project as Project).tags.includes(req.params.tag!)) throw new NotFound(`Tag ${req.params.tag} not found`); return reply(204); },
    },
    {
      method: 'PUT', path: '/v3/projects/:project_id/tags/:tag', policy: 'identity:create_project_tag', target: tagsTarget,
      handler: async (req) => {
        const p = req.target.project as Project;
        const tag = req.params.tag!;
        if (tag.length > 255 || /[,/]/.test(tag)) throw new BadRequest(`Invalid tag: ${tag}`);
        if (!p.tags.includes(tag)) { if (p.tags.length >= 80) throw new BadRequest('Too many tags.'); await setTags(db, p.id, [...p.tags, tag]); }
        return reply(201, undefined, { Location: `${req.baseUrl}/v3/projects/${p.id}/tags/${encodeURIComponent(tag)}` });
      },
    },
    {
      method: 'DELETE', path: '/v3/projects/:project_id/tags/:tag', policy: 'identity:delete_project_tag', target: tagsTarget,
      handler: async (req) => {
        const p = req.target.project as Project;
        if (!p.tags.includes(req.params.tag!)) throw new NotFound(`Tag ${req.params.tag} not found`);
        await setTags(db, p.id, p.tags.filter((t) => t !== req.params.tag));
      },
    },
  ];
}

/** parents_as_ids: {parent: {grandparent: null}} */
function nestIds(ids: string[]): Record<string, unknown> | null {
  let out: Record<string, unknown> | null = null;
  for (const id of [...ids].reverse()) out = { [id]: out };
  return out;
}
