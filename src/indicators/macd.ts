import { ConclaveError } from '../domain/errors.js';
import { EMA } from './ema.js';
import type { NumericSeries, StreamingIndicator } from './types.js';
import { assertPeriod } from './validate.js';

/** One MACD reading, in price units. */
export interface MacdResult {
  /** EMA(fast) - EMA(slow). */
  readonly macd: number;
  /** EMA(signal) of the MACD line, seeded with the mean of its first `signal` values. */
  readonly signal: number;
  /** macd - signal. */
  readonly histogram: number;
}

/** Batch MACD output aligned with the input; `macd` is NaN for the first slow - 1 entries, the others for slow + signal - 2. */
export interface MacdSeries {
  readonly macd: Float64Array;
  readonly signal: Float64Array;
  readonly histogram: Float64Array;
}

const NONE = 0;
const LINE = 1;
const FULL = 2;

/** Allocation-free MACD state shared by `MACD` and `macd`, so both run the same arithmetic. */
class MacdCore {
  readonly fast: EMA;
  readonly slow: EMA;
  readonly signal: EMA;
  macd = Number.NaN;
  signalValue = Number.NaN;
  histogram = Number.NaN;

  constructor(fast: number, slow: number, signal: number) {
    assertPeriod('fast', fast);
    assertPeriod('slow', slow);
    assertPeriod('signal', signal);
    if (fast >= slow) {
      throw new ConclaveError('VALIDATION_ERROR', `MACD fast period must be shorter than slow, got fast=${fast} slow=${slow}`, {
        field: 'fast',
        fast,
        slow,
      });
    }
    this.fast = new EMA(fast);
    this.slow = new EMA(slow);
    this.signal = new EMA(signal);
  }

  /** Returns NONE during warm-up, LINE once the MACD line exists, FULL once signal and histogram exist too. */
  push(value: number): number {
    const fast = this.fast.update(value);
    const slow = this.slow.update(value);
    // fast < slow, so the fast EMA is warm whenever the slow one is.
    if (slow === null || fast === null) return NONE;
    const line = fast - slow;
    this.macd = line;
    const signal = this.signal.update(line);
    if (signal === null) return LINE;
    this.signalValue = signal;
    this.histogram = line - signal;
    return FULL;
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.signal.reset();
    this.macd = Number.NaN;
    this.signalValue = Number.NaN;
    this.histogram = Number.NaN;
  }
}

/**
 * Moving average convergence/divergence: EMA(fast) - EMA(slow), both SMA-seeded on the first values, with a
 * signal line EMA(signal) of the MACD line seeded with the mean of its first `signal` values.
 * `result` appears once the signal line exists, after slow + signal - 1 inputs.
 * @throws ConclaveError VALIDATION_ERROR unless the periods are positive integers and fast < slow.
 */
export class MACD implements StreamingIndicator<number, MacdResult> {
  readonly fast: number;
  readonly slow: number;
  readonly signal: number;
  readonly requiredInputs: number;
  private readonly core: MacdCore;
  private value: MacdResult | null = null;

  constructor(fast = 12, slow = 26, signal = 9) {
    this.core = new MacdCore(fast, slow, signal);
    this.fast = fast;
    this.slow = slow;
    this.signal = signal;
    this.requiredInputs = slow + signal - 1;
  }

  update(value: number): MacdResult | null {
    const core = this.core;
    this.value = core.push(value) === FULL ? { macd: core.macd, signal: core.signalValue, histogram: core.histogram } : null;
    return this.value;
  }

  get result(): MacdResult | null {
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
 * MACD of `values`. Bit-identical to feeding `MACD` one value at a time; the MACD line is also filled during
 * the signal line's warm-up (from index slow - 1).
 * @throws ConclaveError VALIDATION_ERROR unless the periods are positive integers and fast < slow.
 */
export function macd(values: NumericSeries, fast = 12, slow = 26, signal = 9): MacdSeries {
  const core = new MacdCore(fast, slow, signal);
  const n = values.length;
  const line = new Float64Array(n).fill(Number.NaN);
  const signalLine = new Float64Array(n).fill(Number.NaN);
  const histogram = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const state = core.push(values[i]);
    if (state === NONE) continue;
    line[i] = core.macd;
    if (state === LINE) continue;
    signalLine[i] = core.signalValue;
    histogram[i] = core.histogram;
  }
  return { macd: line, signal: signalLine, histogram };
}
