import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ConclaveError } from '../domain/errors.js';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';
import type { ApiApp } from './app-types.js';

export interface AuthGateOptions {
  /** From config.isLoopback (the configured HOST), never from the socket a request came in on. */
  readonly isLoopback: boolean;
  /** The user id an access token speaks for. @throws ConclaveError UNAUTHORIZED */
  readonly verifyAccess: (token: string) => number;
  /** A static bearer token Prometheus scrapes `/metrics` with off loopback (METRICS_TOKEN); empty = none. */
  readonly metricsToken?: string;
}

/** Routes open without a token on any address: health, docs, the dashboard's files, and getting a token. */
const PUBLIC_EXACT = new Set([
  '/health',
  '/openapi.json',
  '/docs',
  '/',
  '/index.html',
  '/favicon.ico',
  '/api/auth/register',
  '/api/auth/login',
  '/api/auth/refresh',
]);
const PUBLIC_PREFIXES = ['/docs/', '/assets/'];

export function isPublicPath(path: string): boolean {
  return PUBLIC_EXACT.has(path) || PUBLIC_PREFIXES.some((p) => path.startsWith(p));
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

/**
 * Installs the onRequest hook that sets `request.userId` (DESIGN.md section 4). A valid bearer token names the
 * user anywhere. Without a token, loopback acts as the local user; any other address answers 401 except on
 * public paths. An invalid token is refused (401) on every non-public path, on loopback too, so a client never
 * silently acts as the wrong user. Must be installed before any route is registered.
 */
export function installAuthGate(app: ApiApp, options: AuthGateOptions): void {
  const gate = async (request: FastifyRequest): Promise<void> => {
    const path = request.url.split('?')[0];
    const open = isPublicPath(path);
    let token: string | null;
    try {
      token = bearerToken(request, path);
      if (token && path === '/metrics' && options.metricsToken && sameSecret(token, options.metricsToken)) {
        request.userId = 0;
        return;
      }
      if (token) {
        request.userId = options.verifyAccess(token);
        return;
      }
    } catch (error) {
      if (open) return;
      throw error;
    }
    if (options.isLoopback) {
      request.userId = LOCAL_USER_ID;
      return;
    }
    if (!open) throw new ConclaveError('UNAUTHORIZED', `${request.method} ${path}: a bearer token is required (POST /api/auth/login)`);
    // Public routes off loopback act for nobody (no user 0 exists), never for the local user.
    request.userId = 0;
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

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isUpgrade(request: FastifyRequest): boolean {
  const upgrade = request.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket';
}
