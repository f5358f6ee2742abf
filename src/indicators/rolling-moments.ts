import { assertPeriod } from './validate.js';

/**
 * Below this ratio of the centred sum of squares to the largest raw sum of squares since the last resync,
 * more than ~7 of 16 digits have cancelled away; the window is then summed again exactly.
 */
const CANCELLATION_TOLERANCE = 1e-7;

/** Running sums are recomputed from the window at least this often, so rounding never piles up. */
const MIN_RESYNC_INTERVAL = 64;

/**
 * Mean and population variance of the last `period` values in O(1) amortised per value.
 *
 * Keeps shifted running sums S1 = sum(x - K) and S2 = sum((x - K)^2) over a ring buffer. The shift K is a value
 * of the window near its mean, chosen again at every resync, so that sums stay small and a constant window yields
 * exactly S1 = S2 = 0 (zero variance, mean equal to the constant; this needs squares that do not underflow, i.e.
 * deviations above ~1e-154, which prices always satisfy). Sums are recomputed from the buffer every
 * max(period, 64) values and whenever cancellation makes the variance imprecise; a NaN or infinity in the window
 * therefore poisons the result for exactly as long as it stays in the window.
 *
 * Every indicator built on it (SMA, StdDev, ZScore, Bollinger) runs this same code in batch and streaming form,
 * which is what makes the two bit-identical.
 */
export class RollingMoments {
  readonly period: number;
  private readonly window: Float64Array;
  private readonly resyncInterval: number;
  private next = 0;
  private size = 0;
  private shift = 0;
  private s1 = 0;
  private s2 = 0;
  private m2 = 0;
  private peak = 0;
  private sinceResync = 0;

  /** @throws ConclaveError VALIDATION_ERROR unless `period` is a positive integer. */
  constructor(period: number) {
    assertPeriod('period', period);
    this.period = period;
    this.window = new Float64Array(period);
    this.resyncInterval = Math.max(period, MIN_RESYNC_INTERVAL);
  }

  /** True once `period` values have been pushed. */
  get isFull(): boolean {
    return this.size === this.period;
  }

  /** Number of values currently in the window. */
  get count(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === 0) this.shift = value;
    const d = value - this.shift;
    if (this.size < this.period) {
      this.s1 += d;
      this.s2 += d * d;
      this.size++;
    } else {
      const old = this.window[this.next] - this.shift;
      this.s1 += d - old;
      this.s2 += d * d - old * old;
    }
    this.window[this.next] = value;
    this.next = this.next + 1 === this.period ? 0 : this.next + 1;
    if (this.s2 > this.peak) this.peak = this.s2;
    this.sinceResync++;
    if (this.sinceResync >= this.resyncInterval) {
      this.resync(value);
      return;
    }
    this.m2 = this.s2 - (this.s1 * this.s1) / this.size;
    // Negated so that NaN (a non-finite value in the sums) also resyncs.
    if (!(this.m2 >= this.peak * CANCELLATION_TOLERANCE)) this.resync(value);
  }

  /** Mean of the values in the window (NaN when empty). */
  mean(): number {
    return this.shift + this.s1 / this.size;
  }

  /** Population variance (ddof 0) of the values in the window, never negative. */
  variance(): number {
    return this.m2 < 0 ? 0 : this.m2 / this.size;
  }

  /** Population standard deviation (ddof 0) of the values in the window. */
  std(): number {
    return Math.sqrt(this.variance());
  }

  reset(): void {
    this.window.fill(0);
    this.next = 0;
    this.size = 0;
    this.shift = 0;
    this.s1 = 0;
    this.s2 = 0;
    this.m2 = 0;
    this.peak = 0;
    this.sinceResync = 0;
  }

  /**
   * Sums the window again from scratch (slots 0..size-1 hold the window in any state). The new shift is the
   * window value closest to its mean: a constant window then sums to exactly zero, and since (mean - K)^2 <= variance
   * the centred sum keeps at least half of S2, so a resync never triggers the next one by itself.
   */
  private resync(newest: number): void {
    const window = this.window;
    const size = this.size;
    let sum = 0;
    for (let i = 0; i < size; i++) sum += window[i];
    const mean = sum / size;
    let shift = newest;
    let distance = Math.abs(newest - mean);
    for (let i = 0; i < size; i++) {
      const d = Math.abs(window[i] - mean);
      if (d < distance) {
        distance = d;
        shift = window[i];
      }
    }
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < size; i++) {
      const d = window[i] - shift;
      s1 += d;
      s2 += d * d;
    }
    this.shift = shift;
    this.s1 = s1;
    this.s2 = s2;
    this.peak = s2;
    this.m2 = s2 - (s1 * s1) / size;
    this.sinceResync = 0;
  }
}
