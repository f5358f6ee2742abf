import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyError,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { ConclaveError } from '../domain/errors.js';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';
import { grantPluginRoutes, registeredRoutes, trackRouteAccess } from './access.js';
import type { ApiApp } from './app-types.js';
import type { ApiDeps } from './deps.js';
import { type ErrorReply, errorReply, rawErrorResponse, toErrorReply } from './error-reply.js';
import { documentErrors, operationKey } from './openapi-errors.js';
import { type RouteErrorFacts, routeErrorFacts } from './route-errors.js';
import { registerHealthRoutes } from './routes/health.routes.js';
import { registerTradingRoutes } from './routes/trading.routes.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { documentAliases, seedAliasRewriter } from './seed-aliases.js';
import './user.js';

export interface BuildAppOptions {
  readonly logger?: FastifyServerOptions['loggerInstance'] | boolean;
}

/**
 * The HTTP edge, built apart from `listen()` so tests drive it through `inject()` or a real socket. Routes
 * call application services only; errors become `{error: {code, message, details}}` with the status mapped
 * from the one catalogue.
 */
export async function buildApp(deps: ApiDeps, options: BuildAppOptions = {}): Promise<ApiApp> {
  const logger = options.logger ?? false;
  // Per-request logs are off: a cycle logs itself with its cycle id, and request lines would dominate the hot path.
  const logController = new LogController({ disableRequestLogging: true });
  const serverOptions: FastifyHttpOptions<Server> = {
    logController,
    // The seeds' URLs are rewritten to the routes that serve them before routing (src/api/seed-aliases.ts).
    rewriteUrl: seedAliasRewriter(),
    // A client that sends full headers and then trickles (or never sends) the body would hold a socket forever.
    requestTimeout: deps.config.HTTP_REQUEST_TIMEOUT_MS,
    // Node checks the deadlines on this period (30 s by default, longer than a short deadline itself).
    http: { headersTimeout: deps.config.HTTP_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    // Fastify's own closing answer is a non-catalogue body; the shutdown hook below answers instead.
    return503OnClosing: false,
    frameworkErrors: (error, request, reply) => sendError(reply, toErrorReply(error, request.log)),
    clientErrorHandler: answerClientError,
  };
  const base = typeof logger === 'boolean' ? Fastify({ ...serverOptions, logger }) : Fastify({ ...serverOptions, loggerInstance: logger });
  const app: ApiApp = base.withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Before any route: a route registered without an access class stops the server at start-up.
  trackRouteAccess(app);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // First hook, so refusals by later hooks (auth, shutdown) carry the headers too.
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (closing) {
      reply.header('connection', 'close');
      throw new ConclaveError(
        'SHUTTING_DOWN',
        `${request.method} ${request.url.split('?')[0]}: the server is shutting down; retry on another instance`,
      );
    }
  });
  acceptEmptyBodies(app);
  app.decorateRequest('userId', LOCAL_USER_ID);
  app.decorateRequest('callerKind', 'user');
  app.decorateRequest('operator', true);
  deps.installAuth?.(app);
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(reply, toErrorReply(error, request.log)));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, errorReply('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Conclave API',
        version: deps.version,
        description:
          'Multi-agent paper trading: agents watch markets, decide with a trained model, pass risk limits and fill on a simulated broker. Paper trading only.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from POST /api/auth/login' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN (GET /metrics and /health only)' },
        },
      },
    },
    transform: jsonSchemaTransform,
    // Fills components.schemas from the zod registry (without it every `$ref` of a `.meta({id})` dangles), then
    // derives each operation's error responses from its route, then copies operations to the seeds' URLs.
    transformObject: (input) => documentAliases(documentErrors(jsonSchemaTransformObject(input), errorFactsOf(app))),
  });
  await app.register(async (docs) => {
    grantPluginRoutes(docs, 'public');
    oneSpecUrl(docs);
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());

  registerHealthRoutes(app, deps);
  registerTradingRoutes(app, deps);
  for (const register of deps.extraRoutes ?? []) await register(app);
  return app;
}

/** Every documented route's error facts, by operation key (`GET /api/symbols/{id}`). */
function errorFactsOf(app: ApiApp): Map<string, RouteErrorFacts> {
  const facts = new Map<string, RouteErrorFacts>();
  for (const route of registeredRoutes(app)) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) facts.set(operationKey(String(method), route.url), routeErrorFacts(route, String(method)));
  }
  return facts;
}

export const SPEC_URL = '/openapi.json';

/**
 * Swagger UI loads `/openapi.json`, the one spec URL the README names, instead of its own `/docs/json`, which
 * (with `/docs/yaml`) redirects there.
 */
function oneSpecUrl(docs: FastifyInstance): void {
  docs.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (path === '/docs/json' || path === '/docs/yaml') return reply.redirect(SPEC_URL, 301);
  });
  docs.addHook('onSend', async (request, _reply, payload) => {
    if (!request.url.startsWith('/docs/static/swagger-initializer.js') || typeof payload !== 'string') return payload;
    return payload.replace("url: resolveUrl('./json')", `url: new URL(${JSON.stringify(SPEC_URL)}, window.location.href).href`);
  });
}

/**
 * Error answers bypass the route's response serializer: a route documenting 503 as its own body (GET /health)
 * would otherwise fail to serialize a SHUTTING_DOWN error and answer 500.
 */
function sendError(reply: FastifyReply, answer: ErrorReply): FastifyReply {
  return reply
    .headers(SECURITY_HEADERS)
    .status(answer.status)
    .type('application/json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(answer.body);
}

/** Errors on the socket before a request exists (Node's parser, header overflow, request deadline). */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? errorReply('REQUEST_TIMEOUT', 'the request was not received in full within the deadline (HTTP_REQUEST_TIMEOUT_MS)')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? errorReply('HEADERS_TOO_LARGE', 'request headers larger than the server accepts')
        : errorReply('BAD_REQUEST', 'malformed HTTP request', { reason: error.code ?? 'unknown' });
  if (socket.writable) socket.write(rawErrorResponse(answer, SECURITY_HEADERS));
  socket.destroy();
}

/**
 * A POST without a body (curl -X POST, with or without `Content-Type: application/json`) is read as `{}`, so
 * routes whose fields are all optional accept it, and routes with required fields name the missing field
 * instead of answering "expected object, received null".
 */
function acceptEmptyBodies(app: ApiApp): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    json(request, text, done);
  });
  app.addHook('preValidation', async (request) => {
    if ((request.body === undefined || request.body === null) && request.routeOptions.schema?.body) request.body = {};
  });
}
