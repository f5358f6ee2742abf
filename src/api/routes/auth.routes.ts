import rateLimit from '@fastify/rate-limit';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuthService, PublicUser } from '../../auth/auth-service.js';
import { ConclaveError, type ErrorCode } from '../../domain/errors.js';
import { iso } from '../../engine/cycle-response.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER, LoginBody, RefreshBody, RegisterBody, Tokens, User } from '../platform-schemas.js';
import type { OwnExample } from '../route-errors.js';
import { userIdOf } from '../user.js';

export interface AuthRoutesDeps {
  readonly auth: AuthService;
  /** Requests per client IP per window on each of register, login and refresh. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
}

export function userJson(u: PublicUser, operator = u.operator) {
  return { id: u.id, username: u.username, email: u.email, created_at: iso(u.createdAt), operator };
}

/** Register, log in, refresh (rotating), who am I. The three token-less routes are rate limited per IP. */
export async function registerAuthRoutes(app: ApiApp, deps: AuthRoutesDeps): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new ConclaveError('TOO_MANY_REQUESTS', `auth: more than ${context.max} requests per window; retry in ${context.after}`, {
          retry_after_s: Math.max(1, Math.ceil(context.ttl / 1000)),
          limit: context.max,
        }),
    });
    const r = scope.withTypeProvider<ZodTypeProvider>();
    const limit = { max: deps.rateLimit.max, timeWindow: deps.rateLimit.windowMs };
    // Public routes that still read and write the user table.
    const limited = (errors: readonly ErrorCode[], errorExamples: Partial<Record<ErrorCode, OwnExample>> = {}) => ({
      access: 'public' as const,
      rateLimit: limit,
      errors: [...errors, 'STORE_UNAVAILABLE' as const],
      errorExamples,
    });
    const tooMany = { 429: ErrorBody };

    r.post(
      '/api/auth/register',
      {
        config: limited(['CONFLICT']),
        schema: {
          tags: ['auth'],
          summary: 'Create an account',
          description:
            'The password is stored only as an scrypt hash. Passwords need at least 10 characters and must not be whitespace, one repeated character, a well-known password, or the username or email (422 VALIDATION_ERROR, field `password`). Usernames and emails are unique ignoring case: 409 CONFLICT when either is taken.',
          body: RegisterBody,
          response: { 201: User, 409: ErrorBody, 422: ErrorBody, ...tooMany },
        },
      },
      async (request, reply) => reply.status(201).send(userJson(await deps.auth.register(request.body))),
    );

    r.post(
      '/api/auth/login',
      {
        config: limited(['UNAUTHORIZED'], { UNAUTHORIZED: { message: 'login: wrong username or password' } }),
        schema: {
          tags: ['auth'],
          summary: 'Exchange username and password for an access and a refresh token',
          description:
            'Send the access token as `Authorization: Bearer <token>`. 401 for a wrong username or password (one answer for both).',
          body: LoginBody,
          response: { 200: Tokens, 401: ErrorBody, 422: ErrorBody, ...tooMany },
        },
      },
      async (request) => deps.auth.login(request.body),
    );

    r.post(
      '/api/auth/refresh',
      {
        config: limited(['UNAUTHORIZED'], { UNAUTHORIZED: { message: 'refresh token: already used or revoked; log in again' } }),
        schema: {
          tags: ['auth'],
          summary: 'Exchange a refresh token for a new pair (the old refresh token stops working)',
          body: RefreshBody,
          response: { 200: Tokens, 401: ErrorBody, 422: ErrorBody, ...tooMany },
        },
      },
      async (request) => deps.auth.refresh(request.body.refresh_token),
    );
  });

  app.get(
    '/api/auth/me',
    {
      config: { access: 'user' },
      schema: {
        tags: ['auth'],
        summary: 'The account this request acts for (on loopback without a token: the local user)',
        security: BEARER,
        response: { 200: User, 401: ErrorBody },
      },
    },
    // `operator` as the gate decided it: the local user on loopback is one whatever its stored role.
    async (request) => userJson(await deps.auth.me(userIdOf(request)), request.operator),
  );
}
