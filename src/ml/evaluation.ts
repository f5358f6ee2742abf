/**
 * Classification metrics over class-index labels. An accuracy is only meaningful next to the majority-class
 * baseline: on imbalanced labels (mostly HOLD) "always HOLD" already scores high.
 */
import { ConclaveError } from '../domain/errors.js';

export type Labels = Uint8Array | Int8Array | readonly number[];

function assertSameLength(yTrue: Labels, yPred: Labels): void {
  if (yTrue.length !== yPred.length) {
    throw new ConclaveError('VALIDATION_ERROR', `label arrays differ in length: ${yTrue.length} true vs ${yPred.length} predicted`);
  }
}

/** Count of each class in `0..nClasses-1`; negative labels (no label) and out-of-range ones are ignored. */
export function classCounts(y: Labels, nClasses: number): Int32Array {
  const out = new Int32Array(nClasses);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (c >= 0 && c < nClasses) out[c]++;
  }
  return out;
}

/** Share of positions where prediction equals truth, 0..1 (NaN for empty input). */
export function accuracy(yTrue: Labels, yPred: Labels): number {
  assertSameLength(yTrue, yPred);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

/**
 * Confusion matrix: `m[t][p]` = count of samples of true class t predicted as p.
 * @throws ConclaveError VALIDATION_ERROR on different lengths or a label outside 0..nClasses-1.
 */
export function confusionMatrix(yTrue: Labels, yPred: Labels, nClasses: number): number[][] {
  assertSameLength(yTrue, yPred);
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!(t >= 0 && t < nClasses && p >= 0 && p < nClasses)) {
      throw new ConclaveError('VALIDATION_ERROR', `label at ${i} outside 0..${nClasses - 1}: true ${t}, predicted ${p}`);
    }
    m[t][p]++;
  }
  return m;
}

/**
 * Unweighted mean of per-class F1 over the classes that occur in truth or prediction (as scikit-learn's
 * f1_score(average='macro')); a class never predicted correctly scores 0.
 */
export function macroF1(yTrue: Labels, yPred: Labels, nClasses: number): number {
  const m = confusionMatrix(yTrue, yPred, nClasses);
  let sum = 0;
  let present = 0;
  for (let c = 0; c < nClasses; c++) {
    let actual = 0;
    let predicted = 0;
    for (let k = 0; k < nClasses; k++) {
      actual += m[c][k];
      predicted += m[k][c];
    }
    if (actual === 0 && predicted === 0) continue;
    present++;
    sum += (2 * m[c][c]) / (actual + predicted);
  }
  return present === 0 ? Number.NaN : sum / present;
}

/** The most frequent class of `y` (lowest index on ties); 0 for empty labels. */
export function majorityClass(y: Labels): number {
  let nClasses = 0;
  for (let i = 0; i < y.length; i++) nClasses = Math.max(nClasses, y[i] + 1);
  const counts = classCounts(y, nClasses);
  let majority = 0;
  for (let c = 1; c < nClasses; c++) if (counts[c] > counts[majority]) majority = c;
  return majority;
}

/**
 * Accuracy of always answering the majority class. With `yTrain` the class is the training majority (an
 * honest out-of-sample baseline); without it, the most frequent class of `yEval` itself.
 */
export function majorityClassAccuracy(yEval: Labels, yTrain?: Labels): number {
  const majority = majorityClass(yTrain ?? yEval);
  let hits = 0;
  for (let i = 0; i < yEval.length; i++) if (yEval[i] === majority) hits++;
  return hits / yEval.length;
}

/** Index of the largest value (first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
