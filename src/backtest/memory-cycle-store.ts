import type { Decision } from '../domain/decision.js';
import { ConclaveError } from '../domain/errors.js';
import type { ExecutionReport, Fill } from '../domain/order.js';
import type { CycleRecord, CycleStore } from '../engine/ports.js';

/** One decision as a run report lists it. */
export interface DecisionRow {
  readonly cycleId: number;
  readonly time: number;
  readonly decision: Decision;
}

/** One point of the equity curve: the book after a cycle, marked at the cycle's prices. */
export interface EquityRow {
  readonly time: number;
  readonly equity: number;
  readonly cash: number;
  /** Gross value of open positions at the marks (quote currency). */
  readonly exposure: number;
}

/**
 * The CycleStore a backtest injects: the same records the SQL store writes (orders, fills, decisions,
 * equity points), kept in arrays. Nothing is serialised, so a run over 450k candles stays fast, and the live
 * database is never touched. Messages are kept only when asked (they dominate memory).
 */
export class MemoryCycleStore implements CycleStore {
  private lastId = 0;
  private readonly keys = new Set<string>();
  readonly orders: ExecutionReport[] = [];
  readonly fills: Fill[] = [];
  readonly decisions: DecisionRow[] = [];
  readonly equity: EquityRow[] = [];
  readonly records: CycleRecord[] = [];

  constructor(private readonly options: { readonly keepRecords?: boolean } = {}) {}

  async nextCycleId(): Promise<number> {
    return ++this.lastId;
  }

  /** @throws ConclaveError CONFLICT when the idempotency key was used before. */
  async saveCycle(record: CycleRecord): Promise<void> {
    if (record.idempotencyKey !== null) {
      if (this.keys.has(record.idempotencyKey)) {
        throw new ConclaveError('CONFLICT', `cycle with idempotency key ${record.idempotencyKey} already saved`);
      }
      this.keys.add(record.idempotencyKey);
    }
    for (const r of record.reports) if (r.status !== 'SKIPPED') this.orders.push(r);
    for (const f of record.fills) this.fills.push(f);
    if (record.decision) this.decisions.push({ cycleId: record.cycleId, time: record.snapshot.candleTime, decision: record.decision });
    if (record.portfolio) {
      const s = record.portfolio.snapshot;
      let exposure = 0;
      for (const p of s.positions) exposure += Math.abs(p.quantity * p.markPrice);
      this.equity.push({ time: s.time, equity: s.equity, cash: s.cash, exposure });
    }
    if (this.options.keepRecords) this.records.push(record);
  }
}
