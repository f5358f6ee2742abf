import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATR,
  atr,
  Bollinger,
  bollinger,
  Donchian,
  donchian,
  EMA,
  ema,
  MACD,
  macd,
  RSI,
  rsi,
  SMA,
  StdDev,
  type StreamingIndicator,
  sma,
  stddev,
  ZScore,
  zscore,
} from '../../../src/indicators/index.js';
import { btcHourly } from './reference-data.js';

/**
 * One contract for every indicator (as in trading-signals): the streaming form agrees with the batch form bit for
 * bit, `result` is null exactly during warm-up, `requiredInputs` matches the first batch value and `reset()` gives
 * a fresh indicator.
 */

interface Bars {
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

/** Generic periods; each case maps them onto its own parameters. */
interface Params {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

interface Spec<I, O> {
  readonly name: string;
  make(p: Params): StreamingIndicator<I, O>;
  input(bars: Bars, i: number): I;
  /** Output columns of one streaming result, in the order of `batch`. */
  columns(result: O): readonly number[];
  batch(bars: Bars, p: Params): readonly Float64Array[];
  /** Which batch column defines warm-up (the one that appears last). */
  readonly primary: number;
  /** Hand-derived warm-up length. */
  required(p: Params): number;
}

/** Returns a description of the first contract violation, or null. */
function violation<I, O>(spec: Spec<I, O>, bars: Bars, p: Params): string | null {
  const n = bars.close.length;
  const batch = spec.batch(bars, p);
  const indicator = spec.make(p);
  const required = spec.required(p);
  if (indicator.requiredInputs !== required) return `requiredInputs ${indicator.requiredInputs}, expected ${required}`;
  for (const column of batch) if (column.length !== n) return `batch length ${column.length}, expected ${n}`;
  const primary = batch[spec.primary];
  const firstValue = primary.findIndex((v) => !Number.isNaN(v));
  // With finite inputs the first non-NaN batch value sits right at the end of warm-up.
  if (n >= required && firstValue !== required - 1) return `first batch value at ${firstValue}, expected ${required - 1}`;
  if (n < required && firstValue !== -1) return `batch value at ${firstValue} before warm-up`;
  if (indicator.result !== null || indicator.isStable) return 'fresh indicator is not empty';
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < n; i++) {
      const returned = indicator.update(spec.input(bars, i));
      if (!Object.is(returned, indicator.result)) return `pass ${pass} i=${i}: update() returned something else than result`;
      const warm = i >= required - 1;
      if (indicator.isStable !== warm) return `pass ${pass} i=${i}: isStable ${indicator.isStable}, expected ${warm}`;
      if (returned === null) {
        if (warm) return `pass ${pass} i=${i}: null after warm-up`;
        continue;
      }
      if (!warm) return `pass ${pass} i=${i}: value during warm-up`;
      const values = spec.columns(returned);
      for (let c = 0; c < batch.length; c++) {
        if (!Object.is(values[c], batch[c][i])) {
          return `pass ${pass} i=${i} column ${c}: stream ${values[c]} !== batch ${batch[c][i]}`;
        }
      }
    }
    indicator.reset();
    if (indicator.result !== null || indicator.isStable) return 'reset() left a result';
  }
  return null;
}

interface Case {
  readonly name: string;
  check(bars: Bars, p: Params): string | null;
}

function contractCase<I, O>(spec: Spec<I, O>): Case {
  return { name: spec.name, check: (bars, p) => violation(spec, bars, p) };
}

const closeInput = (bars: Bars, i: number): number => bars.close[i];
const scalar = (value: number): readonly number[] => [value];

