import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import { mulberry32 } from '../../../src/ml/prng.js';
import { sharpeOf } from '../../../src/research/moments.js';
import { probabilityOfBacktestOverfitting } from '../../../src/research/pbo.js';

/** A trial whose S blocks of two periods each return `values[b]` (in %) in both periods. */
function blocks(values: number[]): Float64Array {
  return Float64Array.from(values.flatMap((v) => [v / 100, v / 100]));
}

const LN3 = Math.log(3);

describe('PBO by CSCV', () => {
  it('S = 4, three trials, mean metric: the six combinations enumerated by hand', () => {
    // Block values (x 0.01): A = [4, 0, 0, 0], B = [0, 3, 1, 1], C = [2, 2.5, 2.25, 1.25]. With equal blocks a set's
    // mean orders like the sum of its two block values.
    //  IS {0,1}: A 4, B 3, C 4.5 -> C; OOS {2,3}: A 0, B 2, C 3.5  -> C rank 3 of 3, ω = 3/4, λ = ln 3
    //  IS {0,2}: A 4, B 1, C 4.25 -> C; OOS {1,3}: A 0, B 4, C 3.75 -> rank 2, ω = 1/2, λ = 0
    //  IS {0,3}: A 4, B 1, C 3.25 -> A; OOS {1,2}: A 0, B 4, C 4.75 -> rank 1, ω = 1/4, λ = -ln 3
    //  IS {1,2}: A 0, B 4, C 4.75 -> C; OOS {0,3}: A 4, B 1, C 3.25 -> rank 2, λ = 0
    //  IS {1,3}: A 0, B 4, C 3.75 -> B; OOS {0,2}: A 4, B 1, C 4.25 -> rank 1, λ = -ln 3
    //  IS {2,3}: A 0, B 2, C 3.5  -> C; OOS {0,1}: A 4, B 3, C 4.5  -> rank 3, λ = ln 3
    // λ <= 0 in 4 of 6: PBO = 2/3. The winner's OOS mean is never negative: probability of loss 0.
    const matrix = [blocks([4, 0, 0, 0]), blocks([0, 3, 1, 1]), blocks([2, 2.5, 2.25, 1.25])];
    const expected = [LN3, 0, -LN3, 0, -LN3, LN3];
    for (const metric of ['mean', (r: Float64Array) => r.reduce((a, b) => a + b, 0) / r.length] as const) {
      const r = probabilityOfBacktestOverfitting(matrix, 4, metric);
      expect(r.combinations).toBe(6);
      expect(r.blockSize).toBe(2);
      expect(r.pbo).toBeCloseTo(2 / 3, 12);
      expect(r.probabilityOfLoss).toBe(0);
      expect(Array.from(r.logits).map((x) => Math.round(x * 1e9) / 1e9)).toEqual(expected.map((x) => Math.round(x * 1e9) / 1e9 + 0));
    }
  });

  it('S = 2, Sharpe by hand, ties in the out-of-sample rank averaged', () => {
    // A = [1, 2, 3 | 1, -1, 0] %, B = [0, 1, 0 | 2, 3, 2] %. Block 0: SR_A = 0.02/0.01 = 2, SR_B = (1/300)/(√(1/30)/100)
    // = 0.577...; block 1: SR_A = 0, SR_B = 4.04... Each half's winner is the other half's loser: rank 1 of 2,
    // ω = 1/3, λ = ln(1/2) both times; PBO = 1.
    const a = Float64Array.from([1, 2, 3, 1, -1, 0].map((x) => x / 100));
    const b = Float64Array.from([0, 1, 0, 2, 3, 2].map((x) => x / 100));
    const r = probabilityOfBacktestOverfitting([a, b], 2, 'sharpe');
    expect(r.pbo).toBe(1);
    expect(r.logits[0]).toBeCloseTo(Math.log(0.5), 12);
    expect(r.logits[1]).toBeCloseTo(Math.log(0.5), 12);
    // Three identical trials out of sample: the winner shares the middle rank 2 of 3, ω = 1/2, λ = 0.
    const flat = Float64Array.from([1, 2, 3, 1, 2, 3].map((x) => x / 100));
    const tie = probabilityOfBacktestOverfitting([flat, flat, flat], 2, 'sharpe');
    expect(Array.from(tie.logits)).toEqual([0, 0]);
  });

  it('S = 6 and 8 with Sharpe and Sortino agree with a brute-force enumeration written here', () => {
    const rnd = mulberry32(7);
    const n = 9;
    const t = 6 * 11 + 3; // 3 leftover periods, dropped from the start
    const matrix = Array.from({ length: n }, (_, j) => Float64Array.from({ length: t }, () => (rnd() - 0.5 + j * 0.01) / 50));
    const sortino = (r: Float64Array) => {
      let down = 0;
      for (const x of r) if (x < 0) down += x * x;
      return down > 0 ? r.reduce((a, b) => a + b, 0) / r.length / Math.sqrt(down / r.length) : 0;
    };
    for (const [s, name, f] of [
      [6, 'sharpe', sharpeOf],
      [8, 'sortino', sortino],
    ] as const) {
      const size = Math.floor(t / s);
      const off = t - size * s;
      const logits: number[] = [];
      for (let mask = 0; mask < 1 << s; mask++) {
        if (popcount(mask) !== s / 2) continue;
        const pick = (inSet: boolean) =>
          matrix.map((col) => {
            const out: number[] = [];
            for (let b = 0; b < s; b++)
              if ((((mask >> b) & 1) === 1) === inSet) out.push(...col.subarray(off + b * size, off + (b + 1) * size));
            return f(Float64Array.from(out));
          });
        const is = pick(true);
        const oos = pick(false);
        const best = is.indexOf(Math.max(...is));
        const rank = oos.filter((x) => x < oos[best]!).length + (oos.filter((x) => x === oos[best]!).length + 1) / 2;
        logits.push(Math.log(rank / (n + 1) / (1 - rank / (n + 1))));
      }
      const r = probabilityOfBacktestOverfitting(matrix, s, name);
      expect(r.combinations).toBe(logits.length);
      // Masks ascend in a different order from lexicographic block sets: compare sorted.
      const sorted = (xs: ArrayLike<number>) => Array.from(xs).sort((x, y) => x - y);
      const got = sorted(r.logits);
      for (const [i, x] of sorted(logits).entries()) expect(got[i]).toBeCloseTo(x, 9);
      expect(r.pbo).toBeCloseTo(logits.filter((x) => x <= 0).length / logits.length, 12);
    }
  });

  it('properties: pbo in [0, 1]; a dominant trial gives 0; iid noise gives about 1/2', () => {
    const rnd = mulberry32(42);
    const gauss = () => {
      const u = Math.max(rnd(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
    };
    const noise = (t: number) => Float64Array.from({ length: t }, () => gauss() / 100);
    const pbos: number[] = [];
    for (let rep = 0; rep < 12; rep++) {
      const matrix = Array.from({ length: 20 }, () => noise(480));
      const r = probabilityOfBacktestOverfitting(matrix, 10);
      expect(r.pbo).toBeGreaterThanOrEqual(0);
      expect(r.pbo).toBeLessThanOrEqual(1);
      pbos.push(r.pbo);
      // Add a trial with a real edge (fresh noise plus a drift of one sd per period): it wins everywhere.
      const dominant = Float64Array.from(noise(480), (x) => x + 0.01);
      expect(probabilityOfBacktestOverfitting([...matrix, dominant], 10).pbo).toBe(0);
    }
    const mean = pbos.reduce((a, b) => a + b, 0) / pbos.length;
    expect(mean).toBeGreaterThan(0.35);
    expect(mean).toBeLessThan(0.65);
  });

  it('refuses bad input with stable codes', () => {
    const col = new Float64Array(40);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isConclaveError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => probabilityOfBacktestOverfitting([col], 4))).toBe('VALIDATION_ERROR');
    expect(code(() => probabilityOfBacktestOverfitting([col, col], 5))).toBe('VALIDATION_ERROR');
    expect(code(() => probabilityOfBacktestOverfitting([col, col], 22))).toBe('VALIDATION_ERROR');
    expect(code(() => probabilityOfBacktestOverfitting([col, new Float64Array(39)], 4))).toBe('VALIDATION_ERROR');
    expect(code(() => probabilityOfBacktestOverfitting([col, Float64Array.from(col, () => Number.NaN)], 4))).toBe('VALIDATION_ERROR');
    expect(code(() => probabilityOfBacktestOverfitting([col.subarray(0, 30), col.subarray(0, 30)], 16))).toBe('INSUFFICIENT_DATA');
  });
});

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v; v >>= 1) c += v & 1;
  return c;
}
