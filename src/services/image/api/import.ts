// Interoperable import (stage, import, the image's tasks), deleting data from one store
// (2.10) and the locations API (2.17).
import { BadRequest, Conflict, Forbidden, NotFound } from '../../../lib/errors.ts';
import { reply, type Route } from '../../../lib/http/routes.ts';
import type { ImageDeps } from '../deps.ts';
import { imageTarget } from '../service/access.ts';
import { startImport, stageImageData } from '../service/import.ts';
import { addServiceLocation } from '../service/locations.ts';
import { removeLocation } from '../service/image-repo.ts';
import { getTask, listTasks, tasksOfImage, taskView } from '../service/tasks.ts';
import { imageTargetLoader, loadedImage, one } from './common.ts';
import { dataRequestOf } from './image-data.ts';

export function importRoutes(deps: ImageDeps): Route[] {
  const target = imageTargetLoader(deps);
  return [
    {
      method: 'PUT', path: '/v2/images/:image_id/stage', policy: 'modify_image', target,
      handler: async (req) => { await stageImageData(deps, loadedImage(req), dataRequestOf(req)); },
    },
    {
      method: 'POST', path: '/v2/images/:image_id/import', policy: 'get_image', target,
      handler: async (req) => {
        const store = one(req.headers['x-image-meta-store']);
        await startImport(deps, req.ctx, loadedImage(req), req.body, store);
        return reply(202, '');
      },
    },
    {
      method: 'GET', path: '/v2/images/:image_id/tasks', policy: 'get_image', target,
      handler: async (req) => ({ tasks: (await tasksOfImage(deps.db, loadedImage(req).id, { isAdmin: deps.access.isAdmin(req.ctx), projectId: req.ctx.projectId })).map(taskView) }),
    },
    {
      method: 'GET', path: '/v2/tasks', policy: 'tasks_api_access',
      handler: async (req) => {
        const limit = Math.min(Number(one(req.query.limit) ?? deps.settings.defaultLimit) || deps.settings.defaultLimit, deps.settings.maxLimit);
        const tasks = await listTasks(deps.db, { limit, status: one(req.query.status), type: one(req.query.type) });
        return { tasks: tasks.map((t) => { const { input: _i, result: _r, ...v } = taskView(t); return { ...v, self: `/v2/tasks/${t.id}`, schema: '/v2/schemas/task' }; }), first: '/v2/tasks', schema: '/v2/schemas/tasks' };
      },
    },
    {
      method: 'GET', path: '/v2/tasks/:task_id', policy: 'tasks_api_access',
      handler: async (req) => {
        const t = await getTask(deps.db, req.params.task_id!);
        if (!t) throw new NotFound(`Task with the given ID ${req.params.task_id} not found`);
        return { ...taskView(t), self: `/v2/tasks/${t.id}`, schema: '/v2/schemas/task' };
      },
    },
    {
      method: 'DELETE', path: '/v2/stores/:store_id/:image_id', policy: 'get_image_location', target,
      handler: async (req) => {
        const storeId = req.params.store_id!;
        const store = deps.stores.get(storeId);
        if (!store) throw new Conflict(`The selected store ${storeId} is not available on this node.`);
        const image = loadedImage(req);
        deps.access.enforce('delete_image_location', imageTarget(image, req.ctx), req.ctx);
        if (image.status !== 'active') throw new Conflict("It's not allowed to remove image data from store if image status is not 'active'");
        if (image.locations.length === 1) throw new Forbidden('Cannot delete image data from the only store containing it. Consider deleting the image instead.');
        const loc = image.locations.find((l) => l.store === storeId);
        if (!loc) throw new NotFound(`Image ${image.id} is not stored in store ${storeId}.`);
        await store.delete(loc.url).catch((err) => { if (!(err instanceof NotFound)) throw err; });
        await removeLocation(deps.db, loc.id);
      },
    },
    {
      method: 'GET', path: '/v2/images/:image_id/locations', policy: 'fetch_image_location', target,
      handler: (req) => loadedImage(req).locations.map((l) => ({ url: l.url, metadata: l.metadata })),
    },
    {
      method: 'POST', path: '/v2/images/:image_id/locations', policy: 'add_image_location', target,
      handler: async (req) => {
        if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw new BadRequest('Body expected in request.');
        await addServiceLocation(deps, req.ctx, loadedImage(req), req.body as Record<string, unknown>);
        return reply(202, '');
      },
    },
  ];
}
