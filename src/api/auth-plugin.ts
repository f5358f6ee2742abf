import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../auth/auth-service.js';
import { ConclaveError } from '../domain/errors.js';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';
import { type Access, isAccess } from './access.js';
import type { ApiApp } from './app-types.js';

export interface AuthGateOptions {
  /** From config.isLoopback (the configured HOST), never from the socket a request came in on. */
  readonly isLoopback: boolean;
  /** The caller an access token speaks for, checked against the user table. @throws ConclaveError UNAUTHORIZED */
  readonly authenticate: (token: string) => Promise<Caller>;
  /** A static bearer token Prometheus scrapes `/metrics` with off loopback (METRICS_TOKEN); empty = none. */
  readonly metricsToken?: string;
}

/**
 * The bearer token of a request: the Authorization header, or for the WebSocket upgrade only (browsers
 * cannot set headers there) the `access_token` query parameter.
 */
export function bearerToken(request: FastifyRequest, path: string): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new ConclaveError('UNAUTHORIZED', 'Authorization: expected "Bearer <token>"');
    return match[1];
  }
  if (path === '/ws') {
    const token = new URL(request.url, 'http://local').searchParams.get('access_token');
    if (token) return token;
  }
  return null;
}

/** A route that does not exist answers like a signed-in route, so probing paths without a token learns nothing. */
function accessOf(request: FastifyRequest): Access {
  const access = request.routeOptions.config?.access;
  return isAccess(access) ? access : 'user';
}

/**
 * Installs the one hook that enforces every route's access class (src/api/access.ts, DESIGN.md section 4):
 * - a valid access token names its user anywhere (checked against the user table on every request); an
 *   invalid one is refused (401) on every non-public route, on loopback too, so a client never silently acts
 *   as the wrong user;
 * - without a token, loopback acts as the local user (an operator: the machine's owner); any other address is
 *   anonymous;
 * - `public` lets anyone in; `metrics` takes only METRICS_TOKEN (or no token on loopback); `user` and `shared`
 *   need a user; `operator` needs an operator (403 FORBIDDEN for other users).
 * Must be installed before any route is registered.
 */
export function installAuthGate(app: ApiApp, options: AuthGateOptions): void {
  const gate = async (request: FastifyRequest): Promise<void> => {
    const path = request.url.split('?')[0];
    const access = accessOf(request);
    request.callerKind = 'anonymous';
    request.userId = 0;
    request.operator = false;
    let token: string | null;
    try {
      token = bearerToken(request, path);
    } catch (error) {
      if (access === 'public') return;
      throw error;
    }
    if (token && options.metricsToken && sameSecret(token, options.metricsToken)) {
      request.callerKind = 'metrics';
      if (access === 'metrics' || access === 'public') return;
      throw new ConclaveError('UNAUTHORIZED', `${request.method} ${path}: METRICS_TOKEN opens /metrics and /health only`);
    }
    if (access === 'metrics') {
      if (options.isLoopback && !token) return actAsLocalUser(request);
      throw new ConclaveError(
        'UNAUTHORIZED',
        options.metricsToken
          ? `${request.method} ${path}: expected the METRICS_TOKEN bearer token (user tokens do not open /metrics)`
          : `${request.method} ${path}: METRICS_TOKEN is not set, so /metrics is closed off loopback`,
      );
    }
    if (token) {
      let caller: Caller;
      try {
        caller = await options.authenticate(token);
      } catch (error) {
        // A stale token must not lock anyone out of logging in again or reading /health.
        if (access === 'public') return;
        throw error;
      }
      request.callerKind = 'user';
      request.userId = caller.userId;
      request.operator = caller.operator;
    } else if (options.isLoopback) {
      actAsLocalUser(request);
    } else if (access !== 'public') {
      throw new ConclaveError('UNAUTHORIZED', `${request.method} ${path}: a bearer token is required (POST /api/auth/login)`);
    }
    if (access === 'operator' && !request.operator) {
      throw new ConclaveError(
        'FORBIDDEN',
        `${request.method} ${path}: operators only (it changes what every account shares); ask an operator, or see OPERATORS / \`conclave user grant-operator\``,
      );
    }
  };
  // A WebSocket upgrade is checked one step later: @fastify/websocket marks the request in its own onRequest
  // hook and only then destroys the socket after a refusal; refusing earlier would leak the upgraded socket.
  app.addHook('onRequest', async (request) => {
    if (!isUpgrade(request)) await gate(request);
  });
  app.addHook('preValidation', async (request) => {
    if (isUpgrade(request)) await gate(request);
  });
}

function actAsLocalUser(request: FastifyRequest): void {
  request.callerKind = 'user';
  request.userId = LOCAL_USER_ID;
  request.operator = true;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isUpgrade(request: FastifyRequest): boolean {
  const upgrade = request.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket';
}
