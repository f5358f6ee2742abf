import { z } from 'zod';
import { INTERVALS, type Interval } from '../../domain/candle.js';
import type { MarketDataSource } from '../../market/port.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER, CandleOut, candleJson, SymbolInput } from '../platform-schemas.js';
import { VENUE_ERRORS } from '../route-errors.js';

export interface CandleRouteDeps {
  readonly source: Pick<MarketDataSource, 'venue' | 'getRecentKlines'>;
  /** Normalises user input (`btc` -> `BTCUSDT`); undefined gives the default symbol. @throws ConclaveError UNKNOWN_SYMBOL */
  readonly resolveSymbol: (input: string | undefined) => string;
  readonly defaultInterval: Interval;
}

const CandlesQuery = z.object({
  symbol: SymbolInput.optional(),
  interval: z.enum(INTERVALS).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(300),
});

const CandlesOut = z
  .object({
    symbol: z.string(),
    venue: z.string(),
    interval: z.enum(INTERVALS),
    candles: z.array(CandleOut),
  })
  .meta({ id: 'RecentCandles' });

/**
 * The newest candles of a symbol straight from the runtime's market source (what the dashboard charts). Unlike
 * /api/market-data it needs no earlier refresh, and it stores nothing.
 */
export function registerCandleRoutes(app: ApiApp, deps: CandleRouteDeps): void {
  app.get(
    '/api/candles',
    {
      config: { access: 'shared', errors: VENUE_ERRORS },
      schema: {
        tags: ['market-data'],
        summary: 'The newest candles of a symbol from the market source (oldest first; the last may still be forming)',
        security: BEARER,
        querystring: CandlesQuery,
        response: { 200: CandlesOut, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const symbol = deps.resolveSymbol(request.query.symbol);
      const interval = request.query.interval ?? deps.defaultInterval;
      const candles = await deps.source.getRecentKlines(symbol, interval, request.query.limit);
      return { symbol, venue: deps.source.venue, interval, candles: candles.map(candleJson) };
    },
  );
}
