import { AGENTS } from '../agents/base.js';
import type { DecisionModel } from '../agents/decision-maker.js';
import type { ExecutionAgent } from '../agents/execution-agent.js';
import type { AppConfig } from '../config.js';
import { type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { Fill } from '../domain/order.js';
import { SimClock } from '../engine/clock.js';
import { LOCAL_USER_ID } from '../engine/trading-engine.js';
import { buildKernel, kernelSettings, type RunSettings } from '../kernel.js';
import type { ReplaySource } from '../market/replay-source.js';
import type { EnableMapStore } from '../strategies/enable-map-file.js';
import type { Strategy } from '../strategies/strategy.js';
import { findHoles, type HoleReport, holeBreaks, holeReport } from './holes.js';
import { type DecisionRow, type EquityRow, MemoryCycleStore } from './memory-cycle-store.js';
import { MemoryGovernorState } from './memory-governor-state.js';
import { type BacktestMetrics, buyAndHold, computeMetrics } from './metrics.js';
import { type RunEvents, RunEventsCollector } from './run-events.js';
import { type RoundTrip, roundTrips } from './trades.js';

export interface BacktestSpec {
  readonly source: ReplaySource;
  /** Symbols traded; each runs one cycle whenever one of its KLINE_INTERVAL candles closes. */
  readonly symbols: readonly string[];
  /**
   * The settings of the run, read exactly as paper trading reads them: PROTOCOL, KLINE_INTERVAL/LIMIT, every
   * risk and sizing setting, stops, costs, capital (the config table with the run's flags applied).
   */
  readonly config: AppConfig;
  /** The model ml-classifier decisions use at clock time `now` (walk-forward swaps it per window). */
  readonly model: (now: number) => DecisionModel;
  /** pipeline only: decide with this strategy instead of the model. */
  readonly decider?: Strategy;
  /** Enable map of the brain protocol (default: config.ENABLE_MAP_PATH). */
  readonly enableMap?: EnableMapStore;
  /** Name for reports (`sma-cross`, `ml-classifier`, `brain`, ...). */
  readonly strategy: string;
  /** First and last candle close time that runs a cycle (inclusive, epoch ms). Default: the whole replay. */
  readonly from?: number;
  readonly to?: number;
  /** Keep every cycle record (messages included) in the store: for parity tests and cycle inspection. */
  readonly keepRecords?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Called with the equity curve so far after every candle time that ran cycles. It may throw to end the run
   * early (a research trial pruned as hopeless, a cancelled campaign); the error propagates to the caller.
   */
  readonly onBar?: (equity: readonly EquityRow[]) => void;
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
  /** Why orders did not happen, stops hit, halts and regimes: what the summary explains. */
  readonly events: RunEvents;
  /** The settings the kernel traded by (config names, FILL_TIMING included). */
  readonly settings: RunSettings;
  readonly store: MemoryCycleStore;
  readonly elapsedMs: number;
}

/** Progress is reported about a hundred times a run (a short run still shows it moving), never more often than every 64 cycles. */
const progressEvery = (total: number) => Math.max(64, Math.ceil(total / 100));

/**
 * Runs the kernel paper trading runs (buildKernel: the configured protocol, the one risk manager with the
 * governor, sizing, stops and MAX_ENTRIES_PER_POSITION) over recorded candles. Only the adapters differ: a
 * SimClock set to each candle's close, the ReplaySource as the market (nothing after the clock is visible; as
 * a recording it fills at the next open), an in-memory CycleStore and governor state, a fresh book.
 * @throws ConclaveError VALIDATION_ERROR for an empty range; any ConclaveError a cycle raises.
 */
export async function runBacktest(spec: BacktestSpec): Promise<BacktestResult> {
  const started = performance.now();
  const { source, config } = spec;
  const interval = config.KLINE_INTERVAL;
  const symbols = spec.symbols.map((s) => s.toUpperCase());
  const clock = new SimClock(0);
  const store = new MemoryCycleStore({ keepRecords: spec.keepRecords });
  const kernel = buildKernel(config, {
    source,
    recording: source,
    clock,
    model: () => spec.model(clock.now()),
    cycles: store,
    riskState: new MemoryGovernorState(),
    loadBook: async () => ({ cash: config.STARTING_CAPITAL, realizedPnl: 0, feesPaid: 0, positions: [] }),
    enableMap: spec.enableMap,
    decider: spec.decider,
  });
  const { engine, broker } = kernel;
  const events = new RunEventsCollector();
  engine.onCycle(events.record);

  const series = symbols.map((s) => source.visibleColumns(s, interval).cols);
  const from = spec.from ?? Number.NEGATIVE_INFINITY;
  const to = spec.to ?? Number.POSITIVE_INFINITY;
  const total = Math.max(1, source.remaining() + 1);
  const every = progressEvery(total);
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
        spec.onBar?.(equity);
      }
    }
    done++;
    if (spec.onProgress && done % every === 0) spec.onProgress(done, total);
    if (!source.advance()) break;
  }
  spec.onProgress?.(total, total);
  if (equity.length === 0) {
    throw new ConclaveError('VALIDATION_ERROR', `backtest range has no ${interval} candle of ${symbols.join(', ')} to trade`, {
      from: spec.from,
      to: spec.to,
    });
  }
  const execution = kernel.protocol.agents.get(AGENTS.execution) as ExecutionAgent;
  const trades = roundTrips(store.fills, equity);
  const bench = buyAndHold(
    series.map((cols) => ({ cols })),
    equity.map((e) => e.time),
    config.STARTING_CAPITAL,
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
    metrics: computeMetrics({ equity, trades, fills: store.fills, barMs, startingCapital: config.STARTING_CAPITAL, breaks }),
    benchmark: computeMetrics({
      equity: bench.equity,
      trades: [],
      fills: [],
      barMs,
      startingCapital: config.STARTING_CAPITAL,
      extraFees: bench.fees,
      breaks,
    }),
    trades,
    fills: store.fills,
    orders: store.orders,
    decisions: store.decisions,
    equity,
    benchmarkEquity: bench.equity,
    unfilledAtEnd: execution.pendingOrders(LOCAL_USER_ID).length,
    holes,
    events: events.summary(),
    settings: kernelSettings(config, kernel),
    store,
    elapsedMs: performance.now() - started,
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
