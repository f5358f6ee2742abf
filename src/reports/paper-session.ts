import type { DecisionRow, EquityRow } from '../backtest/memory-cycle-store.js';
import { computeMetrics } from '../backtest/metrics.js';
import { roundTrips } from '../backtest/trades.js';
import { type Interval, intervalMs } from '../domain/candle.js';
import type { ExecutionReport, Fill } from '../domain/order.js';
import type { CycleOutcome } from '../engine/trading-engine.js';
import { newRunId, type WrittenReport, writeRunReport } from './run-report.js';

interface SessionBook {
  readonly symbols: Set<string>;
  fills: Fill[];
  orders: ExecutionReport[];
  decisions: DecisionRow[];
  equity: EquityRow[];
  /** Cycles recorded but no longer held (older than the last SESSION_MAX_CYCLES). */
  dropped: number;
}

/**
 * Cycles of one account a session report holds in memory (its most recent ones). Every cycle costs about 0.6 KB
 * of heap here; unbounded, a server running for weeks grew by that much per cycle (the resident memory that tracked
 * the database's growth). 5,000 is three and a half days of one symbol on 1m, or 50 minutes of 100 symbols.
 */
export const SESSION_MAX_CYCLES = 5_000;
/** Trimming in batches keeps the cost of dropping old rows amortised (one slice per 2,000 cycles). */
const TRIM_SLACK = 2_000;

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

  constructor(
    private readonly options: PaperSessionOptions,
    private readonly maxCycles = SESSION_MAX_CYCLES,
  ) {}

  /** Pass to `engine.onCycle`. */
  readonly record = (o: CycleOutcome): void => {
    let book = this.books.get(o.userId);
    if (!book) {
      book = { symbols: new Set(), fills: [], orders: [], decisions: [], equity: [], dropped: 0 };
      this.books.set(o.userId, book);
    }
    book.symbols.add(o.symbol);
    book.fills.push(...o.fills);
    for (const r of o.reports) if (r.status !== 'SKIPPED') book.orders.push(r);
    book.decisions.push({ cycleId: o.cycleId, time: o.finishedAt, decision: o.decision });
    const exposure = o.portfolio.positions.reduce((sum, p) => sum + Math.abs(p.quantity * p.markPrice), 0);
    book.equity.push({ time: o.finishedAt, equity: o.portfolio.equity, cash: o.portfolio.cash, exposure });
    if (book.equity.length > this.maxCycles + Math.min(TRIM_SLACK, this.maxCycles)) trim(book, this.maxCycles);
  };

  /** Cycles held for the reports (at most SESSION_MAX_CYCLES per account), all accounts. */
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
          parameters: {
            ...this.options.parameters,
            starting_capital: startingCapital,
            // A long session is reported over its most recent cycles; say how many came before.
            ...(book.dropped > 0 ? { earlier_cycles_not_in_report: book.dropped } : {}),
          },
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

/** Keeps the newest `keep` cycles of a book, and the fills and orders from the first kept cycle on. */
function trim(book: SessionBook, keep: number): void {
  const drop = book.equity.length - keep;
  const from = book.equity[drop].time;
  book.equity = book.equity.slice(drop);
  book.decisions = book.decisions.slice(drop);
  book.fills = book.fills.filter((f) => f.time >= from);
  book.orders = book.orders.filter((r) => r.time >= from);
  book.dropped += drop;
}
