// Routes are data: method, path, policy rule, body schema, handler. A route without a policy
// rule does not start; unauthenticated routes say so with the PUBLIC marker.
import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext } from '../auth/context.ts';
import type { Logger } from '../log.ts';
import type { Microversion } from './microversion.ts';

/** Policy marker for routes anyone may call without a token (version documents, POST /auth/tokens). */
export const PUBLIC = 'public';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'COPY' | 'OPTIONS';

export interface ApiRequest<Body = any> {
  ctx: RequestContext;
  params: Record<string, string>;
  query: Record<string, any>;
  body: Body;
  headers: IncomingHttpHeaders;
  /** Public base URL of this service, e.g. http://127.0.0.1:8000/identity (no trailing slash). */
  baseUrl: string;
  /** The negotiated microversion, on services that declare a microversion spec. */
  microversion?: Microversion;
  /** The policy target the route's `target` loader built (or {}). */
  target: Record<string, unknown>;
  log: Logger;
  raw: FastifyRequest;
}

/** A handler's answer when it is not a plain 200 JSON body. */
export class Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, body?: unknown, headers: Record<string, string> = {}) {
    this.status = status; this.body = body; this.headers = headers;
  }
}
export const reply = (status: number, body?: unknown, headers?: Record<string, string>) => new Reply(status, body, headers);

export interface Route {
  method: Method | Method[];
  path: string;
  /** The policy rule to enforce before the handler, or PUBLIC. */
  policy: string;
  /** JSON schema the body must match (400 otherwise). */
  body?: object;
  /** Builds the policy target (e.g. loads the resource so rules can match its owner). */
  target?: (req: ApiRequest) => Promise<Record<string, unknown>> | Record<string, unknown>;
  handler: (req: ApiRequest) => Promise<unknown> | unknown;
}

/** What the HTTP layer needs from the policy engine. */
export interface PolicyCheck {
  authorize(rule: string, target: Record<string, unknown>, ctx: RequestContext): void;
  isRegistered(rule: string): boolean;
}

/** Fails at start when a route has no policy or names a rule the enforcer does not know. */
export function checkRoutes(service: string, routes: Route[], policy: PolicyCheck | undefined): void {
  for (const r of routes) {
    const where = `${service}: ${[r.method].flat().join('|')} ${r.path}`;
    if (!r.policy) throw new Error(`${where} has no policy rule`);
    if (r.policy !== PUBLIC && !policy?.isRegistered(r.policy)) throw new Error(`${where} names unknown policy rule '${r.policy}'`);
  }
}
