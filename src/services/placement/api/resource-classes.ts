// /resource_classes (1.2+, placement/handlers/resource_class.py).
import { reply, type ApiRequest, type Route } from '../../../lib/http/routes.ts';
import { badRequest, conflict } from '../errors.ts';
import type { PlacementDeps } from '../deps.ts';
import { createClass, deleteClass, getClass, listClasses, renameClass, STANDARD_CLASSES } from '../service/resource-classes.ts';
import { atLeast, jsonBody, latest, ok, prefixPath, since } from './common.ts';
import { validate } from './json-schema.ts';
import * as schemas from './schemas.ts';

const render = (req: ApiRequest, name: string) => ({ name, links: [{ rel: 'self', href: `${prefixPath(req)}/resource_classes/${name}` }] });

export function resourceClassRoutes({ database, db }: PlacementDeps): Route[] {
  return [
    {
      method: 'GET', path: '/resource_classes', policy: 'placement:resource_classes:list',
      handler: async (req) => {
        since(req, '1.2');
        const all = await listClasses(db);
        return ok(req, { resource_classes: all.map((rc) => render(req, rc.name)) }, latest(all.map((rc) => rc.updatedAt)));
      },
    },
    {
      method: 'POST', path: '/resource_classes', policy: 'placement:resource_classes:create',
      handler: async (req) => {
        since(req, '1.2');
        const { name } = jsonBody(req, schemas.postResourceClass);
        if (!await createClass(database, name)) throw conflict(`Conflicting resource class already exists: ${name}`);
        return reply(201, undefined, { location: `${req.baseUrl}/resource_classes/${name}` });
      },
    },
    {
      method: 'GET', path: '/resource_classes/:name', policy: 'placement:resource_classes:show',
      handler: async (req) => {
        since(req, '1.2');
        const rc = await getClass(db, req.params.name!);
        return ok(req, render(req, rc.name), rc.updatedAt);
      },
    },
    {
      method: 'PUT', path: '/resource_classes/:name', policy: 'placement:resource_classes:update',
      handler: async (req) => {
        since(req, '1.2');
        const name = req.params.name!;
        if (!atLeast(req, '1.7')) {
          const body = jsonBody(req, schemas.postResourceClass);
          const rc = await renameClass(database, name, body.name);
          return reply(200, render(req, rc.name));
        }
        // 1.7+: bodiless create-or-confirm of a custom class.
        const err = validate({ name }, schemas.postResourceClass);
        if (err) throw badRequest(`JSON does not validate: ${err}`);
        const created = !STANDARD_CLASSES.includes(name) && await createClass(database, name);
        return reply(created ? 201 : 204, undefined, { location: `${req.baseUrl}/resource_classes/${name}` });
      },
    },
    {
      method: 'DELETE', path: '/resource_classes/:name', policy: 'placement:resource_classes:delete',
      handler: async (req) => { since(req, '1.2'); await deleteClass(database, req.params.name!); },
    },
  ];
}
