// POST /servers/{id}/action: the body's single key names the action (Nova's wsgi.action);
// each action checks its own policy after the server is found (404 before 403, as Nova).
import { BadRequest } from '../../../lib/errors.ts';
import type { Route } from '../../../lib/http/routes.ts';
import type { ComputeDeps } from '../deps.ts';
import { basicActions, type ActionHandler } from './actions-basic.ts';
import { lifecycleActions } from './actions-lifecycle.ts';
import { getInstance } from './common.ts';
import { floatingIpActions } from './floating-ips.ts';
import { securityGroupActions } from './security-groups.ts';

export function serverActionRoutes(deps: ComputeDeps): Route[] {
  const actions: Record<string, ActionHandler> = { ...basicActions, ...lifecycleActions, ...securityGroupActions, ...floatingIpActions };
  return [{
    method: 'POST', path: '/v2.1/servers/:server_id/action', policy: 'os_compute_api:servers:action',
    handler: async (req) => {
      const body = req.body;
      if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length === 0) throw new BadRequest('Malformed request body');
      const name = Object.keys(body).find((k) => Object.hasOwn(actions, k));
      if (!name) throw new BadRequest(`There is no such action: ${Object.keys(body)[0]}`);
      const inst = await getInstance(deps, req.params.server_id!, req.ctx);
      return actions[name]!(deps, req, inst, body);
    },
  }];
}
