import { describe, expect, it } from 'vitest';
import { type RouteErrorFacts, routeErrorCodes, VENUE_ERRORS } from '../../../src/api/route-errors.js';

const facts = (over: Partial<RouteErrorFacts>): RouteErrorFacts => ({
  method: 'GET',
  url: '/x',
  access: 'public',
  validates: false,
  rateLimited: false,
  declared: [],
  examples: {},
  ...over,
});
const codes = (over: Partial<RouteErrorFacts>) => routeErrorCodes(facts(over)).sort();

/** README "HTTP API": the codes a route can answer with besides those it declares. */
describe('routeErrorCodes: what follows from what a route is', () => {
  const anyRoute = ['BAD_REQUEST', 'HEADERS_TOO_LARGE', 'INTERNAL_ERROR', 'REQUEST_TIMEOUT', 'SHUTTING_DOWN'];

  it('every route: 400, 408, 431, 500 and 503 SHUTTING_DOWN', () => {
    expect(codes({})).toEqual(anyRoute);
  });

  it('a signed-in route adds 401 and STORE_UNAVAILABLE; an operator route 403; /metrics only 401', () => {
    for (const access of ['user', 'shared'] as const)
      expect(codes({ access })).toEqual([...anyRoute, 'STORE_UNAVAILABLE', 'UNAUTHORIZED'].sort());
    expect(codes({ access: 'operator' })).toEqual([...anyRoute, 'FORBIDDEN', 'STORE_UNAVAILABLE', 'UNAUTHORIZED'].sort());
    expect(codes({ access: 'metrics' })).toEqual([...anyRoute, 'UNAUTHORIZED'].sort());
  });

  it('a schema adds 422, a body method 413 and 415, a path parameter 404, a rate limit 429', () => {
    expect(codes({ validates: true })).toEqual([...anyRoute, 'VALIDATION_ERROR'].sort());
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
      expect(codes({ method })).toEqual([...anyRoute, 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'].sort());
    expect(codes({ url: '/api/symbols/:id' })).toEqual([...anyRoute, 'NOT_FOUND'].sort());
    expect(codes({ rateLimited: true })).toEqual([...anyRoute, 'TOO_MANY_REQUESTS'].sort());
  });

  it('adds the declared codes once', () => {
    expect(codes({ declared: [...VENUE_ERRORS, 'BAD_REQUEST'] })).toEqual([...new Set([...anyRoute, ...VENUE_ERRORS])].sort());
  });
});
