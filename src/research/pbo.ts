/**
 * Probability of backtest overfitting by combinatorially symmetric cross-validation (CSCV; Bailey, Borwein,
 * López de Prado and Zhu, "The Probability of Backtest Overfitting", J. Computational Finance 20(4), 2017;
 * SSRN 2326253, 2015).
 *
 * The T x N matrix of per-period returns (N trials) is cut into S equal blocks of consecutive periods. For every
 * way of choosing S/2 blocks as the in-sample set J (the other S/2 are the out-of-sample set J̄, periods kept in
 * time order), the trial with the best in-sample metric is selected and its out-of-sample metric ranked among
 * all trials: ω = rank / (N + 1), logit λ = ln(ω / (1 − ω)). PBO is the share of combinations with λ <= 0, i.e.
 * where the in-sample winner landed at or below the out-of-sample median.
 *
 * Rules fixed here: the T mod S oldest periods are left out so every block has the same length; an in-sample tie
 * selects the lowest trial index; out-of-sample ties share their average rank.
 */
import { ConclaveError } from '../domain/errors.js';

/** Built-in metrics are computed from per-block sums (fast); a function gets each set's returns in time order. */
export type PboMetric = 'sharpe' | 'sortino' | 'mean' | ((returns: Float64Array) => number);

export interface PboResult {
  /** Share of combinations whose in-sample winner ranked at or below the out-of-sample median. */
  readonly pbo: number;
  /** One logit λ per combination, in the lexicographic order of the in-sample block sets. */
  readonly logits: Float64Array;
  /** Number of combinations, C(S, S/2). */
  readonly combinations: number;
  /** Share of combinations in which the in-sample winner's out-of-sample metric was below zero. */
  readonly probabilityOfLoss: number;
  /** Periods per block; the T mod S oldest periods were left out. */
  readonly blockSize: number;
}

export const DEFAULT_PBO_PARTITIONS = 16;
/** C(20, 10) = 184,756 combinations is where CSCV stops being a few-seconds computation. */
export const MAX_PBO_PARTITIONS = 20;

/**
 * @param matrix one Float64Array of per-period returns per trial, all the same length T.
 * @param partitions S, even, 2..20.
 * @throws ConclaveError VALIDATION_ERROR on fewer than two trials, ragged or non-finite returns or a bad S;
 *   INSUFFICIENT_DATA when a block would hold fewer than two periods.
 */
export function probabilityOfBacktestOverfitting(
  matrix: readonly Float64Array[],
  partitions: number = DEFAULT_PBO_PARTITIONS,
  metric: PboMetric = 'sharpe',
): PboResult {
  const n = matrix.length;
  if (n < 2) throw new ConclaveError('VALIDATION_ERROR', `PBO compares trials: it needs at least 2, got ${n}`);
  if (!Number.isInteger(partitions) || partitions < 2 || partitions % 2 !== 0 || partitions > MAX_PBO_PARTITIONS) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `PBO partitions must be an even whole number from 2 to ${MAX_PBO_PARTITIONS}, got ${partitions}`,
    );
  }
  const t = matrix[0]!.length;
  for (let j = 0; j < n; j++) {
    const col = matrix[j]!;
    if (col.length !== t) {
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `every trial needs the same number of returns: trial 0 has ${t}, trial ${j} has ${col.length}`,
      );
    }
    for (let i = 0; i < t; i++) {
      if (!Number.isFinite(col[i]!)) throw new ConclaveError('VALIDATION_ERROR', `trial ${j} has a non-finite return at period ${i}`);
    }
  }
  const blockSize = Math.floor(t / partitions);
  if (blockSize < 2) {
    throw new ConclaveError('INSUFFICIENT_DATA', `PBO with ${partitions} partitions needs at least ${2 * partitions} periods, got ${t}`, {
      periods: t,
      partitions,
    });
  }
  const offset = t - blockSize * partitions;
  const evaluate =
    typeof metric === 'function'
      ? byFunction(matrix, offset, blockSize, metric)
      : byBlockSums(matrix, offset, blockSize, partitions, metric);

  const half = partitions / 2;
  const chosen = Array.from({ length: half }, (_, i) => i);
  const inSample = new Float64Array(n);
  const outOfSample = new Float64Array(n);
  const logits: number[] = [];
  let overfit = 0;
  let losses = 0;
  for (;;) {
    const inMask = new Uint8Array(partitions);
    for (const b of chosen) inMask[b] = 1;
    evaluate(inMask, inSample, outOfSample);
    let best = 0;
    for (let j = 1; j < n; j++) if (inSample[j]! > inSample[best]!) best = j;
    const target = outOfSample[best]!;
    let below = 0;
    let equal = 0;
    for (let j = 0; j < n; j++) {
      if (outOfSample[j]! < target) below++;
      else if (outOfSample[j]! === target) equal++;
    }
    const rank = below + (equal + 1) / 2;
    const omega = rank / (n + 1);
    const logit = Math.log(omega / (1 - omega));
    logits.push(logit);
    if (logit <= 0) overfit++;
    if (target < 0) losses++;
    if (!nextCombination(chosen, partitions)) break;
  }
  return {
    pbo: overfit / logits.length,
    logits: Float64Array.from(logits),
    combinations: logits.length,
    probabilityOfLoss: losses / logits.length,
    blockSize,
  };
}

