import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import { type GovernorView, RISK_STATES } from '../../risk/governor.js';
import type { AuditTrail } from '../../services/audit-trail.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface RiskRouteDeps {
  readonly governor: {
    view(userId: number, equity: number): Promise<GovernorView>;
    halt(userId: number, equity: number, note: string): Promise<GovernorView>;
    resume(userId: number, equity: number): Promise<GovernorView>;
  };
  /** The account's equity at the last prices. */
  readonly equity: (userId: number) => Promise<number>;
  /** Halts and resumes are written down here (who, when, state before and after). */
  readonly audit?: AuditTrail;
}

const stateOf = (v: GovernorView) => ({ state: v.state, reason_code: v.reasonCode, reason: v.reason });

export const RiskOut = z
  .object({
    state: z.enum(RISK_STATES),
    reason_code: z.string().nullable().describe('MAX_DAILY_LOSS, MAX_DRAWDOWN, MANUAL_HALT, RISK_REDUCING; null when ACTIVE'),
    reason: z.string().nullable(),
    halted_at: z.string().nullable(),
    day: z.string().describe('UTC day of the daily-loss baseline'),
    day_start_equity: z.number(),
    peak_equity: z.number(),
    equity: z.number(),
    daily_pnl: z.number(),
    daily_loss: z.number().describe("Today's loss as a fraction of the day start equity (0 when up)"),
    drawdown: z.number().describe('Fall from the peak equity, fraction'),
    limits: z.object({
      max_daily_loss: z.number(),
      max_drawdown: z.number(),
      reduce_at: z.number(),
      max_exposure: z.number(),
      max_position_per_symbol: z.number(),
      max_orders_per_minute: z.number(),
    }),
  })
  .meta({ id: 'RiskState' });

const HaltBody = z.object({ reason: z.string().trim().max(500).optional() }).meta({ id: 'HaltRequest' });

export function riskJson(v: GovernorView): z.infer<typeof RiskOut> {
  return {
    state: v.state,
    reason_code: v.reasonCode,
    reason: v.reason,
    halted_at: v.haltedAt === null ? null : iso(v.haltedAt),
    day: v.day,
    day_start_equity: v.dayStartEquity,
    peak_equity: v.peakEquity,
    equity: v.equity,
    daily_pnl: v.dailyPnl,
    daily_loss: v.dailyLoss,
    drawdown: v.drawdown,
    limits: {
      max_daily_loss: v.limits.maxDailyLoss,
      max_drawdown: v.limits.maxDrawdown,
      reduce_at: v.limits.reduceAt,
      max_exposure: v.limits.maxExposure,
      max_position_per_symbol: v.limits.maxPositionPerSymbol,
      max_orders_per_minute: v.limits.maxOrdersPerMinute,
    },
  };
}

/** The risk governor of your account: limits, state, today's loss; operator halt and resume. */
export function registerRiskRoutes(app: ApiApp, deps: RiskRouteDeps): void {
  const tags = ['risk'];
  app.get(
    '/api/risk',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: "Risk limits, governor state (ACTIVE / REDUCING / HALTED) and today's loss",
        security: BEARER,
        response: { 200: RiskOut, 401: ErrorBody },
      },
    },
    async (request) => {
      const userId = userIdOf(request);
      return riskJson(await deps.governor.view(userId, await deps.equity(userId)));
    },
  );
  app.post(
    '/api/risk/halt',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Halt trading: every order is REJECTED with MANUAL_HALT until resumed (stops still close positions)',
        security: BEARER,
        body: HaltBody.nullish(),
        response: { 200: RiskOut, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const userId = userIdOf(request);
      const equity = await deps.equity(userId);
      const before = await deps.governor.view(userId, equity);
      const after = await deps.governor.halt(userId, equity, request.body?.reason ?? 'halted by an operator');
      await deps.audit?.record({
        userId,
        scope: 'account',
        action: 'risk.halt',
        target: 'account',
        oldValue: stateOf(before),
        newValue: stateOf(after),
      });
      return riskJson(after);
    },
  );
  app.post(
    '/api/risk/resume',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Resume trading: ACTIVE, with the daily-loss baseline and the drawdown peak re-based at the current equity',
        security: BEARER,
        response: { 200: RiskOut, 401: ErrorBody },
      },
    },
    async (request) => {
      const userId = userIdOf(request);
      const equity = await deps.equity(userId);
      const before = await deps.governor.view(userId, equity);
      const after = await deps.governor.resume(userId, equity);
      await deps.audit?.record({
        userId,
        scope: 'account',
        action: 'risk.resume',
        target: 'account',
        oldValue: stateOf(before),
        newValue: stateOf(after),
      });
      return riskJson(after);
    },
  );
}
