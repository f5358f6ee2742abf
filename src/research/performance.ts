import type { RoundTrip } from '../backtest/trades.js';
import { ConclaveError } from '../domain/errors.js';
import { returnMoments } from './moments.js';
import type { PerformanceStats } from './types.js';

export const OBJECTIVES = ['sharpe', 'sortino', 'calmar', 'profit-factor'] as const;
export type Objective = (typeof OBJECTIVES)[number];

export function isObjective(x: string): x is Objective {
  return (OBJECTIVES as readonly string[]).includes(x);
}

/**
 * Per-period statistics of `returns` (a window's slice) and the round trips closed in it (PerformanceStats:
 * Sharpe and Sortino per period, not annualised, sample sd; skewness and kurtosis as moments.ts; Calmar = net
 * return over the max drawdown of the compounded returns).
 */
export function performanceStats(returns: Float64Array, trades: readonly RoundTrip[], annualisationFactor: number): PerformanceStats {
  const m = returnMoments(returns);
  let down = 0;
  let equity = 1;
  let peak = 1;
  let maxDd = 0;
  for (const r of returns) {
    if (r < 0) down += r * r;
    equity *= 1 + r;
    if (equity > peak) peak = equity;
    else maxDd = Math.max(maxDd, 1 - equity / peak);
  }
  const downside = m.n > 0 ? Math.sqrt(down / m.n) : 0;
  let win = 0;
  let loss = 0;
  for (const t of trades) {
    if (t.pnl > 0) win += t.pnl;
    else loss -= t.pnl;
  }
  const netReturn = equity - 1;
  return {
    sharpe: m.sd > 0 ? m.mean / m.sd : 0,
    sortino: downside > 0 ? m.mean / downside : 0,
    calmar: maxDd > 0 ? netReturn / maxDd : 0,
    profitFactor: loss > 0 ? win / loss : null,
    trades: trades.length,
    netReturn,
    maxDrawdown: maxDd,
    periods: m.n,
    annualisationFactor,
    skewness: m.skewness,
    kurtosis: m.kurtosis,
  };
}

/**
 * The score a search maximises. profit-factor without a losing trade is treated as 10 with trades (capped, so
 * a single lucky trade does not dominate) and 0 without.
 */
export function objectiveValue(stats: PerformanceStats, objective: Objective): number {
  switch (objective) {
    case 'sharpe':
      return stats.sharpe;
    case 'sortino':
      return stats.sortino;
    case 'calmar':
      return stats.calmar;
    case 'profit-factor':
      return stats.profitFactor === null ? (stats.trades > 0 ? 10 : 0) : Math.min(10, stats.profitFactor);
    default:
      throw new ConclaveError('VALIDATION_ERROR', `unknown objective "${String(objective)}"`, { field: 'objective' });
  }
}

/** Round trips whose exit lies in `[fromTime, toTime)`. */
export function tradesIn(trades: readonly RoundTrip[], fromTime: number, toTime: number): RoundTrip[] {
  return trades.filter((t) => t.exitTime >= fromTime && t.exitTime < toTime);
}
