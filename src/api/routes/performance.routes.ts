import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import { type AttributedFill, type PerformanceReport, performanceReport, type TradeStats } from '../../reports/performance.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface PerformanceRouteDeps {
  /** The account's fills, oldest first (at most `limit`). */
  readonly fills: (userId: number, limit: number) => Promise<readonly AttributedFill[]>;
  /** The account's equity curve, oldest first (the newest `limit` points). */
  readonly equity: (userId: number, limit: number) => Promise<ReadonlyArray<{ time: number; equity: number }>>;
  /** One bar of the configured interval (ms): drawdown duration counts in it. */
  readonly barMs: number;
}

/** Fills paired per request; an account past this many is paired over its oldest ones (documented). */
export const MAX_FILLS = 100_000;
const MAX_EQUITY_POINTS = 100_000;

const Stats = {
  trades: z.number().int(),
  wins: z.number().int(),
  losses: z.number().int().describe('Trades that did not make money after fees (a break-even trade is a loss)'),
  win_rate: z.number().nullable().describe('wins / trades; null without trades'),
  profit_factor: z.number().nullable().describe('Gross profit / gross loss of the trades; null without a losing trade'),
  net_pnl: z.number().describe('Quote currency, after fees and slippage'),
  fees: z.number(),
  avg_pnl: z.number().nullable(),
  avg_holding_ms: z.number().nullable(),
  best: z.number().nullable().describe('Net PnL of the best trade'),
  worst: z.number().nullable(),
};

const ClosedTradeOut = z.object({
  symbol: z.string(),
  side: z.enum(['LONG', 'SHORT']),
  entry_time: z.string(),
  exit_time: z.string(),
  entry_price: z.number().describe('Volume-weighted execution price of the opening fills'),
  exit_price: z.number(),
  quantity: z.number().describe('Largest position held during the trade (base units)'),
  fees: z.number(),
  net_pnl: z.number(),
  pnl_pct: z.number().describe('net_pnl / (entry_price x quantity), fraction'),
  holding_ms: z.number(),
  strategy: z.string().describe('Strategy of the decision that opened the trade; "model" when it named none'),
  exit_reason: z.string().describe('STOP_LOSS, TAKE_PROFIT, or SIGNAL (a decision closed it)'),
});

export const PerformanceOut = z
  .object({
    trades: z.array(ClosedTradeOut).describe('Closed round trips, newest exit first (at most `limit`)'),
    summary: z.object({
      ...Stats,
      max_drawdown: z.number().describe('Largest peak-to-trough fall of the equity curve, fraction of the peak'),
      current_drawdown: z.number().describe('Newest equity point below the peak, fraction of the peak'),
    }),
    by_symbol: z.array(z.object({ symbol: z.string(), ...Stats })).describe('Largest net PnL first'),
    by_strategy: z.array(z.object({ strategy: z.string(), ...Stats })).describe('Largest net PnL first'),
    daily: z
      .array(z.object({ day: z.string().describe('UTC day, YYYY-MM-DD'), pnl: z.number(), trades: z.number().int() }))
      .describe('Net PnL of the trades closed each UTC day, oldest first; days without an exit are left out'),
  })
  .meta({
    id: 'Performance',
    example: {
      trades: [
        {
          symbol: 'BTCUSDT',
          side: 'LONG',
          entry_time: '2025-11-28T10:00:00.000Z',
          exit_time: '2025-11-28T14:00:00.000Z',
          entry_price: 91250.5,
          exit_price: 91890,
          quantity: 0.0105,
          fees: 1.92,
          net_pnl: 4.79,
          pnl_pct: 0.005,
          holding_ms: 14_400_000,
          strategy: 'sma-cross',
          exit_reason: 'SIGNAL',
        },
      ],
      summary: {
        trades: 1,
        wins: 1,
        losses: 0,
        win_rate: 1,
        profit_factor: null,
        net_pnl: 4.79,
        fees: 1.92,
        avg_pnl: 4.79,
        avg_holding_ms: 14_400_000,
        best: 4.79,
        worst: 4.79,
        max_drawdown: 0.004,
        current_drawdown: 0,
      },
      by_symbol: [],
      by_strategy: [],
      daily: [{ day: '2025-11-28', pnl: 4.79, trades: 1 }],
    },
  });

const PerformanceQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200).describe('How many closed trades to list, newest first (1..1000)'),
});

/** Your closed trades and what they add up to: the dashboard's trades and performance panel. */
export function registerPerformanceRoutes(app: ApiApp, deps: PerformanceRouteDeps): void {
  app.get(
    '/api/performance',
    {
      config: { access: 'user' },
      schema: {
        tags: ['portfolio'],
        summary: 'Closed trades, win rate, profit factor, drawdown, per symbol, per strategy and per day',
        description:
          'Fills are paired into round trips as backtests pair them (flat to flat per symbol; a fill that flips the position closes one trade and opens the next). ' +
          `Open positions are not trades yet. Statistics cover every trade (the account's oldest ${MAX_FILLS.toLocaleString('en-US')} fills); \`limit\` only bounds the list. ` +
          'Live clients refresh it on the `fill` message of /ws.',
        security: BEARER,
        querystring: PerformanceQuery,
        response: { 200: PerformanceOut, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const userId = userIdOf(request);
      const [fills, equity] = await Promise.all([deps.fills(userId, MAX_FILLS), deps.equity(userId, MAX_EQUITY_POINTS)]);
      return performanceJson(performanceReport(fills, equity, deps.barMs), request.query.limit);
    },
  );
}

function statsJson(s: TradeStats) {
  return {
    trades: s.trades,
    wins: s.wins,
    losses: s.losses,
    win_rate: s.winRate,
    profit_factor: s.profitFactor,
    net_pnl: s.netPnl,
    fees: s.fees,
    avg_pnl: s.avgPnl,
    avg_holding_ms: s.avgHoldingMs,
    best: s.best,
    worst: s.worst,
  };
}

export function performanceJson(r: PerformanceReport, limit: number): z.infer<typeof PerformanceOut> {
  return {
    trades: r.trades.slice(0, limit).map((t) => ({
      symbol: t.symbol,
      side: t.side,
      entry_time: iso(t.entryTime),
      exit_time: iso(t.exitTime),
      entry_price: t.entryPrice,
      exit_price: t.exitPrice,
      quantity: t.quantity,
      fees: t.fees,
      net_pnl: t.pnl,
      pnl_pct: t.pnlPct,
      holding_ms: t.holdingMs,
      strategy: t.strategy,
      exit_reason: t.exitReason,
    })),
    summary: { ...statsJson(r.summary), max_drawdown: r.summary.maxDrawdown, current_drawdown: r.summary.currentDrawdown },
    by_symbol: r.bySymbol.map((s) => ({ symbol: s.symbol, ...statsJson(s) })),
    by_strategy: r.byStrategy.map((s) => ({ strategy: s.strategy, ...statsJson(s) })),
    daily: r.daily.map((d) => ({ day: d.day, pnl: d.pnl, trades: d.trades })),
  };
}