const CASES: readonly Case[] = [
  contractCase<number, number>({
    name: 'SMA',
    make: (p) => new SMA(p.a),
    input: closeInput,
    columns: scalar,
    batch: (bars, p) => [sma(bars.close, p.a)],
    primary: 0,
    required: (p) => p.a,
  }),
  contractCase<number, number>({
    name: 'EMA',
    make: (p) => new EMA(p.a),
    input: closeInput,
    columns: scalar,
    batch: (bars, p) => [ema(bars.close, p.a)],
    primary: 0,
    required: (p) => p.a,
  }),
  contractCase<number, number>({
    name: 'RSI',
    make: (p) => new RSI(p.a),
    input: closeInput,
    columns: scalar,
    batch: (bars, p) => [rsi(bars.close, p.a)],
    primary: 0,
    required: (p) => p.a + 1,
  }),
  contractCase({
    name: 'ATR',
    make: (p) => new ATR(p.a),
    input: (bars, i) => ({ high: bars.high[i], low: bars.low[i], close: bars.close[i] }),
    columns: scalar,
    batch: (bars, p) => [atr(bars.high, bars.low, bars.close, p.a)],
    primary: 0,
    required: (p) => p.a,
  }),
  contractCase<number, number>({
    name: 'StdDev',
    make: (p) => new StdDev(p.a),
    input: closeInput,
    columns: scalar,
    batch: (bars, p) => [stddev(bars.close, p.a)],
    primary: 0,
    required: (p) => p.a,
  }),
  contractCase<number, number>({
    name: 'ZScore',
    make: (p) => new ZScore(p.a),
    input: closeInput,
    columns: scalar,
    batch: (bars, p) => [zscore(bars.close, p.a)],
    primary: 0,
    required: (p) => p.a,
  }),
  contractCase({
    name: 'Bollinger',
    make: (p) => new Bollinger(p.a, p.c / 4),
    input: closeInput,
    columns: (r) => [r.middle, r.upper, r.lower],
    batch: (bars, p) => {
      const b = bollinger(bars.close, p.a, p.c / 4);
      return [b.middle, b.upper, b.lower];
    },
    primary: 0,
    required: (p) => p.a,
  }),
  contractCase({
    name: 'MACD',
    make: (p) => new MACD(p.a, p.a + p.b, p.c),
    input: closeInput,
    columns: (r) => [r.macd, r.signal, r.histogram],
    // The batch MACD line starts before the signal; the streaming result only once all three exist.
    batch: (bars, p) => {
      const m = macd(bars.close, p.a, p.a + p.b, p.c);
      const line = m.macd.slice();
      line.fill(Number.NaN, 0, Math.min(line.length, p.a + p.b + p.c - 2));
      return [line, m.signal, m.histogram];
    },
    primary: 1,
    required: (p) => p.a + p.b + p.c - 1,
  }),
  contractCase({
    name: 'Donchian',
    make: (p) => new Donchian(p.a),
    input: (bars, i) => ({ high: bars.high[i], low: bars.low[i] }),
    columns: (r) => [r.upper, r.lower, r.middle],
    batch: (bars, p) => {
      const d = donchian(bars.high, bars.low, p.a);
      return [d.upper, d.lower, d.middle];
    },
    primary: 0,
    required: (p) => p.a,
  }),
];

/** Finite values: wide doubles, or small integers that produce ties, flat windows and zero losses. */
const value = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -3, max: 3 }));
const barsArbitrary = fc
  .array(fc.tuple(value, fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e3, noNaN: true })), fc.integer({ min: 0, max: 3 })), {
    maxLength: 250,
  })
  .map((rows): Bars => {
    const close = Float64Array.from(rows, ([c]) => c);
    return { close, high: close.map((c, i) => c + rows[i][1]), low: close.map((c, i) => c - rows[i][2]) };
  });
const paramsArbitrary = fc.record({
  a: fc.integer({ min: 1, max: 40 }),
  b: fc.integer({ min: 1, max: 30 }),
  c: fc.integer({ min: 1, max: 12 }),
});

describe('indicator contract (streaming == batch, warm-up, reset)', () => {
  const real = btcHourly();
  const standard: Params = { a: 14, b: 12, c: 9 };

  for (const contract of CASES) {
    it(`${contract.name}: holds on all ${real.close.length} real BTCUSDT 1h bars`, () => {
      expect(contract.check(real, standard)).toBeNull();
      expect(contract.check(real, { a: 1, b: 1, c: 1 })).toBeNull();
      expect(contract.check(real, { a: 200, b: 50, c: 30 })).toBeNull();
    });

    it(`${contract.name}: holds on random finite series (fast-check)`, () => {
      fc.assert(
        fc.property(barsArbitrary, paramsArbitrary, (bars, p) => {
          expect(contract.check(bars, p)).toBeNull();
        }),
        { numRuns: 300 },
      );
    });
  }

  it('the contract can fail: a batch off by one ulp is caught', () => {
    const broken = contractCase<number, number>({
      name: 'broken SMA',
      make: (p) => new SMA(p.a),
      input: closeInput,
      columns: scalar,
      batch: (bars, p) => {
        const out = sma(bars.close, p.a);
        out[out.length - 1] += Math.abs(out[out.length - 1]) * Number.EPSILON;
        return [out];
      },
      primary: 0,
      required: (p) => p.a,
    });
    expect(broken.check(real, standard)).toMatch(/stream .* !== batch/);
  });
});
