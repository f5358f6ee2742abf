/**
 * The trading model: a random forest over FEATURE_NAMES with its training window, version and honest
 * out-of-sample metrics.
 *
 * Training recipe (trainModel): build the dataset, hold out the last 20% of rows in time order, fit on the
 * first 80%, and measure test accuracy, macro-F1 and the majority-class baseline on the held-out rows.
 * The served model IS that 80% fit; it is not refitted on all rows. So the metrics are out-of-sample figures
 * of the very forest that trades (not of a recipe), and start-up pays for one fit instead of two. The price:
 * the newest 20% of the window (200 bars of 1000) only informs the metrics, not the trees.
 * `trainAccuracy` is the in-sample accuracy on the 80% (compare with testAccuracy to see overfitting).
 */
import { createHash } from 'node:crypto';
import type { Action, ActionProbabilities } from '../domain/action.js';
import { type Candle, type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { TradingCalendar } from '../domain/trading-calendar.js';
import { accuracy, confusionMatrix, macroF1, majorityClass, majorityClassAccuracy } from './evaluation.js';
import { FEATURE_NAMES, type FeatureVector } from './features.js';
import { buildDataset } from './labels.js';
import { predictAction } from './model-inference.js';
import { RandomForest } from './random-forest.js';
import { edgeTest, hasEdge } from './significance.js';

export interface Prediction {
  readonly action: Action;
  /** Probability of the predicted class, 0..1 (not a calibrated or out-of-sample figure). */
  readonly confidence: number;
  readonly probabilities: ActionProbabilities;
  /** Human-readable: the prediction and the features that pushed it most. */
  readonly reason: string;
}

export interface TrainingWindow {
  readonly symbol: string;
  readonly interval: string;
  /** Open time of the first candle used (warm-up included), epoch ms UTC. */
  readonly from: number;
  /** End of the last candle used (its open time + interval, exclusive), epoch ms UTC. */
  readonly to: number;
  /** Dataset rows (candles with complete features and a label). */
  readonly rows: number;
  readonly labelThreshold: number;
}

export interface ModelMetrics {
  readonly trainAccuracy: number;
  /** Accuracy on the held-out last 20% of rows; only meaningful next to majorityBaseline. */
  readonly testAccuracy: number;
  /** Accuracy of always answering the training majority class on the held-out rows. */
  readonly majorityBaseline: number;
  readonly macroF1: number;
  /**
   * Exact one-sided McNemar p-value of "the model is right more often than the majority class" on the
   * held-out rows (significance.ts); the model has a measured edge only when it is below EDGE_ALPHA.
   */
  readonly edgePValue: number;
  /** Held-out rows only the model got right, and rows only the majority-class answer got right. */
  readonly rowsBetterThanBaseline: number;
  readonly rowsWorseThanBaseline: number;
}

export interface TradingModel {
  readonly version: string;
  readonly featureNames: readonly string[];
  readonly trainedOn: TrainingWindow;
  readonly metrics: ModelMetrics;
  predictAction(features: FeatureVector): Prediction;
}

/** Hyperparameters a model was trained with; a saved model is reused only when they match. */
export interface ModelParams {
  readonly trees: number;
  readonly maxDepth: number;
  readonly seed: number;
}

/** Details of the hold-out evaluation behind `metrics`. */
export interface HoldoutEvaluation {
  readonly trainRows: number;
  readonly testRows: number;
  /** Test confusion matrix, `[true][predicted]` in BUY, SELL, HOLD order. */
  readonly confusion: readonly (readonly number[])[];
}

export interface ForestModelMeta {
  readonly version: string;
  readonly trainedOn: TrainingWindow;
  readonly metrics: ModelMetrics;
  readonly params: ModelParams;
  readonly evaluation: HoldoutEvaluation;
}

/** A TradingModel backed by our RandomForest. */
export class ForestModel implements TradingModel {
  readonly version: string;
  readonly featureNames: readonly string[] = FEATURE_NAMES;
  readonly trainedOn: TrainingWindow;
  readonly metrics: ModelMetrics;
  readonly params: ModelParams;
  readonly evaluation: HoldoutEvaluation;
  /** Reused input row of predictAction (single-threaded, never retained). */
  readonly scratchRow = new Float64Array(FEATURE_NAMES.length);

  constructor(
    readonly forest: RandomForest,
    meta: ForestModelMeta,
  ) {
    this.version = meta.version;
    this.trainedOn = meta.trainedOn;
    this.metrics = meta.metrics;
    this.params = meta.params;
    this.evaluation = meta.evaluation;
  }

  /** True when the held-out rows show the model beating the majority class at EDGE_ALPHA (not merely a higher accuracy). */
  get hasMeasuredEdge(): boolean {
    return hasEdge(this.metrics.edgePValue);
  }

  predictAction(features: FeatureVector): Prediction {
    return predictAction(this, features);
  }
}

export interface TrainModelOptions {
  readonly symbol: string;
  readonly interval: Interval;
  /** Label threshold as a fraction (0.001 = 0.1%). */
  readonly labelThreshold: number;
  readonly trees: number;
  readonly maxDepth: number;
  readonly seed: number;
  /** Split candles into segments at missing bars (default true). */
  readonly splitOnGaps?: boolean;
  /** The market's calendar (default CONTINUOUS): on US_EQUITIES nights, weekends and holidays are no missing bars. */
  readonly calendar?: TradingCalendar;
  /** Progress of the fit, one call per tree. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Quantile bins per feature of the trading model's forest. Splits at 256 bin edges instead of between every
 * pair of distinct values let trees grow from histograms (hist-tree-builder.ts), about 2.5 times faster, and
 * measured on the held-out rows of the real 1m features the accuracy is unchanged (README, Model benchmark).
 */
export const MODEL_BINS = 256;

/** Share of the newest rows held out for the out-of-sample metrics. */
export const TEST_FRACTION = 0.2;
/** Fewest dataset rows trainModel accepts (then 20 rows are held out). */
export const MIN_TRAINING_ROWS = 100;
const N_CLASSES = 3;

/**
 * Trains the model as described at the top of this file. Deterministic: same candles and options give the
 * same version string and the same predictions.
 * @throws ConclaveError INSUFFICIENT_DATA when fewer than MIN_TRAINING_ROWS rows have features and labels.
 * @throws ConclaveError VALIDATION_ERROR on bad options, non-increasing candle times, or candles whose spacing
 *   is not the interval.
 */
export function trainModel(candles: readonly Candle[], opts: TrainModelOptions): ForestModel {
  const step = intervalMs(opts.interval);
  let spacing = Number.POSITIVE_INFINITY;
  for (let i = 1; i < candles.length; i++) spacing = Math.min(spacing, candles[i].openTime - candles[i - 1].openTime);
  if (candles.length > 1 && spacing !== step) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `candles for interval ${opts.interval} must be ${step} ms apart; the closest two are ${spacing} ms apart`,
      { interval: opts.interval, spacing },
    );
  }
  const ds = buildDataset(candles, opts.labelThreshold, { intervalMs: step, splitOnGaps: opts.splitOnGaps, calendar: opts.calendar });
  if (ds.rows < MIN_TRAINING_ROWS) {
    throw new ConclaveError(
      'INSUFFICIENT_DATA',
      `training needs at least ${MIN_TRAINING_ROWS} rows with features and labels; ${candles.length} ${opts.interval} candles gave ${ds.rows} (each contiguous segment loses its first 49 bars and its last one)`,
      { candles: candles.length, rows: ds.rows },
    );
  }
  const { X, y, rows, cols } = ds;
  const testRows = Math.max(1, Math.floor(rows * TEST_FRACTION));
  const trainRows = rows - testRows;
  const forestOpts = { nTrees: opts.trees, maxDepth: opts.maxDepth, seed: opts.seed, bins: MODEL_BINS };

  const forest = new RandomForest(forestOpts);
  forest.fit(X.subarray(0, trainRows * cols), trainRows, cols, y.subarray(0, trainRows), N_CLASSES, opts.onProgress);
  const yTrain = y.subarray(0, trainRows);
  const yTest = y.subarray(trainRows);
  const predTrain = forest.predictBatch(X.subarray(0, trainRows * cols), trainRows);
  const predTest = forest.predictBatch(X.subarray(trainRows * cols), testRows);
  const edge = edgeTest(yTest, predTest, majorityClass(yTrain));
  const metrics: ModelMetrics = {
    trainAccuracy: accuracy(yTrain, predTrain),
    testAccuracy: accuracy(yTest, predTest),
    majorityBaseline: majorityClassAccuracy(yTest, yTrain),
    macroF1: macroF1(yTest, predTest, N_CLASSES),
    edgePValue: edge.pValue,
    rowsBetterThanBaseline: edge.better,
    rowsWorseThanBaseline: edge.worse,
  };

  const trainedOn: TrainingWindow = {
    symbol: opts.symbol,
    interval: opts.interval,
    from: candles[0].openTime,
    to: candles[candles.length - 1].openTime + step,
    rows,
    labelThreshold: opts.labelThreshold,
  };
  const params: ModelParams = { trees: opts.trees, maxDepth: opts.maxDepth, seed: opts.seed };
  return new ForestModel(forest, {
    version: modelVersion(trainedOn, params, candles),
    trainedOn,
    metrics,
    params,
    evaluation: { trainRows, testRows, confusion: confusionMatrix(yTest, predTest, N_CLASSES) },
  });
}

/** `YYYYMMDDTHHMM` in UTC. */
function compactUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, '');
}

/**
 * `rf-v1-<symbol>-<interval>-<from>-<to>-<hash>`: names the training window; the hash (8 hex of SHA-256)
 * covers the parameters and the candles' times, closes and volumes, so a different input gives a different
 * version even over the same window.
 */
export function modelVersion(window: TrainingWindow, params: ModelParams, candles: readonly Candle[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ ...params, labelThreshold: window.labelThreshold, features: FEATURE_NAMES, symbol: window.symbol }));
  const data = new Float64Array(candles.length * 3);
  for (let i = 0; i < candles.length; i++) {
    data[i * 3] = candles[i].openTime;
    data[i * 3 + 1] = candles[i].close;
    data[i * 3 + 2] = candles[i].volume;
  }
  hash.update(new Uint8Array(data.buffer));
  const digest = hash.digest('hex').slice(0, 8);
  return `rf-v1-${window.symbol}-${window.interval}-${compactUtc(window.from)}-${compactUtc(window.to)}-${digest}`;
}
