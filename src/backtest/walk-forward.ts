import { type AppConfig, withOverrides } from '../config.js';
import type { Candle, Interval } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import { ReplaySource } from '../market/replay-source.js';
import type { ForestModel } from '../ml/model.js';
import { formatP } from '../ml/model-inference.js';
import { EDGE_ALPHA } from '../ml/significance.js';
import { researchThreads, runParallel } from '../research/thread-pool.js';
import { barReturns } from './metrics.js';
import { type BacktestResult, runBacktest } from './runner.js';
import { type WindowTask, windowModel } from './walk-forward-window.js';

export type WalkForwardMode = 'rolling' | 'anchored';

export interface WalkForwardRequest {
  readonly symbol: string;
  readonly interval: Interval;
  /** One symbol's candles, oldest first. */
  readonly candles: readonly Candle[];
  /** Bars each model trains on (rolling) or at least (anchored: from the first bar to the test window). */
  readonly trainBars: number;
  /** Bars traded out of sample with each model before it is retrained. */
  readonly testBars: number;
  readonly mode: WalkForwardMode;
  /** The run's settings (config table with flags applied): risk, sizing, stops, costs, capital, MODEL_*; PROTOCOL must be pipeline. */
  readonly config: AppConfig;
  readonly onProgress?: (done: number, total: number, stage: string) => void;
}

export interface WalkForwardWindow {
  readonly index: number;
  /** Open times: training [trainFrom, trainTo), testing [testFrom, testTo). */
  readonly trainFrom: number;
  readonly trainTo: number;
  readonly testFrom: number;
  readonly testTo: number;
  readonly modelVersion: string;
  readonly trainRows: number;
  /** Out-of-sample classification on the test window's rows, with the majority-class baseline. */
  readonly testRows: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly majorityBaseline: number;
  /** Exact one-sided McNemar p-value of the model against the training majority class on the test rows. */
  readonly edgePValue: number;
  /** The edge test passed (p < EDGE_ALPHA), not merely accuracy above the baseline. */
  readonly beatsBaseline: boolean;
  /** Trading in this window (from the stitched run): equity return and round trips closed in it. */
  readonly return: number;
  readonly trades: number;
}

export interface WalkForwardResult {
  readonly mode: WalkForwardMode;
  readonly windows: readonly WalkForwardWindow[];
  /** The stitched out-of-sample run: one engine run, each window traded by the model trained just before it. */
  readonly oos: BacktestResult;
  readonly summary: {
    readonly windows: number;
    readonly meanAccuracy: number;
    readonly meanMacroF1: number;
    readonly meanMajorityBaseline: number;
    readonly windowsBeatingBaseline: number;
  };
  readonly elapsedMs: number;
}

/**
 * Walk-forward research of the ml-classifier: the candles are cut into consecutive test windows; before each,
 * a model is trained only on bars before it (the last `trainBars`, or all of them when anchored). Each model
 * is scored out of sample on its window (accuracy, macro-F1, majority baseline) and the windows are traded in
 * one continuous engine run that swaps the model at each window start, so positions and equity carry over
 * and the out-of-sample results are stitched by construction.
 * @throws ConclaveError VALIDATION_ERROR when the candles do not fit one training and one test window.
 */
