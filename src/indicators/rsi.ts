import type { NumericSeries, StreamingIndicator } from './types.js';
import { assertPeriod } from './validate.js';

/**
 * Wilder's relative strength index in [0, 100]. The first average gain/loss is the plain mean of the first
 * `period` close-to-close changes, then avg = (prev * (period - 1) + x) / period. RSI = 100 when the average
 * loss is 0. Needs `period + 1` closes for its first value.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export class RSI implements StreamingIndicator {
  readonly period: number;
  readonly requiredInputs: number;
  private hasPrevious = false;
  private previous = 0;
  private changes = 0;
  private avgGain = 0;
  private avgLoss = 0;
  private value: number | null = null;

  constructor(period = 14) {
    assertPeriod('period', period);
    this.period = period;
    this.requiredInputs = period + 1;
  }

  update(close: number): number | null {
    if (!this.hasPrevious) {
      this.hasPrevious = true;
      this.previous = close;
      return null;
    }
    const change = close - this.previous;
    this.previous = close;
    // Math.max keeps a NaN change visible instead of counting it as neither gain nor loss.
    const gain = Math.max(change, 0);
    const loss = Math.max(-change, 0);
    const period = this.period;
    if (this.changes < period) {
      // Sums until the seed; the averages are fixed once `period` changes are in.
      this.avgGain += gain;
      this.avgLoss += loss;
      this.changes++;
      if (this.changes < period) return null;
      this.avgGain /= period;
      this.avgLoss /= period;
    } else {
      this.avgGain = (this.avgGain * (period - 1) + gain) / period;
      this.avgLoss = (this.avgLoss * (period - 1) + loss) / period;
    }
    this.value = this.avgLoss === 0 ? 100 : 100 - 100 / (1 + this.avgGain / this.avgLoss);
    return this.value;
  }

  get result(): number | null {
    return this.value;
  }

  get isStable(): boolean {
    return this.value !== null;
  }

  reset(): void {
    this.hasPrevious = false;
    this.previous = 0;
    this.changes = 0;
    this.avgGain = 0;
    this.avgLoss = 0;
    this.value = null;
  }
}

/**
 * Wilder's RSI of `closes`; NaN for the first `period` entries. Bit-identical to feeding `RSI` one close at a time.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export function rsi(closes: NumericSeries, period = 14): Float64Array {
  const indicator = new RSI(period);
  const out = new Float64Array(closes.length);
  for (let i = 0; i < closes.length; i++) out[i] = indicator.update(closes[i]) ?? Number.NaN;
  return out;
}
