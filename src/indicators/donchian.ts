import type { HighLow, NumericSeries, StreamingIndicator } from './types.js';
import { assertPeriod, assertSameLength } from './validate.js';

/** One Donchian reading, in price units. */
export interface DonchianResult {
  /** Highest high of the last `period` bars, current bar included. */
  readonly upper: number;
  /** Lowest low of the last `period` bars, current bar included. */
  readonly lower: number;
  /** (upper + lower) / 2. */
  readonly middle: number;
}

/** Batch Donchian output aligned with the input, NaN for the first `period - 1` entries. */
export interface DonchianSeries {
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  readonly middle: Float64Array;
}

/**
 * Sliding-window extreme in O(1) amortised per value: a monotonic deque of (value, sequence) in ring buffers.
 * `sign` = 1 tracks the maximum, -1 the minimum (values are stored negated).
 */
class MonotonicDeque {
  private readonly values: Float64Array;
  private readonly seqs: Float64Array;
  private readonly capacity: number;
  private readonly sign: number;
  private front = 0;
  private size = 0;

  constructor(capacity: number, sign: 1 | -1) {
    this.capacity = capacity;
    this.sign = sign;
    this.values = new Float64Array(capacity);
    this.seqs = new Float64Array(capacity);
  }

  /** Drops the front entry if it is at or before `oldestKept - 1`. One call per step suffices: sequences are unique. */
  expire(oldestKept: number): void {
    if (this.size > 0 && this.seqs[this.front] < oldestKept) {
      this.front = this.front + 1 === this.capacity ? 0 : this.front + 1;
      this.size--;
    }
  }

  push(raw: number, seq: number): void {
    const value = this.sign * raw;
    const capacity = this.capacity;
    while (this.size > 0) {
      let back = this.front + this.size - 1;
      if (back >= capacity) back -= capacity;
      if (this.values[back] > value) break;
      this.size--;
    }
    let slot = this.front + this.size;
    if (slot >= capacity) slot -= capacity;
    this.values[slot] = value;
    this.seqs[slot] = seq;
    this.size++;
  }

  /** The extreme of the window; only meaningful when at least one value is in it. */
  peek(): number {
    return this.sign * this.values[this.front];
  }

  reset(): void {
    this.front = 0;
    this.size = 0;
  }
}

/** Allocation-free channel state shared by `Donchian` and `donchian`, so both run the same arithmetic. */
class DonchianCore {
  readonly period: number;
  upper = Number.NaN;
  lower = Number.NaN;
  middle = Number.NaN;
  private readonly highs: MonotonicDeque;
  private readonly lows: MonotonicDeque;
  private seq = 0;
  private lastNaN = Number.NEGATIVE_INFINITY;

  constructor(period: number) {
    assertPeriod('period', period);
    this.period = period;
    this.highs = new MonotonicDeque(period, 1);
    this.lows = new MonotonicDeque(period, -1);
  }

  /** Returns true once `period` bars have been seen and the channel is set. */
  push(high: number, low: number): boolean {
    const seq = this.seq++;
    const oldestKept = seq - this.period + 1;
    this.highs.expire(oldestKept);
    this.lows.expire(oldestKept);
    // A NaN would break the deque ordering; it is kept out and instead marks the window as NaN while inside it.
    if (Number.isNaN(high) || Number.isNaN(low)) this.lastNaN = seq;
    if (!Number.isNaN(high)) this.highs.push(high, seq);
    if (!Number.isNaN(low)) this.lows.push(low, seq);
    if (oldestKept < 0) return false;
    if (this.lastNaN >= oldestKept) {
      this.upper = Number.NaN;
      this.lower = Number.NaN;
      this.middle = Number.NaN;
    } else {
      this.upper = this.highs.peek();
      this.lower = this.lows.peek();
      this.middle = (this.upper + this.lower) / 2;
    }
    return true;
  }

  reset(): void {
    this.highs.reset();
    this.lows.reset();
    this.seq = 0;
    this.lastNaN = Number.NEGATIVE_INFINITY;
    this.upper = Number.NaN;
    this.lower = Number.NaN;
    this.middle = Number.NaN;
  }
}

/**
 * Donchian channel: highest high and lowest low of the last `period` bars (current bar included) and their
 * midpoint. Streaming form, O(1) amortised per update.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer.
 */
export class Donchian implements StreamingIndicator<HighLow, DonchianResult> {
  readonly period: number;
  readonly requiredInputs: number;
  private readonly core: DonchianCore;
  private value: DonchianResult | null = null;

  constructor(period: number) {
    this.core = new DonchianCore(period);
    this.period = period;
    this.requiredInputs = period;
  }

  update(bar: HighLow): DonchianResult | null {
    const core = this.core;
    this.value = core.push(bar.high, bar.low) ? { upper: core.upper, lower: core.lower, middle: core.middle } : null;
    return this.value;
  }

  get result(): DonchianResult | null {
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
 * Donchian channel over parallel high/low series. Bit-identical to feeding `Donchian` one bar at a time.
 * @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer and the series have equal lengths.
 */
export function donchian(high: NumericSeries, low: NumericSeries, period: number): DonchianSeries {
  assertSameLength({ high, low });
  const core = new DonchianCore(period);
  const n = high.length;
  const upper = new Float64Array(n).fill(Number.NaN);
  const lower = new Float64Array(n).fill(Number.NaN);
  const middle = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    if (!core.push(high[i], low[i])) continue;
    upper[i] = core.upper;
    lower[i] = core.lower;
    middle[i] = core.middle;
  }
  return { upper, lower, middle };
}