export async function walkForward(req: WalkForwardRequest): Promise<WalkForwardResult> {
  const started = performance.now();
  const { candles, trainBars, testBars } = req;
  if (!(trainBars >= 100 && testBars >= 1) || candles.length < trainBars + testBars) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `walk-forward needs trainBars >= 100, testBars >= 1 and at least trainBars + testBars candles; got ${trainBars} + ${testBars} for ${candles.length} candles`,
      { field: 'trainBars' },
    );
  }
  if (req.config.PROTOCOL !== 'pipeline') {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `walk-forward retrains the pipeline's model; PROTOCOL=${req.config.PROTOCOL} is not supported`,
      {
        field: 'protocol',
      },
    );
  }
  const starts: number[] = [];
  for (let s = trainBars; s < candles.length; s += testBars) starts.push(s);
  // Windows are independent: each trains and scores its own model, on worker threads when RESEARCH_THREADS allows.
  const tasks: WindowTask[] = starts.map((testStart) => {
    const trainStart = req.mode === 'anchored' ? 0 : testStart - trainBars;
    return {
      symbol: req.symbol,
      interval: req.interval,
      candles: candles.slice(trainStart, Math.min(candles.length, testStart + testBars)),
      trainBars: testStart - trainStart,
      labelThreshold: req.config.LABEL_THRESHOLD,
      trees: req.config.MODEL_TREES,
      maxDepth: req.config.MODEL_MAX_DEPTH,
      seed: req.config.MODEL_SEED,
    };
  });
  req.onProgress?.(0, starts.length, 'training');
  const outcomes = await runParallel('walk-forward-window', tasks, researchThreads(req.config.RESEARCH_THREADS), {
    onProgress: (done, total) => req.onProgress?.(done, total, 'training'),
  });
  const models: ForestModel[] = outcomes.map(windowModel);
  const windows: Omit<WalkForwardWindow, 'return' | 'trades'>[] = starts.map((testStart, index) => {
    const trainStart = req.mode === 'anchored' ? 0 : testStart - trainBars;
    const testEnd = Math.min(candles.length, testStart + testBars);
    const { score } = outcomes[index];
    return {
      index,
      trainFrom: candles[trainStart].openTime,
      trainTo: candles[testStart].openTime,
      testFrom: candles[testStart].openTime,
      testTo: testEnd < candles.length ? candles[testEnd].openTime : candles[testEnd - 1].closeTime + 1,
      modelVersion: models[index].version,
      trainRows: models[index].trainedOn.rows,
      ...score,
    };
  });

  // One kernel run; the pipeline's decision maker asks for the model of the window the clock is in.
  const testFrom = windows.map((w) => w.testFrom);
  const modelAt = (t: number) => {
    let i = 0;
    while (i + 1 < testFrom.length && testFrom[i + 1] <= t) i++;
    return models[i];
  };
  const config = withOverrides(req.config, { KLINE_INTERVAL: req.interval });
  const oos = await runBacktest({
    source: new ReplaySource({ series: [{ symbol: req.symbol, interval: req.interval, candles }], warmupBars: 1 }),
    symbols: [req.symbol],
    config,
    model: modelAt,
    strategy: 'ml-classifier (walk-forward)',
    // A decision at a bar's close belongs to the window holding the bar's open time.
    from: candles[trainBars].closeTime,
    onProgress: (d, t) => req.onProgress?.(d, t, 'trading'),
  });

  const returns = barReturns(oos.equity, config.STARTING_CAPITAL);
  const full: WalkForwardWindow[] = windows.map((w) => {
    let growth = 1;
    for (let i = 0; i < oos.equity.length; i++) {
      const t = oos.equity[i].time;
      if (t >= w.testFrom && t < w.testTo) growth *= 1 + returns[i];
    }
    const trades = oos.trades.filter((t) => t.exitTime >= w.testFrom && t.exitTime < w.testTo).length;
    return { ...w, return: growth - 1, trades };
  });
  const scored = full.filter((w) => w.testRows > 0);
  const avg = (f: (w: WalkForwardWindow) => number) => scored.reduce((a, w) => a + f(w), 0) / Math.max(1, scored.length);
  return {
    mode: req.mode,
    windows: full,
    oos,
    summary: {
      windows: full.length,
      meanAccuracy: avg((w) => w.accuracy),
      meanMacroF1: avg((w) => w.macroF1),
      meanMajorityBaseline: avg((w) => w.majorityBaseline),
      windowsBeatingBaseline: scored.filter((w) => w.beatsBaseline).length,
    },
    elapsedMs: performance.now() - started,
  };
}

/** The windows as a Markdown table (CLI output and the run report). */
export function windowsTable(r: WalkForwardResult): string {
  const d = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const p = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  return [
    `## Walk-forward (${r.mode}), ${r.summary.windows} windows; ${r.summary.windowsBeatingBaseline} beat the majority-class baseline (exact McNemar p < ${EDGE_ALPHA})`,
    '',
    '| # | train | test | rows | accuracy | macro-F1 | majority baseline | p-value | beats | return | trades |',
    '|---:|---|---|---:|---:|---:|---:|---:|---|---:|---:|',
    ...r.windows.map(
      (w) =>
        `| ${w.index} | ${d(w.trainFrom)}..${d(w.trainTo)} | ${d(w.testFrom)}..${d(w.testTo)} | ${w.testRows} | ${p(w.accuracy)} | ${p(w.macroF1)} | ${p(w.majorityBaseline)} | ${formatP(w.edgePValue)} | ${w.beatsBaseline ? 'yes' : 'no'} | ${(w.return * 100).toFixed(2)} % | ${w.trades} |`,
    ),
    `| mean | | | | ${p(r.summary.meanAccuracy)} | ${p(r.summary.meanMacroF1)} | ${p(r.summary.meanMajorityBaseline)} | | | | |`,
  ].join('\n');
}
