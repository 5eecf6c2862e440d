// The Fastify factory and the mounting of one service's route table under its prefix:
// request ids, authentication, policy, body schemas, microversions and one fault style.
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { anonymousContext } from '../auth/context.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { BadRequest, CloudError, NotFound, PayloadTooLarge, UnsupportedMediaType, MethodNotAllowed } from '../errors.ts';
import { requestId } from '../ids.ts';
import type { Logger } from '../log.ts';
import { faultStyles, type FaultStyle } from './faults/index.ts';
import { negotiateMicroversion, type MicroversionSpec } from './microversion.ts';
import { checkRoutes, PUBLIC, Reply, type ApiRequest, type PolicyCheck, type Route } from './routes.ts';

export interface HttpOptions { log: Logger; maxBodyBytes?: number }

/** Per server, the mounted services' answers to a path the router cannot decode. */
const badPathAnswers = new WeakMap<FastifyInstance, Array<{ prefix: string; answer: (req: FastifyRequest, res: FastifyReply) => void }>>();

export function createHttpServer(opts: HttpOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    // a path that does not decode never reaches a route: the service under that prefix answers
    // it in its own style (Swift: 412 "Invalid UTF8 or contains NULL"), not Fastify's JSON
    frameworkErrors: (error, request, response) => {
      const [req, res] = [request as FastifyRequest, response as FastifyReply];
      const url = req.raw.url ?? '';
      const mounted = error.code === 'FST_ERR_BAD_URL' ? badPathAnswers.get(app)?.find((m) => url.startsWith(m.prefix + '/')) : undefined;
      if (mounted) return mounted.answer(req, res);
      // anything else as Fastify answers it (a route parameter too long: 414)
      const status = error.statusCode ?? 400;
      return res.code(status).type('application/json').send(JSON.stringify({ error: 'Bad Request', code: error.code, message: error.message, statusCode: status }));
    },
    loggerInstance: opts.log as FastifyBaseLogger,
    // Our own onResponse hook logs one line per request; the request id is on every line.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: () => requestId(),
    requestIdHeader: false,
    bodyLimit: opts.maxBodyBytes ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    exposeHeadRoutes: false,
    // OpenStack APIs are strict: no type coercion, no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
  });
  // Swift's server-side copy (COPY /v1/a/c/o with a Destination header); Fastify knows only the
  // standard methods.
  app.addHttpMethod('COPY');
  // OpenStack clients send `Content-Type: application/json` on bodiless PUTs (role grants…):
  // an empty body is no body, not a parse error.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    return json(req, String(body), done);
  });
  app.addHook('onRequest', async (req, res) => {
    res.header('x-openstack-request-id', req.id);
  });
  app.addHook('onResponse', async (req, res) => {
    req.log.info({ method: req.method, url: req.url, status: res.statusCode, ms: Math.round(res.elapsedTime) }, 'request');
  });
  return app;
}

export interface ServiceHttp {
  id: string;
  prefix: string;
  faultStyle: FaultStyle;
  routes: Route[];
  policy?: PolicyCheck;
  authenticator?: Authenticator;
  microversion?: MicroversionSpec;
  /** Base of public URLs; when unset, taken from the request's Host header. */
  publicUrl?: string;
  /** Extra content types whose body reaches the handler as a stream (image/object data). */
  streamTypes?: string[];
  /** Extra content types parsed as JSON (e.g. Glance's json-patch type). */
  jsonTypes?: string[];
  /** Told when a request arrives (before authentication and body parsing) and when it is done. */
  traffic?: { enter(): void; leave(): void };
  /** The answer to a path that does not decode; by default a 400 in the service's fault style. */
  badPath?: (req: IncomingMessage) => Reply;
}

/** Content-Type headers kept from Fastify's body parsing (see mountService), by raw request. */
const contentTypes = new WeakMap<object, string>();

