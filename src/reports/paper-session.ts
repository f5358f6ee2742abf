import type { DecisionRow, EquityRow } from '../backtest/memory-cycle-store.js';
import { computeMetrics } from '../backtest/metrics.js';
import { roundTrips } from '../backtest/trades.js';
import { type Interval, intervalMs } from '../domain/candle.js';
import type { ExecutionReport, Fill } from '../domain/order.js';
import type { CycleOutcome } from '../engine/trading-engine.js';
import { newRunId, type WrittenReport, writeRunReport } from './run-report.js';

interface SessionBook {
  readonly symbols: Set<string>;
  readonly fills: Fill[];
  readonly orders: ExecutionReport[];
  readonly decisions: DecisionRow[];
  readonly equity: EquityRow[];
}

export interface PaperSessionOptions {
  readonly reportsDir: string;
  readonly interval: Interval;
  readonly startingCapital: number;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly versions: Readonly<Record<string, string>>;
}

/**
 * Records a paper-trading session (every saved cycle, per account) and writes it as a run report when the
 * session ends, with the same tables, metrics and summary a backtest writes: the two are read the same way.
 */
export class PaperSessionRecorder {
  private readonly books = new Map<number, SessionBook>();

  constructor(private readonly options: PaperSessionOptions) {}

  /** Pass to `engine.onCycle`. */
  readonly record = (o: CycleOutcome): void => {
    let book = this.books.get(o.userId);
    if (!book) {
      book = { symbols: new Set(), fills: [], orders: [], decisions: [], equity: [] };
      this.books.set(o.userId, book);
    }
    book.symbols.add(o.symbol);
    book.fills.push(...o.fills);
    for (const r of o.reports) if (r.status !== 'SKIPPED') book.orders.push(r);
    book.decisions.push({ cycleId: o.cycleId, time: o.finishedAt, decision: o.decision });
    const exposure = o.portfolio.positions.reduce((sum, p) => sum + Math.abs(p.quantity * p.markPrice), 0);
    book.equity.push({ time: o.finishedAt, equity: o.portfolio.equity, cash: o.portfolio.cash, exposure });
  };

  /** Cycles recorded so far, all accounts. */
  get cycles(): number {
    let n = 0;
    for (const b of this.books.values()) n += b.equity.length;
    return n;
  }

  /** Writes `run_paper-...` for each account that traded this session; nothing when no cycle ran. */
  async finish(now: number): Promise<WrittenReport[]> {
    const written: WrittenReport[] = [];
    for (const [userId, book] of this.books) {
      if (book.equity.length === 0) continue;
      const { interval, startingCapital } = this.options;
      const trades = roundTrips(book.fills, book.equity);
      const metrics = computeMetrics({
        equity: book.equity,
        trades,
        fills: book.fills,
        barMs: intervalMs(interval),
        startingCapital: book.equity[0].equity,
      });
      written.push(
        await writeRunReport(this.options.reportsDir, newRunId(`paper-u${userId}`, now), {
          kind: 'paper',
          title: `Paper session of account ${userId}`,
          parameters: { ...this.options.parameters, starting_capital: startingCapital },
          data: {
            symbols: [...book.symbols],
            interval,
            from: book.equity[0].time,
            to: book.equity[book.equity.length - 1].time,
            candles: book.equity.length,
          },
          versions: this.options.versions,
          metrics,
          trades,
          orders: book.orders,
          decisions: book.decisions,
          equity: book.equity,
        }),
      );
    }
    this.books.clear();
    return written;
  }
}
