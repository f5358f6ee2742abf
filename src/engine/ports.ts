import type { Decision } from '../domain/decision.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { AgentMessage } from '../domain/messages.js';
import type { ExecutionReport, Fill, OrderStatus } from '../domain/order.js';
import type { PortfolioSnapshot, Position } from '../domain/portfolio.js';

/** Everything one finished cycle writes, saved in one transaction (all or nothing). */
export interface CycleRecord {
  readonly cycleId: number;
  readonly userId: number;
  readonly symbol: string;
  readonly protocol: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Snapshot without its candles (those are not stored per cycle). */
  readonly snapshot: Omit<MarketSnapshot, 'candles'>;
  readonly decision: Decision | null;
  /** Orders of the cycle (pipeline: exactly one report, HOLD included as SKIPPED). */
  readonly reports: readonly ExecutionReport[];
  /** What this cycle's own decision did: FILLED, REJECTED, SKIPPED, or PENDING until its next-open fill. */
  readonly decisionStatus: OrderStatus;
  /** Fills that moved the book (orders and stop triggers). */
  readonly fills: readonly Fill[];
  readonly messages: readonly AgentMessage[];
  readonly logs: Readonly<Record<string, string>>;
  /** Book after the cycle: positions replace the stored ones, the snapshot becomes an equity point. */
  readonly portfolio: { readonly snapshot: PortfolioSnapshot; readonly positions: readonly Position[] } | null;
  readonly modelVersion: string | null;
  /** The seed JSON returned for this cycle, kept so a cycle can be shown again exactly. */
  readonly response: unknown;
  /** Idempotency key (symbol + candle time) so a retried job never double-fills; null for ad-hoc cycles. */
  readonly idempotencyKey: string | null;
}

/** Persistence the engine needs. Implemented by src/store; a backtest injects an in-memory one. */
export interface CycleStore {
  /** A fresh cycle id, unique across processes sharing the store. Gaps are allowed. */
  nextCycleId(): Promise<number>;
  /** Writes the whole record in one transaction. @throws ConclaveError CONFLICT when the idempotency key exists. */
  saveCycle(record: CycleRecord): Promise<void>;
}
