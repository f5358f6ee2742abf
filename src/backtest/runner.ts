import { AGENTS } from '../agents/base.js';
import { type CurrentBar, ExecutionAgent } from '../agents/execution-agent.js';
import { type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { Fill } from '../domain/order.js';
import { AgentRegistry } from '../engine/agent-registry.js';
import { BookKeeper } from '../engine/book-keeper.js';
import { SimClock } from '../engine/clock.js';
import { type Protocol, TradingEngine } from '../engine/trading-engine.js';
import { PaperBroker, type PaperBrokerConfig } from '../execution/paper-broker.js';
import type { PortfolioConfig } from '../execution/portfolio.js';
import { candleAt } from '../market/csv-candles.js';
import type { MarketDataSource } from '../market/port.js';
import type { ReplaySource } from '../market/replay-source.js';
import type { RiskRule } from '../risk/rules.js';
import type { FixedFractionSizing } from '../risk/sizing.js';
import { findHoles, type HoleReport, holeBreaks, holeReport } from './holes.js';
import { type DecisionRow, type EquityRow, MemoryCycleStore } from './memory-cycle-store.js';
import { type BacktestMetrics, buyAndHold, computeMetrics } from './metrics.js';
import { type RoundTrip, roundTrips } from './trades.js';

/** What a protocol factory may use: the replay as the market, the run's broker, sizing and limits. */
export interface ProtocolKit {
  readonly source: MarketDataSource;
  readonly broker: PaperBroker;
  readonly interval: Interval;
  readonly klineLimit: number;
  readonly sizing: FixedFractionSizing;
  readonly rules: readonly RiskRule[];
  /** Clock time of the cycle being run (for models swapped by time, as in walk-forward). */
  readonly now: () => number;
}

/** Builds the protocol under test; the runner then makes its execution agent fill at the next open. */
export type ProtocolFactory = (kit: ProtocolKit) => Protocol;

export interface BacktestSpec {
  readonly source: ReplaySource;
  /** Symbols traded; each runs one cycle whenever one of its `interval` candles closes. */
  readonly symbols: readonly string[];
  readonly interval: Interval;
  readonly protocol: ProtocolFactory;
  /** Name for reports (`sma-cross`, `ml-classifier`, ...). */
  readonly strategy: string;
  readonly costs: PaperBrokerConfig;
  readonly portfolio: PortfolioConfig;
  readonly sizing: FixedFractionSizing;
  readonly rules?: readonly RiskRule[];
  /** Closed candles each cycle's market monitor reads (the indicators' history). */
  readonly klineLimit: number;
  /** First and last candle close time that runs a cycle (inclusive, epoch ms). Default: the whole replay. */
  readonly from?: number;
  readonly to?: number;
  /** Keep every cycle record (messages included) in the store: for parity tests and cycle inspection. */
  readonly keepRecords?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BacktestResult {
  readonly strategy: string;
  readonly symbols: readonly string[];
  readonly interval: Interval;
  /** Close time of the first and last candle that ran a cycle. */
  readonly from: number;
  readonly to: number;
  readonly candles: number;
  readonly cycles: number;
  readonly metrics: BacktestMetrics;
  readonly benchmark: BacktestMetrics;
  readonly trades: readonly RoundTrip[];
  readonly fills: readonly Fill[];
  readonly orders: MemoryCycleStore['orders'];
  readonly decisions: readonly DecisionRow[];
  /** One point per candle time: the book after that time's cycles. */
  readonly equity: readonly EquityRow[];
  /** Buy-and-hold equity at the same times. */
  readonly benchmarkEquity: readonly EquityRow[];
  /** Orders accepted on the last candle that had no later candle to fill at. */
  readonly unfilledAtEnd: number;
  /** Missing candles inside the traded range (holes.ts: what they change in the metrics). */
  readonly holes: HoleReport;
  readonly store: MemoryCycleStore;
  readonly elapsedMs: number;
}

const PROGRESS_EVERY = 2048;

/**
 * Runs a protocol over recorded candles with the real TradingEngine: a SimClock set to each candle's close,
 * the ReplaySource as the market (nothing after the clock is visible), an in-memory CycleStore, and the
 * execution agent switched to next-open fills (a decision on candle N fills at candle N+1's open). Paper
 * trading runs the very same engine with a live clock, a venue and the SQL store.
 * @throws ConclaveError VALIDATION_ERROR for an empty range or a protocol without an execution agent;
 * any ConclaveError a cycle raises.
 */
export async function runBacktest(spec: BacktestSpec): Promise<BacktestResult> {
  const started = performance.now();
  const { source, interval } = spec;
  const symbols = spec.symbols.map((s) => s.toUpperCase());
  const clock = new SimClock(0);
  const broker = new PaperBroker(spec.costs);
  const store = new MemoryCycleStore({ keepRecords: spec.keepRecords });
  const books = new BookKeeper(spec.portfolio, async () => ({
    cash: spec.portfolio.startingCapital,
    realizedPnl: 0,
    feesPaid: 0,
    positions: [],
  }));
  const kit: ProtocolKit = {
    source,
    broker,
    interval,
    klineLimit: spec.klineLimit,
    sizing: spec.sizing,
    rules: spec.rules ?? [],
    now: () => clock.now(),
  };
  const protocol = withNextOpenFills(spec.protocol(kit), broker, replayBar(source, interval));
  const engine = new TradingEngine({ clock, store, books, protocol, registry: new AgentRegistry() });

  const series = symbols.map((s) => source.visibleColumns(s, interval).cols);
  const from = spec.from ?? Number.NEGATIVE_INFINITY;
  const to = spec.to ?? Number.POSITIVE_INFINITY;
  const total = Math.max(1, source.remaining() + 1);
  const equity: EquityRow[] = [];
  const cursor = series.map((cols) => lowerBoundTime(cols.closeTime, Math.max(from, source.now())));
  let done = 0;
  let cycles = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  for (;;) {
    const now = source.now();
    if (now > to) break;
    if (now >= from) {
      let ran = false;
      for (let k = 0; k < symbols.length; k++) {
        const cols = series[k];
        // Advance this symbol's pointer to the bar closing now, if there is one (series may have gaps).
        while (cursor[k] < cols.length && cols.closeTime[cursor[k]] < now) cursor[k]++;
        if (cursor[k] >= cols.length || cols.closeTime[cursor[k]] !== now) continue;
        if (!ran) clock.set(now);
        await engine.runCycle(symbols[k]);
        cycles++;
        ran = true;
      }
      if (ran) {
        if (Number.isNaN(first)) first = now;
        last = now;
        const point = store.equity[store.equity.length - 1];
        if (equity.length > 0 && equity[equity.length - 1].time === now) equity[equity.length - 1] = point;
        else equity.push(point);
      }
    }
    done++;
    if (spec.onProgress && done % PROGRESS_EVERY === 0) spec.onProgress(done, total);
    if (!source.advance()) break;
  }
  spec.onProgress?.(total, total);
  if (equity.length === 0) {
    throw new ConclaveError('VALIDATION_ERROR', `backtest range has no ${interval} candle of ${symbols.join(', ')} to trade`, {
      from: spec.from,
      to: spec.to,
    });
  }
  const execution = protocol.agents.get(AGENTS.execution) as ExecutionAgent;
  const trades = roundTrips(store.fills, equity);
  const bench = buyAndHold(
    series.map((cols) => ({ cols })),
    equity.map((e) => e.time),
    spec.portfolio.startingCapital,
    broker,
  );
  const barMs = intervalMs(interval);
  const holes = holeReport(symbols.flatMap((symbol, k) => findHoles(symbol, series[k].openTime, barMs, first, last)));
  const breaks = holeBreaks(holes, barMs);
  return {
    strategy: spec.strategy,
    symbols,
    interval,
    from: first,
    to: last,
    candles: done,
    cycles,
    metrics: computeMetrics({ equity, trades, fills: store.fills, barMs, startingCapital: spec.portfolio.startingCapital, breaks }),
    benchmark: computeMetrics({
      equity: bench.equity,
      trades: [],
      fills: [],
      barMs,
      startingCapital: spec.portfolio.startingCapital,
      extraFees: bench.fees,
      breaks,
    }),
    trades,
    fills: store.fills,
    orders: store.orders,
    decisions: store.decisions,
    equity,
    benchmarkEquity: bench.equity,
    unfilledAtEnd: execution.pendingOrders(1).length,
    holes,
    store,
    elapsedMs: performance.now() - started,
  };
}

/**
 * The protocol with its execution agent replaced by a next-open one that also becomes the entry: every cycle
 * first fills the orders of the previous candle at this candle's open, then hands over to the old entry.
 * @throws ConclaveError VALIDATION_ERROR when the protocol has no agent named `execution`.
 */
export function withNextOpenFills(protocol: Protocol, broker: PaperBroker, currentBar: CurrentBar): Protocol {
  if (!protocol.agents.has(AGENTS.execution)) {
    throw new ConclaveError('VALIDATION_ERROR', `protocol ${protocol.name} has no "${AGENTS.execution}" agent to fill orders`);
  }
  const execution = new ExecutionAgent(broker, { fillTiming: 'next-open', currentBar, next: protocol.entry });
  const agents = new Map(protocol.agents);
  agents.set(AGENTS.execution, execution);
  return { name: protocol.name, agents, entry: AGENTS.execution };
}

/** The newest closed candle of a symbol in the replay (what a next-open fill prices at). */
export function replayBar(source: ReplaySource, interval: Interval): CurrentBar {
  return (symbol) => {
    const { cols, visible } = source.visibleColumns(symbol, interval);
    return visible > 0 ? candleAt(cols, visible - 1) : null;
  };
}

function lowerBoundTime(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
