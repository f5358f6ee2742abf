import { type Candle, type Interval, intervalMs, isInterval } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import { type CandleColumns, candlesToColumns, columnsToCandles, parseKlineFileName, readCandleColumns } from '../market/csv-candles.js';
import { type ReplaySeries, ReplaySource } from '../market/replay-source.js';
import { type ForestModel, trainModel } from '../ml/model.js';
import { createStrategy } from '../strategies/registry.js';
import { type BacktestResult, runBacktest } from './runner.js';
import { strategyPipeline } from './strategy-protocol.js';

/** Costs, capital and sizing of a run (defaults come from the app config). */
export interface RunSettings {
  readonly feeBps: number;
  readonly slippageBps: number;
  readonly startingCapital: number;
  readonly orderFraction: number;
  readonly quantityStep: number;
  readonly allowShort: boolean;
}

export interface ModelSettings {
  readonly trees: number;
  readonly maxDepth: number;
  readonly seed: number;
  readonly labelThreshold: number;
}

/** One backtest as the CLI and the API describe it. */
export interface BacktestRequest {
  /** Kline CSV files (`SYMBOL_INTERVAL.csv[.gz]`), one per symbol, all of one interval. */
  readonly data?: readonly string[];
  /** Or candles already loaded (from the store), one series per symbol. */
  readonly series?: readonly { symbol: string; interval: Interval; candles: readonly Candle[] }[];
  readonly strategy: string;
  readonly params?: Readonly<Record<string, number>>;
  /** First and last candle open time to trade (epoch ms, inclusive); default: all data after warm-up. */
  readonly from?: number;
  readonly to?: number;
  readonly settings: RunSettings;
  /** ml-classifier only: trained on the first symbol's candles before `from` (default: the first 30 % of the data). */
  readonly model?: ModelSettings;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface LoadedSeries {
  readonly symbol: string;
  readonly interval: Interval;
  readonly cols: CandleColumns;
}

/** Share of the first series an ml-classifier run trains on when no `from` is given. */
export const DEFAULT_TRAIN_FRACTION = 0.3;

/**
 * Reads the request's candles: CSV files named SYMBOL_INTERVAL or series handed in.
 * @throws ConclaveError VALIDATION_ERROR for unreadable files, names without symbol/interval, mixed intervals.
 */
export function loadSeries(request: Pick<BacktestRequest, 'data' | 'series'>): LoadedSeries[] {
  const out: LoadedSeries[] = [];
  for (const path of request.data ?? []) {
    const named = parseKlineFileName(path);
    if (!named || !isInterval(named.interval)) {
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `data file ${path}: name it SYMBOL_INTERVAL.csv (e.g. BTCUSDT_1h.csv) so symbol and interval are known`,
        {
          field: 'data',
        },
      );
    }
    out.push({ symbol: named.symbol, interval: named.interval, cols: readCandleColumns(path) });
  }
  for (const s of request.series ?? []) {
    out.push({ symbol: s.symbol.toUpperCase(), interval: s.interval, cols: candlesToColumns(s.candles) });
  }
  if (out.length === 0)
    throw new ConclaveError('VALIDATION_ERROR', 'backtest needs candles: --data <csv> or a stored series', { field: 'data' });
  const intervals = new Set(out.map((s) => s.interval));
  if (intervals.size > 1) {
    throw new ConclaveError('VALIDATION_ERROR', `all series must share one interval, got ${[...intervals].join(', ')}`, { field: 'data' });
  }
  return out;
}

/**
 * Runs one strategy over the request's candles through the real engine (runner.ts). For ml-classifier a
 * model is first trained on candles strictly before the traded range, so no test bar is ever seen in
 * training.
 * @throws ConclaveError VALIDATION_ERROR (bad request, unknown strategy), INSUFFICIENT_DATA (too few candles).
 */
export async function runStrategyBacktest(
  request: BacktestRequest,
): Promise<{ result: BacktestResult; model: ForestModel | null; series: LoadedSeries[] }> {
  const series = loadSeries(request);
  const interval = series[0].interval;
  const first = series[0].cols;
  let from = request.from;
  let model: ForestModel | null = null;
  if (request.strategy === 'ml-classifier') {
    if (from === undefined) from = first.openTime[Math.floor(first.length * DEFAULT_TRAIN_FRACTION)];
    const trainEnd = lowerBound(first.openTime, from);
    const m = request.model ?? { trees: 50, maxDepth: 8, seed: 42, labelThreshold: 0.001 };
    model = trainModel(columnsToCandles(first, 0, trainEnd), {
      symbol: series[0].symbol,
      interval,
      labelThreshold: m.labelThreshold,
      trees: m.trees,
      maxDepth: m.maxDepth,
      seed: m.seed,
    });
  }
  const trained = model;
  const strategy = createStrategy(request.strategy, request.params ?? {}, trained ? { model: () => trained } : {});
  const klineLimit = Math.max(60, strategy.warmup + 1);
  const source = new ReplaySource({
    series: series.map((s): ReplaySeries => ({ symbol: s.symbol, interval: s.interval, candles: s.cols })),
    warmupBars: 1,
  });
  const step = intervalMs(interval);
  const s = request.settings;
  const result = await runBacktest({
    source,
    symbols: series.map((x) => x.symbol),
    interval,
    strategy: request.strategy,
    protocol: strategyPipeline(strategy),
    costs: { feeBps: s.feeBps, slippageBps: s.slippageBps },
    portfolio: { startingCapital: s.startingCapital, allowShort: s.allowShort },
    sizing: { fraction: s.orderFraction, quantityStep: s.quantityStep, allowShort: s.allowShort },
    klineLimit,
    // Cycles run at candle closes; `from`/`to` name candle open times.
    from: from === undefined ? first.closeTime[Math.min(first.length - 1, klineLimit - 1)] : from + step - 1,
    to: request.to === undefined ? undefined : request.to + step - 1,
    onProgress: request.onProgress,
  });
  return { result, model, series };
}

export function lowerBound(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
