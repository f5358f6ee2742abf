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
  execution: {
    executed: boolean;
    execution_price: number | null;
    order_id: string | null;
    status: OrderStatus;
    time: string;
    reason: string | null;
    quantity: number;
    fee: number;
  };
  logs: { market_agent: string; decision_agent: string; execution_agent: string };
}

export const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function toSeedResponse(
  cycleId: number,
  startedAt: number,
  snapshot: Omit<MarketSnapshot, 'candles'>,
  decision: Decision,
  report: ExecutionReport,
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
    execution: {
      executed: report.executed,
      execution_price: report.executionPrice,
      order_id: report.orderId,
      status: report.status,
      time: iso(report.time),
      reason: report.reason,
      quantity: report.quantity,
      fee: report.fee,
    },
    logs: {
      market_agent: logs['market-monitor'] ?? '',
      decision_agent: logs['decision-maker'] ?? '',
      execution_agent: logs.execution ?? '',
    },
  };
}
