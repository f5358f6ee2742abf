import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binomialUpperTail, EDGE_ALPHA, edgeTest, hasEdge } from '../../../src/ml/significance.js';

/** Independent reference: the exact tail as a ratio of big integers, sum_{j>=k} C(n, j) / 2^n. */
function exactTail(n: number, k: number): number {
  let c = 1n;
  let sum = 0n;
  for (let j = 0; j <= n; j++) {
    if (j >= k) sum += c;
    c = (c * BigInt(n - j)) / BigInt(j + 1);
  }
  // Scale to 1e-15 precision before converting: both are far below Number's integer limit afterwards.
  const scale = 10n ** 18n;
  return Number((sum * scale) / 2n ** BigInt(n)) / 1e18;
}

describe('binomialUpperTail (exact McNemar p-value)', () => {
  it('matches hand-computed tails', () => {
    // P(X >= 9 | n = 10) = (C(10,9) + C(10,10)) / 2^10 = 11 / 1024.
    expect(binomialUpperTail(10, 9)).toBeCloseTo(11 / 1024, 15);
    // P(X >= 15 | n = 20) = (15504 + 4845 + 1140 + 190 + 20 + 1) / 2^20 = 21700 / 1048576.
    expect(binomialUpperTail(20, 15)).toBeCloseTo(21700 / 1048576, 15);
    // P(X >= 5 | n = 5) = 1/32; P(X >= 0) = 1; P(X >= n + 1) = 0.
    expect(binomialUpperTail(5, 5)).toBeCloseTo(1 / 32, 15);
    expect(binomialUpperTail(7, 0)).toBe(1);
    expect(binomialUpperTail(7, 8)).toBe(0);
    expect(binomialUpperTail(0, 0)).toBe(1);
    // Below the median: P(X >= 2 | n = 4) = (6 + 4 + 1) / 16.
    expect(binomialUpperTail(4, 2)).toBeCloseTo(11 / 16, 15);
    expect(binomialUpperTail(4, 1)).toBeCloseTo(15 / 16, 15);
  });

  it('agrees with the big-integer reference up to n = 2000 (property, seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, u) => {
        const k = Math.round(u * n);
        const want = exactTail(n, k);
        expect(Math.abs(binomialUpperTail(n, k) - want)).toBeLessThan(1e-12 + want * 1e-9);
      }),
      { seed: 12, numRuns: 60 },
    );
  });

  it('stays finite and accurate for tens of thousands of rows (2^-n underflows a double)', () => {
    // Reference from Python: sum(comb(20000, j) for j in range(10200, 20001)) / 2**20000.
    expect(binomialUpperTail(20_000, 10_200)).toBeCloseTo(0.002_390_44, 7);
    expect(binomialUpperTail(20_000, 10_200)).toBeCloseTo(exactTail(20_000, 10_200), 12);
    expect(binomialUpperTail(100_000, 1)).toBeCloseTo(1, 15);
  });

  it('rejects non-integer input', () => {
    expect(() => binomialUpperTail(10.5, 3)).toThrow(/integers/);
    expect(() => binomialUpperTail(-1, 0)).toThrow(/integers/);
  });
});

describe('edgeTest against the majority class', () => {
  it('counts only rows where exactly one of model and baseline is right', () => {
    // majority class 2. rows: (true, pred)
    // (2,2) both right; (2,0) baseline only; (0,0) model only; (1,0) both wrong; (1,1) model only.
    const t = edgeTest([2, 2, 0, 1, 1], [2, 0, 0, 0, 1], 2);
    expect(t.better).toBe(2);
    expect(t.worse).toBe(1);
    // P(X >= 2 | n = 3) = (3 + 1) / 8.
    expect(t.pValue).toBeCloseTo(0.5, 15);
  });

  it('gives p = 1 when the model always agrees with the baseline', () => {
    expect(edgeTest([0, 1, 2], [2, 2, 2], 2).pValue).toBe(1);
  });

  it('decides edge at alpha 0.05: 9 of 10 disagreements is an edge, 7 more rows of ~100 is not', () => {
    expect(EDGE_ALPHA).toBe(0.05);
    expect(hasEdge(binomialUpperTail(10, 9))).toBe(true);
    expect(hasEdge(binomialUpperTail(99, 53))).toBe(false);
  });

  it('rejects label arrays of different lengths', () => {
    expect(() => edgeTest([0, 1], [0], 0)).toThrow(/differ in length/);
  });
});
