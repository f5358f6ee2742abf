import type { Action } from '../domain/action.js';
import type { Decision } from '../domain/decision.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { ExecutionReport, OrderStatus } from '../domain/order.js';

/** The seed contract's `POST /trading/run-cycle` body (seed 000), snake_case as the seed writes it. */
export interface SeedCycleResponse {
  cycle_id: number;
  timestamp: string;
  market_data: {
    symbol: string;
    price: number;
    indicators: { sma_10: number | null; sma_50: number | null; rsi_14: number | null };
    source: string;
  };
  decision: { action: Action; confidence: number; model_version: string; reason: string };
  /** This cycle's decision: filled, denied, skipped, or PENDING until the next candle's open (recorded candles). */
  execution: SeedExecution;
  /** Orders of earlier decisions that settled in this cycle (next-open fills); empty when fills are immediate. */
  settled_orders: SeedExecution[];
  logs: { market_agent: string; decision_agent: string; execution_agent: string };
}

export interface SeedExecution {
  executed: boolean;
  execution_price: number | null;
  order_id: string | null;
  status: OrderStatus;
  time: string;
  reason: string | null;
  quantity: number;
  fee: number;
  /** BUY or SELL (HOLD when nothing was ordered): on a settled order it may differ from this cycle's decision. */
  action: Action;
}

function seedExecution(report: ExecutionReport): SeedExecution {
  return {
    executed: report.executed,
    execution_price: report.executionPrice,
    order_id: report.orderId,
    status: report.status,
    time: iso(report.time),
    reason: report.reason,
    quantity: report.quantity,
    fee: report.fee,
    action: report.action,
  };
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function toSeedResponse(
  cycleId: number,
  startedAt: number,
  snapshot: Omit<MarketSnapshot, 'candles'>,
  decision: Decision,
  report: ExecutionReport,
  settled: readonly ExecutionReport[],
  logs: Readonly<Record<string, string>>,
): SeedCycleResponse {
  return {
    cycle_id: cycleId,
    timestamp: iso(startedAt),
    market_data: {
      symbol: snapshot.symbol,
      price: snapshot.price,
      indicators: { ...snapshot.indicators },
      source: snapshot.source,
    },
    decision: {
      action: decision.action,
      confidence: decision.confidence,
      model_version: decision.modelVersion,
      reason: decision.reason,
    },
    execution: seedExecution(report),
    settled_orders: settled.map(seedExecution),
    logs: {
      market_agent: logs['market-monitor'] ?? '',
      decision_agent: logs['decision-maker'] ?? '',
      execution_agent: logs.execution ?? '',
    },
  };
}
