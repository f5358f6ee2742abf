import { RollingMoments } from './rolling-moments.js';
import type { NumericSeries, StreamingIndicator } from './types.js';
import { assertNonNegativeFinite } from './validate.js';

/** One Bollinger reading, in price units. */
export interface BollingerResult {
  readonly middle: number;
  readonly upper: number;
  readonly lower: number;
}

/** Batch Bollinger output: three series aligned with the input, NaN during warm-up. */
export interface BollingerSeries {
  readonly middle: Float64Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
}

/** Allocation-free band state shared by `Bollinger` and `bollinger`, so both run the same arithmetic. */
class BollingerCore {
  readonly moments: RollingMoments;
  readonly k: number;
  middle = Number.NaN;
  upper = Number.NaN;
  lower = Number.NaN;

  constructor(period: number, k: number) {
    this.moments = new RollingMoments(period);
    assertNonNegativeFinite('k', k);
    this.k = k;
  }

  /** Returns true once the window is full and the bands are set. */
  push(value: number): boolean {
    const moments = this.moments;
    moments.push(value);
    if (!moments.isFull) return false;
    const middle = moments.mean();
    const width = this.k * moments.std();
    this.middle = middle;
    this.upper = middle + width;
    this.lower = middle - width;
    return true;
  }

  reset(): void {
    this.moments.reset();
    this.middle = Number.NaN;
    this.upper = Number.NaN;
    this.lower = Number.NaN;
  }
}

/**
 * Bollinger bands: middle = SMA(period), upper/lower = middle +/- k x population standard deviation (ddof 0)
 * of the last `period` values. Streaming form, O(1) amortised per update.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer and `k` a finite number >= 0.
 */
export class Bollinger implements StreamingIndicator<number, BollingerResult> {
  readonly period: number;
  readonly k: number;
  readonly requiredInputs: number;
  private readonly core: BollingerCore;
  private value: BollingerResult | null = null;

  constructor(period = 20, k = 2) {
    this.core = new BollingerCore(period, k);
    this.period = period;
    this.k = k;
    this.requiredInputs = period;
  }

  update(value: number): BollingerResult | null {
    const core = this.core;
    this.value = core.push(value) ? { middle: core.middle, upper: core.upper, lower: core.lower } : null;
    return this.value;
  }

  get result(): BollingerResult | null {
    return this.value;
  }

  get isStable(): boolean {
    return this.value !== null;
  }

  reset(): void {
    this.core.reset();
    this.value = null;
  }
}

/**
 * Bollinger bands of `values`; each series NaN for the first `period - 1` entries.
 * Bit-identical to feeding `Bollinger` one value at a time; the middle band equals `sma(values, period)` exactly.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer and `k` a finite number >= 0.
 */
export function bollinger(values: NumericSeries, period = 20, k = 2): BollingerSeries {
  const core = new BollingerCore(period, k);
  const n = values.length;
  const middle = new Float64Array(n).fill(Number.NaN);
  const upper = new Float64Array(n).fill(Number.NaN);
  const lower = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    if (!core.push(values[i])) continue;
    middle[i] = core.middle;
    upper[i] = core.upper;
    lower[i] = core.lower;
  }
  return { middle, upper, lower };
}
