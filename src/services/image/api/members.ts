// /v2/images/{id}/members. The routes need the image to be visible (get_image); the member
// rules are checked inside, after "only shared images have members", in Glance's order.
import type { Route } from '../../../lib/http/routes.ts';
import type { ImageDeps } from '../deps.ts';
import { addMember, deleteMember, listMembers, memberIdFromBody, showMember, statusFromBody, updateMember } from '../service/members.ts';
import { imageTargetLoader, loadedImage } from './common.ts';
import { memberView } from './render.ts';

export function memberRoutes(deps: ImageDeps): Route[] {
  const target = imageTargetLoader(deps);
  return [
    {
      method: 'GET', path: '/v2/images/:image_id/members', policy: 'get_image', target,
      handler: async (req) => ({ members: (await listMembers(deps, req.ctx, loadedImage(req))).map(memberView), schema: '/v2/schemas/members' }),
    },
    {
      method: 'POST', path: '/v2/images/:image_id/members', policy: 'get_image', target,
      handler: async (req) => memberView(await addMember(deps, req.ctx, loadedImage(req), memberIdFromBody(req.body))),
    },
    {
      method: 'GET', path: '/v2/images/:image_id/members/:member_id', policy: 'get_image', target,
      handler: async (req) => memberView(await showMember(deps, req.ctx, loadedImage(req), req.params.member_id!)),
    },
    {
      method: 'PUT', path: '/v2/images/:image_id/members/:member_id', policy: 'get_image', target,
      handler: async (req) => memberView(await updateMember(deps, req.ctx, loadedImage(req), req.params.member_id!, statusFromBody(req.body))),
    },
    {
      method: 'DELETE', path: '/v2/images/:image_id/members/:member_id', policy: 'get_image', target,
      handler: async (req) => { await deleteMember(deps, req.ctx, loadedImage(req), req.params.member_id!); },
    },
  ];
}
