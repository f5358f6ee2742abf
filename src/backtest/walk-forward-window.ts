/**
 * One walk-forward window's research, a pure function of its input so it can run on a worker thread
 * (src/research): train the model on the bars before the window and score it on the window's rows. The model
 * crosses threads as its saved form (RandomForest JSON and the model's metadata), which rebuilds exactly.
 */
import type { Candle, Interval } from '../domain/candle.js';
import { accuracy, macroF1, majorityClass, majorityClassAccuracy } from '../ml/evaluation.js';
import { buildDataset } from '../ml/labels.js';
import { ForestModel, type ForestModelMeta, trainModel } from '../ml/model.js';
import { type ForestJson, RandomForest } from '../ml/random-forest.js';
import { edgeTest, hasEdge } from '../ml/significance.js';

export interface WindowTask {
  readonly symbol: string;
  readonly interval: Interval;
  /** The training bars followed by the test window's bars. */
  readonly candles: readonly Candle[];
  /** How many of `candles` are training bars. */
  readonly trainBars: number;
  readonly labelThreshold: number;
  readonly trees: number;
  readonly maxDepth: number;
  readonly seed: number;
}

export interface WindowScore {
  readonly testRows: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly majorityBaseline: number;
  readonly edgePValue: number;
  readonly beatsBaseline: boolean;
}

export interface WindowOutcome {
  readonly model: { readonly forest: ForestJson; readonly meta: ForestModelMeta };
  readonly score: WindowScore;
}

/** Bars before the test window that give its first rows their features (never a label). */
const FEATURE_CONTEXT = 60;

export function trainWindow(task: WindowTask): WindowOutcome {
  const { candles, trainBars } = task;
  const m = { labelThreshold: task.labelThreshold, trees: task.trees, maxDepth: task.maxDepth, seed: task.seed };
  const train = candles.slice(0, trainBars);
  const model = trainModel(train, { symbol: task.symbol, interval: task.interval, ...m });
  const context = Math.max(0, trainBars - FEATURE_CONTEXT);
  const ds = buildDataset(candles.slice(context), m.labelThreshold);
  const firstTest = trainBars - context;
  let k = 0;
  while (k < ds.rows && ds.candleIndex[k] < firstTest) k++;
  const rows = ds.rows - k;
  const yTest = ds.y.subarray(k);
  const pred = rows > 0 ? model.forest.predictBatch(ds.X.subarray(k * ds.cols), rows) : new Uint8Array(0);
  const yTrain = buildDataset(train, m.labelThreshold).y;
  const edge = edgeTest(yTest, pred, majorityClass(yTrain));
  return {
    model: {
      forest: model.forest.toJSON(),
      meta: {
        version: model.version,
        trainedOn: model.trainedOn,
        metrics: model.metrics,
        params: model.params,
        evaluation: model.evaluation,
      },
    },
    score: {
      testRows: rows,
      accuracy: rows > 0 ? accuracy(yTest, pred) : Number.NaN,
      macroF1: rows > 0 ? macroF1(yTest, pred, 3) : Number.NaN,
      majorityBaseline: rows > 0 ? majorityClassAccuracy(yTest, yTrain) : Number.NaN,
      edgePValue: edge.pValue,
      beatsBaseline: rows > 0 && hasEdge(edge.pValue),
    },
  };
}

/** The model a window's outcome describes, rebuilt in this thread. */
export function windowModel(outcome: WindowOutcome): ForestModel {
  return new ForestModel(RandomForest.fromJSON(outcome.model.forest), outcome.model.meta);
}
