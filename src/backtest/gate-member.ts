/**
 * A gate's portfolio member: one backtest reduced to what the gate reads (its drawdown, trade count and equity
 * curve), a research task so the members run on worker threads beside the candidate (src/research).
 */
import type { EquityRow } from './memory-cycle-store.js';
import { type BacktestRequest, runStrategyBacktest } from './service.js';

/** A backtest request that can cross to a worker thread: no callbacks, no live objects. */
export type PlainBacktestRequest = Omit<BacktestRequest, 'onProgress' | 'enableMap' | 'model'> & { readonly strategy: string };

export interface GateMember {
  readonly strategy: string;
  readonly maxDrawdown: number;
  readonly trades: number;
  readonly equity: readonly EquityRow[];
}

export async function gateMember(req: PlainBacktestRequest): Promise<GateMember> {
  const { result } = await runStrategyBacktest(req);
  return { strategy: result.strategy, maxDrawdown: result.metrics.max_drawdown, trades: result.metrics.n_trades, equity: result.equity };
}