type Evaluate = (inMask: Uint8Array, inSample: Float64Array, outOfSample: Float64Array) => void;

/** Advances `c` (sorted block indices) to the next combination in lexicographic order; false after the last. */
function nextCombination(c: number[], s: number): boolean {
  const k = c.length;
  let i = k - 1;
  while (i >= 0 && c[i] === s - k + i) i--;
  if (i < 0) return false;
  c[i]!++;
  for (let j = i + 1; j < k; j++) c[j] = c[j - 1]! + 1;
  return true;
}

function byFunction(matrix: readonly Float64Array[], offset: number, blockSize: number, metric: (r: Float64Array) => number): Evaluate {
  const partitions = (matrix[0]!.length - offset) / blockSize;
  const half = (partitions / 2) * blockSize;
  const a = new Float64Array(half);
  const b = new Float64Array(half);
  return (inMask, inSample, outOfSample) => {
    for (let j = 0; j < matrix.length; j++) {
      const col = matrix[j]!;
      let ai = 0;
      let bi = 0;
      for (let p = 0; p < partitions; p++) {
        const block = col.subarray(offset + p * blockSize, offset + (p + 1) * blockSize);
        if (inMask[p]) {
          a.set(block, ai);
          ai += blockSize;
        } else {
          b.set(block, bi);
          bi += blockSize;
        }
      }
      inSample[j] = metric(a);
      outOfSample[j] = metric(b);
    }
  };
}

/** Sums per (trial, block) of r, r² and min(r, 0)², so a combination's metric costs S additions, not T. */
function byBlockSums(
  matrix: readonly Float64Array[],
  offset: number,
  blockSize: number,
  partitions: number,
  metric: 'sharpe' | 'sortino' | 'mean',
): Evaluate {
  const n = matrix.length;
  const sums = new Float64Array(n * partitions);
  const squares = new Float64Array(n * partitions);
  const downs = new Float64Array(n * partitions);
  for (let j = 0; j < n; j++) {
    const col = matrix[j]!;
    for (let p = 0; p < partitions; p++) {
      let s = 0;
      let q = 0;
      let d = 0;
      for (let i = offset + p * blockSize; i < offset + (p + 1) * blockSize; i++) {
        const r = col[i]!;
        s += r;
        q += r * r;
        if (r < 0) d += r * r;
      }
      sums[j * partitions + p] = s;
      squares[j * partitions + p] = q;
      downs[j * partitions + p] = d;
    }
  }
  const count = (partitions / 2) * blockSize;
  const value = (s: number, q: number, d: number): number => {
    const mean = s / count;
    if (metric === 'mean') return mean;
    if (metric === 'sortino') return d > 0 ? mean / Math.sqrt(d / count) : 0;
    const variance = (q - s * mean) / (count - 1);
    // A constant series leaves rounding dust here, not a variance: treat it as flat, as sharpeOf does.
    return variance > 1e-12 * (q / count) ? mean / Math.sqrt(variance) : 0;
  };
  return (inMask, inSample, outOfSample) => {
    for (let j = 0; j < n; j++) {
      let si = 0;
      let qi = 0;
      let di = 0;
      let so = 0;
      let qo = 0;
      let do_ = 0;
      const base = j * partitions;
      for (let p = 0; p < partitions; p++) {
        if (inMask[p]) {
          si += sums[base + p]!;
          qi += squares[base + p]!;
          di += downs[base + p]!;
        } else {
          so += sums[base + p]!;
          qo += squares[base + p]!;
          do_ += downs[base + p]!;
        }
      }
      inSample[j] = value(si, qi, di);
      outOfSample[j] = value(so, qo, do_);
    }
  };
}
