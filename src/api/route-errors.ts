import type { ErrorCode } from '../domain/errors.js';
import type { Access } from './access.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The error codes the route's own handler and the services it calls can answer with (UNKNOWN_SYMBOL,
     * NOT_FOUND, MARKET_DATA_UNAVAILABLE...). Codes every route of its kind can answer (auth, validation,
     * body parsing, rate limit, shutdown) are derived by routeErrorCodes and need not be listed.
     */
    errors?: readonly ErrorCode[];
    /** The answer of a code this route words its own way (POST /api/auth/login's 401), for its documented example. */
    errorExamples?: Partial<Readonly<Record<ErrorCode, OwnExample>>>;
  }
}

/** A route's own wording of an error: its message, and its details when they differ from the catalogue's. */
export interface OwnExample {
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What the venue behind a symbol can answer with: every route that reads a venue lists these. */
export const VENUE_ERRORS: readonly ErrorCode[] = [
  'UNKNOWN_SYMBOL',
  'INSUFFICIENT_DATA',
  'MARKET_DATA_INVALID',
  'MARKET_DATA_UNAVAILABLE',
  'RATE_LIMITED',
  'VENUE_BANNED',
];

/** Whatever the route: a malformed request line or header block, a slow client, shutdown, an unexpected bug. */
const ANY_ROUTE: readonly ErrorCode[] = ['BAD_REQUEST', 'REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE', 'SHUTTING_DOWN', 'INTERNAL_ERROR'];

/** Fastify parses a body on these methods whether or not the route declares one. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The facts of one route that decide which errors it can answer with. */
export interface RouteErrorFacts {
  readonly method: string;
  readonly url: string;
  readonly access: Access | null;
  readonly validates: boolean;
  readonly rateLimited: boolean;
  readonly declared: readonly ErrorCode[];
  readonly examples: Partial<Readonly<Record<ErrorCode, OwnExample>>>;
}

interface RouteLike {
  readonly method: string | readonly string[];
  readonly url: string;
  readonly schema?: unknown;
  readonly config?: unknown;
}

/** The facts of one method of a registered route (its options as Fastify holds them). */
export function routeErrorFacts(route: RouteLike, method: string): RouteErrorFacts {
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const config = (route.config ?? {}) as {
    access?: Access;
    errors?: readonly ErrorCode[];
    errorExamples?: Partial<Record<ErrorCode, OwnExample>>;
    rateLimit?: unknown;
  };
  return {
    method: method.toUpperCase(),
    url: route.url,
    access: config.access ?? null,
    validates: ['body', 'querystring', 'params', 'headers'].some((k) => schema[k] !== undefined),
    rateLimited: config.rateLimit !== undefined && config.rateLimit !== false,
    declared: config.errors ?? [],
    examples: config.errorExamples ?? {},
  };
}

/**
 * Every code a route can answer with: the ones it declares, and the ones that follow from what it is. A
 * signed-in route checks the token against the user table (401, and 503 when the store is down); an operator
 * route refuses other users (403); a route with a schema refuses bad input (422); a method with a body refuses
 * bad JSON, too large or non-JSON bodies (400, 413, 415); a path parameter too long for the router is 404; a
 * rate-limited route answers 429.
 */
export function routeErrorCodes(facts: RouteErrorFacts): ErrorCode[] {
  const codes = new Set<ErrorCode>(ANY_ROUTE);
  if (facts.access === 'metrics') codes.add('UNAUTHORIZED');
  if (facts.access === 'user' || facts.access === 'shared' || facts.access === 'operator') {
    codes.add('UNAUTHORIZED');
    codes.add('STORE_UNAVAILABLE');
  }
  if (facts.access === 'operator') codes.add('FORBIDDEN');
  if (facts.validates) codes.add('VALIDATION_ERROR');
  if (BODY_METHODS.has(facts.method)) {
    codes.add('PAYLOAD_TOO_LARGE');
    codes.add('UNSUPPORTED_MEDIA_TYPE');
  }
  // A path parameter longer than the router takes (100 characters) matches no route.
  if (facts.url.includes(':')) codes.add('NOT_FOUND');
  if (facts.rateLimited) codes.add('TOO_MANY_REQUESTS');
  for (const code of facts.declared) codes.add(code);
  return [...codes];
}
