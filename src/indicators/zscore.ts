import { RollingMoments } from './rolling-moments.js';
import type { NumericSeries, StreamingIndicator } from './types.js';

/**
 * Rolling z-score: (x - mean) / std over the last `period` values including x, population std (ddof 0);
 * 0 when the window is constant. Streaming form, O(1) amortised per update.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export class ZScore implements StreamingIndicator {
  readonly period: number;
  readonly requiredInputs: number;
  private readonly moments: RollingMoments;
  private value: number | null = null;

  constructor(period: number) {
    this.moments = new RollingMoments(period);
    this.period = period;
    this.requiredInputs = period;
  }

  update(value: number): number | null {
    const moments = this.moments;
    moments.push(value);
    if (!moments.isFull) {
      this.value = null;
    } else {
      const std = moments.std();
      this.value = std === 0 ? 0 : (value - moments.mean()) / std;
    }
    return this.value;
  }

  get result(): number | null {
    return this.value;
  }

  get isStable(): boolean {
    return this.value !== null;
  }

  reset(): void {
    this.moments.reset();
    this.value = null;
  }
}

/**
 * Rolling z-score of each value against the last `period` values including itself; NaN for the first
 * `period - 1` entries, 0 where the window is constant. Bit-identical to feeding `ZScore` one value at a time.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export function zscore(values: NumericSeries, period: number): Float64Array {
  const indicator = new ZScore(period);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]) ?? Number.NaN;
  return out;
}
