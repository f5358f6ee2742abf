import { describe, expect, it } from 'vitest';
import { accuracy, classCounts, confusionMatrix, macroF1, majorityClassAccuracy } from '../../../src/ml/evaluation.js';

// Hand-computed example, classes 0..2:
// true: 0 0 0 1 1 2 2 2 2 2
// pred: 0 1 2 1 1 2 2 2 0 2
const yTrue = Uint8Array.from([0, 0, 0, 1, 1, 2, 2, 2, 2, 2]);
const yPred = Uint8Array.from([0, 1, 2, 1, 1, 2, 2, 2, 0, 2]);

describe('evaluation', () => {
  it('confusion matrix [true][pred]', () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [1, 1, 1],
      [0, 2, 0],
      [1, 0, 4],
    ]);
  });

  it('accuracy = trace / n', () => {
    expect(accuracy(yTrue, yPred)).toBeCloseTo(7 / 10, 15);
  });

  it('macro-F1 = mean of per-class F1', () => {
    // class 0: tp 1, actual 3, predicted 2 -> 2/5; class 1: tp 2, actual 2, predicted 3 -> 4/5;
    // class 2: tp 4, actual 5, predicted 5 -> 8/10.
    expect(macroF1(yTrue, yPred, 3)).toBeCloseTo((0.4 + 0.8 + 0.8) / 3, 15);
  });

  it('macro-F1 ignores classes absent from truth and prediction, scores never-hit classes 0', () => {
    expect(macroF1([2, 2, 2], [2, 2, 2], 3)).toBe(1);
    // class 0 present in truth only: F1 0; class 2: tp 2, actual 2, predicted 3 -> 0.8.
    expect(macroF1([0, 2, 2], [2, 2, 2], 3)).toBeCloseTo(0.4, 15);
  });

  it('majority baseline from the evaluation labels or from training labels', () => {
    expect(majorityClassAccuracy(yTrue)).toBeCloseTo(0.5, 15);
    // Training majority is class 0, which is 3 of 10 evaluation labels.
    expect(majorityClassAccuracy(yTrue, [0, 0, 1])).toBeCloseTo(0.3, 15);
  });

  it('class counts skip missing labels (-1)', () => {
    expect(Array.from(classCounts(Int8Array.from([0, 2, 2, -1, 1, 2]), 3))).toEqual([1, 1, 3]);
  });

  it('rejects mismatched lengths and out-of-range labels', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/differ in length/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/outside 0..2/);
  });
});
