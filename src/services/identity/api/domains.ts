// /v3/domains
import type { IdentityDeps } from '../deps.ts';
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { createProject, deleteDomain, getProject, listProjects, updateProject, type Project } from '../service/projects.ts';
import { boolFilter, collection, entity, links, s, splitExtra, wrap } from './common.ts';

const KNOWN = ['id', 'name', 'description', 'enabled', 'tags', 'options', 'explicit_domain_id'];

export function renderDomain(req: ApiRequest, d: Project) {
  return { ...d.extra, id: d.id, name: d.name, description: d.description, enabled: d.enabled, tags: d.tags, options: d.options, links: links(req, `domains/${d.id}`) };
}

const domainBody = { type: 'object', properties: { name: s.name64, description: s.description, enabled: s.enabled, tags: s.tags, options: { type: 'object' }, explicit_domain_id: s.id } };

export function domainRoutes({ db }: IdentityDeps): Route[] {
  const target = async (req: ApiRequest) => ({ domain: await getProject(db, req.params.domain_id!, 'domain') });
  return [
    {
      method: 'POST', path: '/v3/domains', policy: 'identity:create_domain',
      body: wrap('domain', { ...domainBody, required: ['name'] }),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'domain');
        const d = await createProject(db, { id: b.explicit_domain_id, name: b.name, description: b.description, enabled: b.enabled, tags: b.tags, options: b.options, isDomain: true, extra: splitExtra(b, KNOWN) });
        return reply(201, { domain: renderDomain(req, d) });
      },
    },
    {
      method: 'GET', path: '/v3/domains', policy: 'identity:list_domains',
      handler: async (req) => {
        const q = req.query;
        const domains = await listProjects(db, { isDomain: true, name: q.name, enabled: boolFilter(q.enabled) });
        return collection(req, 'domains', domains.map((d) => renderDomain(req, d)));
      },
    },
    { method: 'GET', path: '/v3/domains/:domain_id', policy: 'identity:get_domain', target, handler: (req) => ({ domain: renderDomain(req, req.target.domain as Project) }) },
    {
      method: 'PATCH', path: '/v3/domains/:domain_id', policy: 'identity:update_domain', target,
      body: wrap('domain', domainBody),
      handler: async (req) => {
        const b = entity<Record<string, any>>(req, 'domain');
        const d = await updateProject(db, req.params.domain_id!, 'domain', { name: b.name, description: b.description, enabled: b.enabled, tags: b.tags, options: b.options, extra: splitExtra(b, KNOWN) });
        return { domain: renderDomain(req, d) };
      },
    },
    {
      method: 'DELETE', path: '/v3/domains/:domain_id', policy: 'identity:delete_domain', target,
      handler: async (req) => { await deleteDomain(db, req.params.domain_id!); },
    },
  ];
}
