import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import type { AuditTrail } from '../../services/audit-trail.js';
import type { SymbolService } from '../../services/symbol-service.js';
import type { StoredSymbol } from '../../store/symbol.repository.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { AddSymbolBody, BEARER, IdParams, WatchedSymbol } from '../platform-schemas.js';
import { VENUE_ERRORS } from '../route-errors.js';
import { userIdOf } from '../user.js';

export function symbolJson(s: StoredSymbol): z.infer<typeof WatchedSymbol> {
  return {
    id: s.id,
    symbol: s.symbol,
    venue: s.venue,
    asset_type: s.assetType,
    interval: s.interval,
    active: s.active,
    created_at: iso(s.createdAt),
  };
}

/** What the audit trail keeps of a symbol: what it is and where it trades, not its row id. */
const auditView = (s: z.infer<typeof WatchedSymbol>) => ({
  symbol: s.symbol,
  venue: s.venue,
  asset_type: s.asset_type,
  interval: s.interval,
});

/** The user's watch-list across venues. Another user's symbol answers 404 like one that never existed. */
export function registerSymbolRoutes(app: ApiApp, symbols: SymbolService, audit?: AuditTrail): void {
  const tags = ['symbols'];
  app.get(
    '/api/symbols',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Your symbols, in the order added',
        security: BEARER,
        response: { 200: z.array(WatchedSymbol), 401: ErrorBody },
      },
    },
    async (request) => (await symbols.list(userIdOf(request))).map(symbolJson),
  );

  app.post(
    '/api/symbols',
    {
      config: { access: 'user', errors: [...VENUE_ERRORS, 'CONFLICT'] },
      schema: {
        tags,
        summary: 'Add a symbol: the venue and asset type are detected (BTC -> BTCUSDT on the crypto venue, AAPL -> Yahoo)',
        description:
          'The venue is asked for a snapshot first, so a symbol it does not list answers 404 UNKNOWN_SYMBOL; an unreachable venue 503. 409 when already on your list.',
        security: BEARER,
        body: AddSymbolBody,
        response: { 201: WatchedSymbol, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const userId = userIdOf(request);
      const added = symbolJson((await symbols.add(userId, request.body)).symbol);
      await audit?.record({
        userId,
        scope: 'account',
        action: 'symbol.add',
        target: added.symbol,
        oldValue: null,
        newValue: auditView(added),
      });
      return reply.status(201).send(added);
    },
  );

  app.get(
    '/api/symbols/:id',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags,
        summary: 'One of your symbols',
        security: BEARER,
        params: IdParams,
        response: { 200: WatchedSymbol, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => symbolJson(await symbols.get(userIdOf(request), request.params.id)),
  );

  app.delete(
    '/api/symbols/:id',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags,
        summary: 'Remove one of your symbols (monitoring stops trading it; stored data stay)',
        security: BEARER,
        params: IdParams,
        response: { 204: z.null().describe('Removed'), 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const userId = userIdOf(request);
      const before = symbolJson(await symbols.get(userId, request.params.id));
      await symbols.remove(userId, request.params.id);
      await audit?.record({
        userId,
        scope: 'account',
        action: 'symbol.remove',
        target: before.symbol,
        oldValue: auditView(before),
        newValue: null,
      });
      return reply.status(204).send(null);
    },
  );
}
