import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bollinger, donchian, rsi, sma, stddev, zscore } from '../../../src/indicators/index.js';
import { btcHourly } from './reference-data.js';

/**
 * Invariants against independent, naive computations (a fresh two-pass sum over each window), on real data and
 * on random series built to stress the running sums: segments of very different magnitudes and flat stretches.
 */

interface WindowStats {
  readonly mean: number;
  readonly variance: number;
  readonly maxAbs: number;
}

function naiveWindow(values: ArrayLike<number>, end: number, period: number): WindowStats {
  let sum = 0;
  let maxAbs = 0;
  for (let j = end - period + 1; j <= end; j++) {
    sum += values[j];
    maxAbs = Math.max(maxAbs, Math.abs(values[j]));
  }
  const mean = sum / period;
  let squares = 0;
  for (let j = end - period + 1; j <= end; j++) squares += (values[j] - mean) ** 2;
  return { mean, variance: squares / period, maxAbs };
}

/** First index where sma/stddev/zscore leave the naive values' tolerance, or null. */
function firstDeviation(values: Float64Array, period: number): string | null {
  const means = sma(values, period);
  const stds = stddev(values, period);
  const scores = zscore(values, period);
  for (let i = period - 1; i < values.length; i++) {
    const w = naiveWindow(values, i, period);
    const variance = stds[i] * stds[i];
    // Both sides carry rounding of order eps * maxAbs^2 in the variance; beyond that we ask for 7 digits.
    const varianceSlack = 1e-7 * w.variance + 1e-12 * w.maxAbs * w.maxAbs;
    if (Math.abs(means[i] - w.mean) > 1e-12 * w.maxAbs + 1e-9 * Math.sqrt(w.variance)) return `i=${i}: mean ${means[i]} vs ${w.mean}`;
    if (Math.abs(variance - w.variance) > varianceSlack) return `i=${i}: variance ${variance} vs ${w.variance}`;
    if (w.variance > 1e-6 * w.maxAbs * w.maxAbs) {
      const expected = (values[i] - w.mean) / Math.sqrt(w.variance);
      if (Math.abs(scores[i] - expected) > 1e-6 * (1 + Math.abs(expected))) return `i=${i}: zscore ${scores[i]} vs ${expected}`;
    }
  }
  return null;
}

/**
 * Doubles without subnormal-scale noise: squares of values below ~1e-154 underflow, which the indicators document
 * as outside their exactness guarantees; prices never get there.
 */
const double = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => (Math.abs(x) < 1e-12 ? 0 : x));
const magnitude = fc.constantFrom(1e-3, 1, 1e3, 1e6, 1e9);
const segment = fc.oneof(
  fc.tuple(magnitude, fc.array(double(-1, 1), { minLength: 1, maxLength: 80 })).map(([m, xs]) => xs.map((x) => x * m)),
  fc.tuple(double(-1e9, 1e9), fc.integer({ min: 1, max: 80 })).map(([c, n]) => new Array<number>(n).fill(c)),
  fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 80 }),
);
const series = fc.array(segment, { minLength: 1, maxLength: 8 }).map((parts) => Float64Array.from(parts.flat()));
const period = fc.integer({ min: 1, max: 50 });

describe('rolling mean / standard deviation / z-score', () => {
  const close = btcHourly().close;

  it('track a naive two-pass computation over all real BTCUSDT 1h closes (no drift over 72k values)', () => {
    for (const p of [2, 10, 20, 50, 200]) expect(firstDeviation(close, p)).toBeNull();
  });

  it('track a naive two-pass computation on series mixing magnitudes from 1e-3 to 1e9', () => {
    fc.assert(
      fc.property(series, period, (values, p) => {
        expect(firstDeviation(values, p)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('a flat window gives exactly the constant as mean, 0 as std and z-score, whatever came before', () => {
    fc.assert(
      fc.property(series, double(-1e9, 1e9), period, (prefix, c, p) => {
        const values = Float64Array.from([...prefix, ...new Array<number>(p + 3).fill(c)]);
        const n = values.length;
        const bands = bollinger(values, p, 2);
        for (let i = n - 4; i < n; i++) {
          expect(sma(values, p)[i]).toBe(c);
          expect(stddev(values, p)[i]).toBe(0);
          expect(zscore(values, p)[i]).toBe(0);
          expect([bands.lower[i], bands.upper[i]]).toEqual([c, c]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('Bollinger middle is the SMA bit for bit and lower <= middle <= upper', () => {
    fc.assert(
      fc.property(series, period, fc.double({ min: 0, max: 5, noNaN: true }), (values, p, k) => {
        const bands = bollinger(values, p, k);
        const middle = sma(values, p);
        for (let i = 0; i < values.length; i++) {
          expect(Object.is(bands.middle[i], middle[i])).toBe(true);
          if (i >= p - 1) expect(bands.lower[i] <= bands.middle[i] && bands.middle[i] <= bands.upper[i]).toBe(true);
        }
      }),
    );
  });
});

describe('other invariants', () => {
  it('RSI stays within [0, 100]', () => {
    fc.assert(
      fc.property(series, period, (values, p) => {
        for (const v of rsi(values, p).subarray(p)) expect(v >= 0 && v <= 100).toBe(true);
      }),
    );
  });

  it('Donchian equals the naive max/min of each window exactly', () => {
    fc.assert(
      fc.property(series, series, period, (a, b, p) => {
        const n = Math.min(a.length, b.length);
        const high = a.subarray(0, n);
        const low = b.subarray(0, n);
        const channel = donchian(high, low, p);
        for (let i = p - 1; i < n; i++) {
          const upper = Math.max(...high.subarray(i - p + 1, i + 1));
          const lower = Math.min(...low.subarray(i - p + 1, i + 1));
          expect([channel.upper[i], channel.lower[i], channel.middle[i]]).toEqual([upper, lower, (upper + lower) / 2]);
        }
      }),
    );
  });
});
