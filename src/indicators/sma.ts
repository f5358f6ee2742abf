import { RollingMoments } from './rolling-moments.js';
import type { NumericSeries, StreamingIndicator } from './types.js';

/**
 * Simple moving average: the mean of the last `period` values, including the current one.
 * Streaming form, O(1) amortised per update.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export class SMA implements StreamingIndicator {
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
    this.value = moments.isFull ? moments.mean() : null;
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
 * Simple moving average of `values` over `period` values; NaN for the first `period - 1` entries.
 * Bit-identical to feeding `SMA` one value at a time.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export function sma(values: NumericSeries, period: number): Float64Array {
  const indicator = new SMA(period);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]) ?? Number.NaN;
  return out;
}
