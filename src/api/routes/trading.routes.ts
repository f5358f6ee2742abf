import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import type { ApiApp } from '../app-types.js';
import type { ApiDeps, TradeView } from '../deps.js';
import { ErrorBody } from '../errors.js';
import { VENUE_ERRORS } from '../route-errors.js';
import { MarketLatest, MarketQuery, SeedCycleResponse, Trade, TradesQuery } from '../schemas.js';
import { userIdOf } from '../user.js';

const errors = { 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody };

/** The seed contract (seed 000): run a cycle, list trades, latest market data. */
export function registerTradingRoutes(app: ApiApp, deps: ApiDeps): void {
  app.post(
    '/trading/run-cycle',
    {
      config: { access: 'user', errors: [...VENUE_ERRORS, 'MARKET_CLOSED', 'AGENT_FAILED', 'QUEUE_UNAVAILABLE'] },
      schema: {
        tags: ['trading'],
        summary: 'Run one trading cycle: market monitor -> decision -> risk -> execution',
        description:
          'Statuses: FILLED (BUY/SELL filled on the paper broker), SKIPPED (HOLD), REJECTED (risk denial; `execution.reason` says why). ' +
          'Venue unreachable -> 503 MARKET_DATA_UNAVAILABLE; unknown symbol -> 404 UNKNOWN_SYMBOL. A failed cycle stores nothing.',
        querystring: MarketQuery,
        response: { 200: SeedCycleResponse, ...errors },
      },
    },
    async (request) => {
      const symbol = deps.market.resolveSymbol(request.query.symbol);
      const outcome = await deps.engine.runCycle(symbol, { userId: userIdOf(request) });
      return outcome.response;
    },
  );

  app.get(
    '/trading/trades',
    {
      config: { access: 'user' },
      schema: {
        tags: ['trading'],
        summary: 'Recent simulated trades, newest first',
        querystring: TradesQuery,
        response: { 200: z.array(Trade), 422: ErrorBody },
      },
    },
    async (request) => (await deps.trades.recent(userIdOf(request), request.query.limit)).map(tradeJson),
  );

  app.get(
    '/trading/market/latest',
    {
      config: { access: 'shared', errors: VENUE_ERRORS },
      schema: {
        tags: ['trading'],
        summary: 'Latest price and indicators for a symbol, and for a stock whether its market is open',
        querystring: MarketQuery,
        response: { 200: MarketLatest, ...errors },
      },
    },
    async (request) => {
      const symbol = deps.market.resolveSymbol(request.query.symbol);
      const [s, session] = await Promise.all([deps.market.snapshot(symbol), deps.market.session(symbol)]);
      return {
        symbol: s.symbol,
        price: s.price,
        indicators: s.indicators,
        source: s.source,
        interval: s.interval,
        candle_time: iso(s.candleTime),
        timestamp: iso(s.observedAt),
        market: session
          ? {
              status: session.open ? ('open' as const) : ('closed' as const),
              session_start: iso(session.start),
              session_end: iso(session.end),
            }
          : null,
      };
    },
  );
}

export function tradeJson(t: TradeView): z.infer<typeof Trade> {
  return {
    id: t.id,
    order_id: t.orderId,
    cycle_id: t.cycleId,
    symbol: t.symbol,
    action: t.action,
    status: t.status,
    quantity: t.quantity,
    price: t.price,
    execution_price: t.executionPrice,
    fee: t.fee,
    timestamp: iso(t.timestamp),
    reason: t.reason,
    model_version: t.modelVersion,
    strategy: t.strategy,
  };
}
