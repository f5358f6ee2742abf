import type { EquityRow } from '../backtest/memory-cycle-store.js';
import { runBacktest } from '../backtest/runner.js';
import { DEFAULT_TRAIN_FRACTION, type LoadedSeries } from '../backtest/service.js';
import type { RoundTrip } from '../backtest/trades.js';
import { type AppConfig, withOverrides } from '../config.js';
import { intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import { columnsToCandles } from '../market/csv-candles.js';
import { type ReplaySeries, ReplaySource } from '../market/replay-source.js';
import { type TradingModel, trainModel } from '../ml/model.js';
import { createStrategy } from '../strategies/registry.js';
import { type ParamSet, STRATEGY_SPACES, splitParams } from '../strategies/search-space.js';
import type { Strategy } from '../strategies/strategy.js';

/** What every trial of a campaign shares: the candles, the base settings, and where trading starts. */
export interface TrialContext {
  readonly series: readonly LoadedSeries[];
  /** The run's settings (config table with the campaign's flags; KLINE_INTERVAL from the data). */
  readonly config: AppConfig;
  /** pipeline: the strategy that decides; null for brain and consensus (they pick their own strategies). */
  readonly strategy: string | null;
  /** Index into the first series of the first bar every trial trades: all trials share one bar range. */
  readonly lead: number;
  /** brain/consensus: the model trained once on the bars before `lead` (MODEL_* settings). */
  readonly model: TradingModel | null;
}

/** One trial's run: per-bar returns over the shared range, their times, and the round trips. */
export interface TrialRun {
  readonly returns: Float64Array;
  readonly times: Float64Array;
  readonly trades: readonly RoundTrip[];
}

/** Thrown from a trial's bar hook to end it early (pruned, cancelled). */
export class TrialStopped extends Error {
  constructor(readonly reason: 'pruned' | 'cancelled') {
    super(reason);
  }
}

/**
 * Prepares a campaign's trials: where trading starts (after the longest warm-up any set of the space can
 * need, or after the model's training span for model-driven runs) and the shared model of brain/consensus.
 * @throws ConclaveError INSUFFICIENT_DATA when too few bars are left to trade.
 */
export function trialContext(series: readonly LoadedSeries[], config: AppConfig, strategy: string | null): TrialContext {
  const first = series[0].cols;
  const modelDriven = strategy === 'ml-classifier' || strategy === null;
  let lead: number;
  if (modelDriven) lead = Math.floor(first.length * DEFAULT_TRAIN_FRACTION);
  else {
    const space = STRATEGY_SPACES[strategy as keyof typeof STRATEGY_SPACES].params;
    const widest: Record<string, number> = {};
    for (const [k, s] of Object.entries(space)) if (s.type !== 'choice') widest[k] = s.max;
    lead = Math.max(config.KLINE_LIMIT, createStrategy(strategy, widest).warmup + 1);
  }
  if (first.length - lead < 100) {
    throw new ConclaveError(
      'INSUFFICIENT_DATA',
      `a campaign needs at least 100 bars to trade after ${lead} bars of warm-up/training; the data has ${first.length}`,
      { candles: first.length, lead },
    );
  }
  const model =
    strategy === null
      ? trainModel(columnsToCandles(first, 0, lead), {
          symbol: series[0].symbol,
          interval: series[0].interval,
          labelThreshold: config.LABEL_THRESHOLD,
          trees: config.MODEL_TREES,
          maxDepth: config.MODEL_MAX_DEPTH,
          seed: config.MODEL_SEED,
        })
      : null;
  return { series, config, strategy, lead, model };
}

/**
 * Runs one parameter set through the kernel paper trading runs (runBacktest: buildKernel with the configured
 * protocol, the governor, sizing, stops), with the set's risk settings applied to the config and its strategy
 * parameters to the pipeline's decider, over bars [lead, end) or the bar times [fromTime, toTime].
 * @throws TrialStopped when `onBar` stops it; ConclaveError for an invalid set.
 */
export async function runTrial(
  ctx: TrialContext,
  params: ParamSet,
  opts: { fromTime?: number; toTime?: number; onBar?: (equity: readonly EquityRow[]) => void } = {},
): Promise<TrialRun> {
  const { strategy: own, settings } = splitParams(params);
  const config = withOverrides(ctx.config, settings);
  let decider: Strategy | undefined;
  let model = ctx.model;
  if (ctx.strategy === 'ml-classifier') {
    const first = ctx.series[0];
    model = trainModel(columnsToCandles(first.cols, 0, ctx.lead), {
      symbol: first.symbol,
      interval: first.interval,
      labelThreshold: own.labelThreshold ?? config.LABEL_THRESHOLD,
      trees: own.trees ?? config.MODEL_TREES,
      maxDepth: own.maxDepth ?? config.MODEL_MAX_DEPTH,
      seed: config.MODEL_SEED,
    });
    const trained = model;
    decider = createStrategy('ml-classifier', { minConfidence: own.minConfidence ?? config.MIN_CONFIDENCE }, { model: () => trained });
  } else if (ctx.strategy !== null) decider = createStrategy(ctx.strategy, own);
  const decideWith = model;
  const first = ctx.series[0].cols;
  const result = await runBacktest({
    source: new ReplaySource({
      series: ctx.series.map((s): ReplaySeries => ({ symbol: s.symbol, interval: s.interval, candles: s.cols })),
      warmupBars: 1,
    }),
    symbols: ctx.series.map((s) => s.symbol),
    config,
    model: () => {
      if (!decideWith) throw new ConclaveError('VALIDATION_ERROR', 'this campaign has no trained model to decide with');
      return decideWith;
    },
    decider,
    strategy: ctx.strategy ?? config.PROTOCOL,
    from: opts.fromTime ?? first.closeTime[ctx.lead],
    to: opts.toTime,
    onBar: opts.onBar,
  });
  const barMs = intervalMs(ctx.series[0].interval);
  return { ...barReturns(result.equity, config.STARTING_CAPITAL, barMs), trades: result.trades };
}

/**
 * Per-bar returns of an equity curve, the first from the starting capital. A return spanning missing candles
 * is 0: the jump across a hole is not a return of the strategy (as the backtest metrics leave it out).
 */
export function barReturns(
  equity: readonly EquityRow[],
  startingCapital: number,
  barMs: number,
): { returns: Float64Array; times: Float64Array } {
  const returns = new Float64Array(equity.length);
  const times = new Float64Array(equity.length);
  let prev = startingCapital;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i].equity;
    times[i] = equity[i].time;
    const gap = i > 0 && equity[i].time - equity[i - 1].time > barMs;
    returns[i] = gap || prev <= 0 ? 0 : e / prev - 1;
    prev = e;
  }
  return { returns, times };
}
