/**
 * Is the model better than always answering the majority class? An accuracy a few rows above the baseline
 * is noise on thousands of rows, so "edge" is decided by an exact one-sided McNemar test on the held-out rows
 * where the two disagree about being right: `better` rows the model got right and the baseline wrong, `worse`
 * rows the other way round. Under "no edge" each such row is a fair coin, so `better` ~ Binomial(better + worse,
 * 1/2) and the p-value is P(X >= better). The model has a measured edge only when p < EDGE_ALPHA.
 */
import { ConclaveError } from '../domain/errors.js';
import type { Labels } from './evaluation.js';

/** Significance level of the edge test (one-sided). */
export const EDGE_ALPHA = 0.05;

export interface EdgeTest {
  /** Held-out rows the model got right and the majority-class answer got wrong. */
  readonly better: number;
  /** Held-out rows the majority-class answer got right and the model got wrong. */
  readonly worse: number;
  /** Exact one-sided McNemar p-value, P(Binomial(better + worse, 1/2) >= better); 1 without disagreements. */
  readonly pValue: number;
}

/**
 * Upper tail P(X >= k) of X ~ Binomial(n, 1/2), exact up to floating-point rounding (log-space sum of the
 * probability masses, so it stays accurate for n in the hundreds of thousands).
 * @throws ConclaveError VALIDATION_ERROR unless n and k are integers with n >= 0.
 */
export function binomialUpperTail(n: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(k) || n < 0) {
    throw new ConclaveError('VALIDATION_ERROR', `binomial tail needs integers n >= 0 and k, got n=${n}, k=${k}`);
  }
  if (k <= 0) return 1;
  if (k > n) return 0;
  // Below the median the tail is the complement of the mirrored upper tail (the distribution is symmetric).
  if (2 * k < n) return 1 - binomialUpperTail(n, n - k + 1);
  // log P(X = j) by the recurrence C(n, j+1) = C(n, j) (n - j) / (j + 1), starting from P(X = 0) = 2^-n.
  let logPmf = -n * Math.LN2;
  for (let j = 0; j < k; j++) logPmf += Math.log((n - j) / (j + 1));
  // From the median up the masses only fall, so the sum relative to the first term stays in [1, n + 1].
  let sum = 0;
  let rel = 0;
  for (let j = k; j <= n; j++) {
    sum += Math.exp(rel);
    rel += Math.log((n - j) / (j + 1));
  }
  return Math.min(1, Math.exp(logPmf + Math.log(sum)));
}

/**
 * The exact McNemar test of `yPred` against always answering `majorityClass`, on the same rows.
 * @throws ConclaveError VALIDATION_ERROR when the label arrays differ in length.
 */
export function edgeTest(yTrue: Labels, yPred: Labels, majorityClass: number): EdgeTest {
  if (yTrue.length !== yPred.length) {
    throw new ConclaveError('VALIDATION_ERROR', `label arrays differ in length: ${yTrue.length} true vs ${yPred.length} predicted`);
  }
  let better = 0;
  let worse = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const modelRight = yPred[i] === yTrue[i];
    const baselineRight = majorityClass === yTrue[i];
    if (modelRight && !baselineRight) better++;
    else if (baselineRight && !modelRight) worse++;
  }
  return { better, worse, pValue: binomialUpperTail(better + worse, better) };
}

/** True when the test rejects "no better than the majority class" at EDGE_ALPHA. */
export function hasEdge(pValue: number): boolean {
  return pValue < EDGE_ALPHA;
}