/** Turns any error into the service's fault; unknown errors become a generic 500. */
function toCloudError(err: any): CloudError {
  if (err instanceof CloudError) return err;
  if (err?.validation) return new BadRequest(`Invalid input for field/attribute ${err.validationContext ?? 'body'}: ${err.message}`);
  if (err?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new PayloadTooLarge('Request Entity Too Large');
  if (err?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new UnsupportedMediaType(err.message);
  const status = err?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const e = new BadRequest(status === 400 ? `Malformed request body: ${err.message}` : err.message);
    (e as { status: number }).status = status;
    return e;
  }
  const e = new CloudError('An unexpected error prevented the server from fulfilling your request.');
  (e as { cause?: unknown }).cause = err;
  return e;
}

export function mountService(app: FastifyInstance, svc: ServiceHttp): void {
  checkRoutes(svc.id, svc.routes, svc.policy);
  const render = faultStyles[svc.faultStyle];
  const answers = badPathAnswers.get(app) ?? [];
  badPathAnswers.set(app, answers);
  answers.push({
    prefix: svc.prefix,
    answer: (req, res) => {
      if (svc.badPath) {
        const out = svc.badPath(req.raw);
        return res.code(out.status).headers(out.headers).send(out.body);
      }
      const fault = render(new BadRequest('The request URL is not valid.'));
      return res.code(fault.status).header('x-openstack-request-id', req.id).type(fault.contentType).send(fault.body);
    },
  });
  const baseUrl = (req: FastifyRequest) => (svc.publicUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`).replace(/\/$/, '') + svc.prefix;

  app.register(async (scope) => {
    // '*' streams every body whatever its type (object storage: data of any type, JSON included).
    if (svc.streamTypes?.includes('*')) {
      scope.removeAllContentTypeParsers();
      // Fastify answers 415 to a Content-Type it cannot parse ('text', 'null', '/') before any
      // handler runs, where Swift stores whatever was sent: the header is hidden from Fastify
      // while it reads the body and given back to the handler (handle()).
      scope.addHook('onRequest', (req, _res, done) => {
        const type = req.headers['content-type'];
        if (type !== undefined) {
          contentTypes.set(req.raw, type);
          delete req.headers['content-type'];
        }
        done();
      });
    }
    for (const type of svc.streamTypes ?? []) scope.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    for (const type of svc.jsonTypes ?? []) scope.addContentTypeParser(type, { parseAs: 'string' }, scope.getDefaultJsonParser('error', 'error'));
    const traffic = svc.traffic;
    if (traffic) {
      scope.addHook('onRequest', async (_req, res) => {
        traffic.enter();
        // 'close' comes once whether the answer was sent or the client went away.
        res.raw.once('close', () => traffic.leave());
      });
    }

    scope.setErrorHandler(async (error, req, res) => {
      const err = toCloudError(error);
      if (err.status >= 500) req.log.error({ err: (err as { cause?: unknown }).cause ?? err }, 'request failed');
      const fault = render(err);
      if (err.headers) res.headers(err.headers);
      if (err.status === 401 && svc.faultStyle === 'keystone') res.header('WWW-Authenticate', `Keystone uri="${baseUrl(req)}"`);
      return res.code(fault.status).type(fault.contentType).send(fault.body);
    });
    scope.setNotFoundHandler(async (req) => {
      const known = svc.routes.some((r) => matches(svc.prefix + r.path, req.url.split('?')[0]!));
      throw known ? new MethodNotAllowed(`The method ${req.method} is not allowed for this resource.`) : new NotFound('The resource could not be found.');
    });

    for (const route of svc.routes) {
      scope.route({
        method: route.method,
        url: route.path,
        schema: route.body ? { body: route.body } : undefined,
        // Validate, but decide after authentication and policy: 401/403 come before 400, as in OpenStack.
        attachValidation: true,
        handler: async (req, res) => handle(route, req, res),
      });
    }
  }, { prefix: svc.prefix });

  async function handle(route: Route, req: FastifyRequest, res: FastifyReply) {
    const headers = req.headers;
    const hiddenType = contentTypes.get(req.raw);
    if (hiddenType !== undefined) headers['content-type'] = hiddenType;
    const ctx = route.policy === PUBLIC && !headers['x-auth-token']
      ? anonymousContext(req.id)
      : route.policy === PUBLIC
        ? await svc.authenticator!.authenticate({ authToken: headers['x-auth-token'] as string, serviceToken: headers['x-service-token'] as string | undefined }, req.id).catch(() => anonymousContext(req.id))
        : await requireAuth(req);
    const api: ApiRequest = {
      ctx, params: req.params as Record<string, string>, query: req.query as Record<string, any>, body: req.body,
      headers, baseUrl: baseUrl(req), target: {}, log: req.log as Logger, raw: req,
    };
    if (svc.microversion) {
      const mv = negotiateMicroversion(headers, svc.microversion);
      api.microversion = mv.version;
      res.headers(mv.headers);
    }
    if (route.policy !== PUBLIC) {
      api.target = route.target ? await route.target(api) : {};
      // Rules see the URL parameters and the target flat (Nova's `%(project_id)s`) and under `target`
      // (Keystone's `%(target.user.domain_id)s`), so operators' policy files work unchanged.
      svc.policy!.authorize(route.policy, { ...api.params, ...api.target, target: api.target }, ctx);
    }
    if (req.validationError) throw toCloudError(req.validationError);
    const out = await route.handler(api);
    if (out instanceof Reply) {
      setHeaders(res.code(out.status), out.headers);
      return send(res, out.body);
    }
    if (out === undefined) return res.code(204).send();
    return send(res, out);
  }

  async function requireAuth(req: FastifyRequest) {
    if (!svc.authenticator) throw new Error(`${svc.id}: authenticated route without an authenticator`);
    return svc.authenticator.authenticate({
      authToken: req.headers['x-auth-token'] as string | undefined,
      serviceToken: req.headers['x-service-token'] as string | undefined,
    }, req.id);
  }
}

/** The headers Fastify must know of: it serializes and frames the body by them. */
const FRAMING = new Set(['content-type', 'content-length']);

/**
 * A reply's headers, their names sent as the service wrote them. Fastify lower-cases the names it
 * sends, and some clients match names case-sensitively: openstacksdk reads an object's metadata
 * from the headers that start with "X-Object-Meta-" (Swift's spelling), and found none.
 */
function setHeaders(res: FastifyReply, headers: Record<string, string>) {
  for (const [name, value] of Object.entries(headers)) {
    // one Fastify already holds (x-openstack-request-id, from a hook) would win over a raw one
    if (FRAMING.has(name.toLowerCase()) || res.hasHeader(name)) res.header(name, value);
    else res.raw.setHeader(name, value);
  }
}

function send(res: FastifyReply, body: unknown) {
  if (body === undefined || body === null) return res.send();
  if (typeof body === 'string' || Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return res.send(body);
  return res.type('application/json').send(JSON.stringify(body));
}

/** Does a Fastify-style route path (`/v3/users/:id`) match a concrete URL path? */
function matches(pattern: string, path: string): boolean {
  const p = pattern.replace(/\/+$/, '').split('/');
  const u = path.replace(/\/+$/, '').split('/');
  if (p.length !== u.length) return false;
  return p.every((seg, i) => seg.startsWith(':') || seg === u[i]);
}
