import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import type { Portfolio } from '../../execution/portfolio.js';
import type { GovernorView } from '../../risk/governor.js';
import type { EquityCurveQuery, EquityPoint } from '../../store/portfolio.repository.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER, TimeParam } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface PortfolioRouteDeps {
  readonly books: { peek(userId: number): Promise<Portfolio> };
  /** Last known price per symbol (the engine's marks). */
  readonly marks: ReadonlyMap<string, number>;
  readonly equityCurve: (userId: number, query: EquityCurveQuery) => Promise<EquityPoint[]>;
  readonly governor: { view(userId: number, equity: number): Promise<GovernorView> };
  readonly now: () => number;
}

const PositionOut = z.object({
  symbol: z.string(),
  quantity: z.number().describe('Base units; positive long (negative short only with ALLOW_SHORT)'),
  avg_price: z.number(),
  mark_price: z.number().describe('Last price seen by a cycle (the average price until one ran)'),
  unrealized_pnl: z.number(),
  market_value: z.number(),
  stop_loss: z.number().nullable(),
  take_profit: z.number().nullable(),
});

export const PortfolioOut = z
  .object({
    cash: z.number(),
    equity: z.number().describe('cash + sum(quantity * mark_price)'),
    realized_pnl: z.number().describe('Gross of fees'),
    unrealized_pnl: z.number(),
    fees_paid: z.number(),
    daily_pnl: z.number().describe('equity - equity at the start of the UTC day (the risk governor baseline)'),
    positions: z.array(PositionOut),
    time: z.string(),
  })
  .meta({ id: 'Portfolio' });

const EquityQuery = z.object({
  from: TimeParam.optional(),
  to: TimeParam.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

export const EquityCurveOut = z
  .object({
    points: z.array(
      z.object({
        time: z.string(),
        cycle_id: z.number().int().nullable(),
        cash: z.number(),
        equity: z.number(),
        realized_pnl: z.number(),
        unrealized_pnl: z.number(),
      }),
    ),
  })
  .meta({ id: 'EquityCurve' });

/** Your paper book marked to the last prices, and its equity curve (one point per cycle). */
export function registerPortfolioRoutes(app: ApiApp, deps: PortfolioRouteDeps): void {
  const tags = ['portfolio'];
  app.get(
    '/api/portfolio',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Cash, equity, PnL and open positions marked to the last prices',
        security: BEARER,
        response: { 200: PortfolioOut, 401: ErrorBody },
      },
    },
    async (request) => {
      const userId = userIdOf(request);
      const book = await deps.books.peek(userId);
      const now = deps.now();
      const snap = book.snapshot(deps.marks, now);
      const risk = await deps.governor.view(userId, snap.equity);
      return {
        cash: snap.cash,
        equity: snap.equity,
        realized_pnl: snap.realizedPnl,
        unrealized_pnl: snap.unrealizedPnl,
        fees_paid: snap.feesPaid,
        daily_pnl: risk.dailyPnl,
        positions: snap.positions.map((p) => ({
          symbol: p.symbol,
          quantity: p.quantity,
          avg_price: p.avgPrice,
          mark_price: p.markPrice,
          unrealized_pnl: p.unrealizedPnl,
          market_value: p.quantity * p.markPrice,
          stop_loss: p.stopLoss ?? null,
          take_profit: p.takeProfit ?? null,
        })),
        time: iso(now),
      };
    },
  );

  app.get(
    '/api/portfolio/equity',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Equity curve: one point per saved cycle, oldest first (the newest `limit` in [from, to])',
        security: BEARER,
        querystring: EquityQuery,
        response: { 200: EquityCurveOut, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const points = await deps.equityCurve(userIdOf(request), { from: q.from, to: q.to, limit: q.limit });
      return {
        points: points.map((p) => ({
          time: iso(p.time),
          cycle_id: p.cycleId,
          cash: p.cash,
          equity: p.equity,
          realized_pnl: p.realizedPnl,
          unrealized_pnl: p.unrealizedPnl,
        })),
      };
    },
  );
}
