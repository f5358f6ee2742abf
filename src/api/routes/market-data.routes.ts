import type { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import type { MarketDataService } from '../../services/market-data-service.js';
import type { StoredSnapshot } from '../../store/market-snapshot.repository.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import {
  BEARER,
  candleJson,
  LatestItem,
  MarketDataQuery,
  MarketHistory,
  RefreshBodySchema,
  RefreshItem,
  type Snapshot,
} from '../platform-schemas.js';
import { userIdOf } from '../user.js';
import { symbolJson } from './symbols.routes.js';

const DAY_MS = 86_400_000;

export function snapshotJson(s: StoredSnapshot): z.infer<typeof Snapshot> {
  return {
    id: s.id,
    cycle_id: s.cycleId,
    symbol: s.symbol,
    price: s.price,
    source: s.source,
    interval: s.interval,
    indicators: s.indicators,
    candle_time: iso(s.candleTime),
    observed_at: iso(s.observedAt),
  };
}

/** Stored market history, the latest snapshot of each of your symbols, and refreshes from the venues. */
export function registerMarketDataRoutes(app: ApiApp, market: MarketDataService, now: () => number): void {
  const tags = ['market-data'];
  app.get(
    '/api/market-data',
    {
      config: { access: 'user', errors: ['UNKNOWN_SYMBOL'] },
      schema: {
        tags,
        summary: 'Your stored snapshots (from your cycles, refreshes and advice) and the venue candles of a symbol in a time range',
        security: BEARER,
        querystring: MarketDataQuery,
        response: { 200: MarketHistory, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const to = request.query.to ?? now();
      const from = request.query.from ?? to - DAY_MS;
      const h = await market.history(userIdOf(request), request.query.symbol, from, to, request.query.limit);
      return {
        symbol: h.symbol,
        venue: h.venue,
        interval: h.interval,
        from: iso(h.from),
        to: iso(h.to),
        snapshots: h.snapshots.map(snapshotJson),
        candles: h.candles.map(candleJson),
      };
    },
  );

  app.get(
    '/api/market-data/latest',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'The newest stored snapshot of each of your symbols',
        security: BEARER,
        response: { 200: LatestItem.array(), 401: ErrorBody },
      },
    },
    async (request) =>
      (await market.latest(userIdOf(request))).map((x) => ({
        symbol: symbolJson(x.symbol),
        snapshot: x.snapshot ? snapshotJson(x.snapshot) : null,
      })),
  );

  app.post(
    '/api/market-data/refresh',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Fetch a fresh snapshot (and closed candles) of your symbols from their venues and store it',
        description:
          'One result per symbol; a venue failing for one symbol is reported in its result (`ok: false`) and does not fail the others.',
        security: BEARER,
        body: RefreshBodySchema.optional(),
        response: { 200: RefreshItem.array(), 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) =>
      (await market.refresh(userIdOf(request), request.body?.symbols)).map((r) =>
        r.ok
          ? { symbol: r.symbol, ok: true, snapshot: snapshotJson(r.snapshot), candles_stored: r.candlesStored }
          : { symbol: r.symbol, ok: false, error: r.error },
      ),
  );
}
