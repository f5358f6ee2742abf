import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyServerOptions, LogController } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { isConclaveError } from '../domain/errors.js';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';
import type { ApiApp } from './app-types.js';
import type { ApiDeps } from './deps.js';
import { HTTP_STATUS } from './errors.js';
import { registerHealthRoutes } from './routes/health.routes.js';
import { registerTradingRoutes } from './routes/trading.routes.js';
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
  // The seeds' URLs are rewritten to the routes that serve them before routing (src/api/seed-aliases.ts).
  const rewriteUrl = seedAliasRewriter();
  const base =
    typeof logger === 'boolean'
      ? Fastify({ logger, logController, rewriteUrl })
      : Fastify({ loggerInstance: logger, logController, rewriteUrl });
  const app: ApiApp = base.withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.decorateRequest('userId', LOCAL_USER_ID);
  deps.installAuth?.(app);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const field = [error.validationContext, ...(first?.instancePath ?? '').split('/').filter(Boolean)].join('.');
      const missing = first?.params && 'issue' in first.params ? (first.params.issue as { path?: unknown[] }).path : undefined;
      const name = field || (Array.isArray(missing) ? missing.join('.') : 'request');
      return reply.status(422).send({
        error: {
          code: 'VALIDATION_ERROR',
          message: `${name}: ${first?.message ?? 'invalid'}`,
          details: { field: name, issues: error.validation.map((v) => ({ path: v.instancePath, message: v.message })) },
        },
      });
    }
    if (isConclaveError(error)) {
      const status = HTTP_STATUS[error.code];
      if (status >= 500) request.log.warn({ code: error.code, err: error.message }, 'request failed');
      return reply.status(status).send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: error.code ?? 'BAD_REQUEST', message: error.message } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'INTERNAL_ERROR', message: 'unexpected failure; see the server log' } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
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
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
    // Fills components.schemas from the zod registry; without it every `$ref` of a `.meta({id})` dangles.
    transformObject: (input) => documentAliases(jsonSchemaTransformObject(input)),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerHealthRoutes(app, deps);
  registerTradingRoutes(app, deps);
  for (const register of deps.extraRoutes ?? []) await register(app);
  return app;
}
