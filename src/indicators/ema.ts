import type { NumericSeries, StreamingIndicator } from './types.js';
import { assertPeriod } from './validate.js';

/**
 * Exponential moving average with alpha = 2 / (period + 1), seeded with the simple mean of the first
 * `period` values (TA-Lib convention); then ema += alpha * (x - ema).
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export class EMA implements StreamingIndicator {
  readonly period: number;
  readonly requiredInputs: number;
  readonly alpha: number;
  private seen = 0;
  private seedSum = 0;
  private ema = 0;
  private value: number | null = null;

  constructor(period: number) {
    assertPeriod('period', period);
    this.period = period;
    this.requiredInputs = period;
    this.alpha = 2 / (period + 1);
  }

  update(value: number): number | null {
    if (this.seen < this.period) {
      this.seedSum += value;
      this.seen++;
      if (this.seen < this.period) return null;
      this.ema = this.seedSum / this.period;
    } else {
      this.ema += this.alpha * (value - this.ema);
    }
    this.value = this.ema;
    return this.ema;
  }

  get result(): number | null {
    return this.value;
  }

  get isStable(): boolean {
    return this.value !== null;
  }

  reset(): void {
    this.seen = 0;
    this.seedSum = 0;
    this.ema = 0;
    this.value = null;
  }
}

/**
 * Exponential moving average of `values` (alpha = 2 / (period + 1), SMA-seeded); NaN for the first
 * `period - 1` entries. Bit-identical to feeding `EMA` one value at a time.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export function ema(values: NumericSeries, period: number): Float64Array {
  const indicator = new EMA(period);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]) ?? Number.NaN;
  return out;
}
