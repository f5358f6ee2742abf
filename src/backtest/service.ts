import type { AppConfig } from '../config.js';
import { withOverrides } from '../config.js';
import { type Candle, type Interval, intervalMs, isInterval } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import { type CandleColumns, candlesToColumns, columnsToCandles, parseKlineFileName, readCandleColumns } from '../market/csv-candles.js';
import { type ReplaySeries, ReplaySource } from '../market/replay-source.js';
import { type TradingModel, trainModel } from '../ml/model.js';
import type { EnableMapStore } from '../strategies/enable-map-file.js';
import { checkStrategyParams, createStrategy, isStrategyName } from '../strategies/registry.js';
import { type BacktestResult, runBacktest } from './runner.js';

/** One backtest as the CLI and the API describe it. */
export interface BacktestRequest {
  /** Kline CSV files (`SYMBOL_INTERVAL.csv[.gz]`), one per symbol, all of one interval. */
  readonly data?: readonly string[];
  /** Or candles already loaded (from the store), one series per symbol. */
  readonly series?: readonly { symbol: string; interval: Interval; candles: readonly Candle[] }[];
  /**
   * The run's settings: the config table (env, `.env`) with the run's flags applied (withOverrides). PROTOCOL
   * picks pipeline, brain or consensus; every risk, sizing, stop and cost setting applies as in paper trading.
   * KLINE_INTERVAL is taken from the data.
   */
  readonly config: AppConfig;
  /**
   * pipeline only: the strategy that decides. Default ml-classifier: the trained model, as paper trading's
   * pipeline decides. brain and consensus choose their strategies from the enable map and CONSENSUS_VOTERS.
   */
  readonly strategy?: string;
  readonly params?: Readonly<Record<string, number>>;
  /** First and last candle open time to trade (epoch ms, inclusive); default: all data after warm-up. */
  readonly from?: number;
  readonly to?: number;
  /** Enable map of the brain protocol (default: config.ENABLE_MAP_PATH). */
  readonly enableMap?: EnableMapStore;
  /**
   * A model to decide with instead of one trained on the candles before `from` (a parity run against a paper
   * session that loaded the same model file).
   */
  readonly model?: TradingModel;
  /** Keep every cycle record with its messages (parity tests, cycle inspection). */
  readonly keepRecords?: boolean;
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
 * Runs the configured protocol over the request's candles through the kernel paper trading runs (runner.ts).
 * When the run decides with the model (pipeline with ml-classifier, brain, consensus with an ml-classifier
 * voter), a model is first trained with the MODEL_* settings on the first symbol's candles strictly before the
 * traded range (default: the first 30 %), so no test bar is ever seen in training.
 * @throws ConclaveError VALIDATION_ERROR (bad request, unknown strategy, --strategy with brain/consensus),
 * INSUFFICIENT_DATA (too few candles).
 */
export async function runStrategyBacktest(
  request: BacktestRequest,
): Promise<{ result: BacktestResult; model: TradingModel | null; series: LoadedSeries[] }> {
  const series = loadSeries(request);
  const interval = series[0].interval;
  const first = series[0].cols;
  const config = withOverrides(request.config, { KLINE_INTERVAL: interval });
  const protocol = config.PROTOCOL;
  if (protocol !== 'pipeline' && (request.strategy !== undefined || Object.keys(request.params ?? {}).length > 0)) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `--strategy/--param choose the pipeline's decision maker; ${protocol} picks its strategies from ${protocol === 'brain' ? 'the enable map (ENABLE_MAP_PATH)' : 'CONSENSUS_VOTERS'}`,
      { field: 'strategy' },
    );
  }
  const strategyName = request.strategy ?? 'ml-classifier';
  // A parameter the strategy does not have would be ignored silently: refuse it (--param and POST /api/backtests).
  if (protocol === 'pipeline' && strategyName !== 'ml-classifier' && isStrategyName(strategyName)) {
    checkStrategyParams(strategyName, request.params ?? {});
  }
  // Rule strategies decide alone; the model decides in the pipeline's ml-classifier and may in brain/consensus.
  const decider =
    protocol === 'pipeline' && strategyName !== 'ml-classifier' ? createStrategy(strategyName, request.params ?? {}) : undefined;
  if (protocol === 'pipeline' && strategyName === 'ml-classifier' && Object.keys(request.params ?? {}).length > 0) {
    throw new ConclaveError('VALIDATION_ERROR', 'ml-classifier takes MIN_CONFIDENCE from the config (--min-confidence), not --param', {
      field: 'param',
    });
  }
  const usesModel =
    request.model === undefined &&
    (protocol === 'brain' ||
      (protocol === 'pipeline' && !decider) ||
      (protocol === 'consensus' && config.CONSENSUS_VOTERS.split(',').includes('ml-classifier')));
  let from = request.from;
  let model: TradingModel | null = request.model ?? null;
  if (usesModel) {
    if (from === undefined) from = first.openTime[Math.floor(first.length * DEFAULT_TRAIN_FRACTION)];
    const trainEnd = lowerBound(first.openTime, from);
    model = trainModel(columnsToCandles(first, 0, trainEnd), {
      symbol: series[0].symbol,
      interval,
      labelThreshold: config.LABEL_THRESHOLD,
      trees: config.MODEL_TREES,
      maxDepth: config.MODEL_MAX_DEPTH,
      seed: config.MODEL_SEED,
    });
  }
  const decideWith = model;
  const source = new ReplaySource({
    series: series.map((s): ReplaySeries => ({ symbol: s.symbol, interval: s.interval, candles: s.cols })),
    warmupBars: 1,
  });
  const step = intervalMs(interval);
  const warm = Math.max(config.KLINE_LIMIT, (decider?.warmup ?? 0) + 1);
  const result = await runBacktest({
    source,
    symbols: series.map((x) => x.symbol),
    config,
    model: () => {
      if (!decideWith) throw new ConclaveError('VALIDATION_ERROR', 'this run has no trained model to decide with');
      return decideWith;
    },
    decider,
    enableMap: request.enableMap,
    strategy: protocol === 'pipeline' ? strategyName : protocol,
    // Cycles run at candle closes; `from`/`to` name candle open times.
    from: from === undefined ? first.closeTime[Math.min(first.length - 1, warm - 1)] : from + step - 1,
    to: request.to === undefined ? undefined : request.to + step - 1,
    keepRecords: request.keepRecords,
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
