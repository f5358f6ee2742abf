import type { HighLowClose, NumericSeries, StreamingIndicator } from './types.js';
import { assertPeriod, assertSameLength } from './validate.js';

/** True range of one bar given the previous close: max(high - low, |high - prevClose|, |low - prevClose|). */
function trueRangeAfter(high: number, low: number, previousClose: number): number {
  return Math.max(high - low, Math.abs(high - previousClose), Math.abs(low - previousClose));
}

/**
 * Allocation-free ATR state shared by `ATR` and `atr`, so both run the same arithmetic.
 * `push` returns the new ATR, or NaN during warm-up (check `ready`).
 */
class AtrCore {
  readonly period: number;
  ready = false;
  private hasPrevious = false;
  private previousClose = 0;
  private seen = 0;
  private atr = 0;

  constructor(period: number) {
    assertPeriod('period', period);
    this.period = period;
  }

  push(high: number, low: number, close: number): number {
    const tr = this.hasPrevious ? trueRangeAfter(high, low, this.previousClose) : high - low;
    this.hasPrevious = true;
    this.previousClose = close;
    const period = this.period;
    if (this.seen < period) {
      this.atr += tr;
      this.seen++;
      if (this.seen < period) return Number.NaN;
      this.atr /= period;
      this.ready = true;
    } else {
      this.atr = (this.atr * (period - 1) + tr) / period;
    }
    return this.atr;
  }

  reset(): void {
    this.ready = false;
    this.hasPrevious = false;
    this.previousClose = 0;
    this.seen = 0;
    this.atr = 0;
  }
}

/**
 * Wilder's average true range in price units. The first bar's true range is high - low; the first ATR is the
 * mean of the first `period` true ranges, then atr = (prev * (period - 1) + tr) / period.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export class ATR implements StreamingIndicator<HighLowClose> {
  readonly period: number;
  readonly requiredInputs: number;
  private readonly core: AtrCore;
  private value: number | null = null;

  constructor(period = 14) {
    this.core = new AtrCore(period);
    this.period = period;
    this.requiredInputs = period;
  }

  update(bar: HighLowClose): number | null {
    const atr = this.core.push(bar.high, bar.low, bar.close);
    this.value = this.core.ready ? atr : null;
    return this.value;
  }

  get result(): number | null {
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
 * Wilder's ATR over parallel high/low/close series; NaN for the first `period - 1` entries.
 * Bit-identical to feeding `ATR` one bar at a time.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer and the series have equal lengths.
 */
export function atr(high: NumericSeries, low: NumericSeries, close: NumericSeries, period = 14): Float64Array {
  assertSameLength({ high, low, close });
  const core = new AtrCore(period);
  const out = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) out[i] = core.push(high[i], low[i], close[i]);
  return out;
}

/**
 * True range of each bar: high - low for the first bar, then max(high - low, |high - prevClose|, |low - prevClose|).
 * @throws ConclaveError VALIDATION_ERROR unless the series have equal lengths.
 */
export function trueRange(high: NumericSeries, low: NumericSeries, close: NumericSeries): Float64Array {
  assertSameLength({ high, low, close });
  const out = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) out[i] = i === 0 ? high[i] - low[i] : trueRangeAfter(high[i], low[i], close[i - 1]);
  return out;
}
