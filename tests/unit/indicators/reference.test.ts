import { describe, expect, it } from 'vitest';
import { atr, bollinger, ema, macd, rsi, sma } from '../../../src/indicators/index.js';
import { btcHourly, numericColumn, referenceIndicators } from './reference-data.js';

/**
 * Expected values come from an independent pandas computation (shared/data/reference/README.md) over the first
 * 3,000 BTCUSDT 1h bars. The reference prints 10 decimals, hence the absolute floor of 1e-9 next to the relative
 * tolerance (it matters only where a value crosses zero, such as the MACD histogram).
 */
const ROWS = 3000;
const ABS_FLOOR = 1e-9;

const reference = referenceIndicators();
const klines = btcHourly();
const openTime = numericColumn(reference, 'open_time');

/** Klines joined to the reference rows by open_time. */
const joined = (() => {
  const rowOf = new Map<number, number>();
  for (const [i, t] of klines.openTime.entries()) rowOf.set(t, i);
  const high = new Float64Array(openTime.length);
  const low = new Float64Array(openTime.length);
  const close = new Float64Array(openTime.length);
  openTime.forEach((t, i) => {
    const row = rowOf.get(t);
    if (row === undefined) throw new Error(`reference open_time ${t} not in klines`);
    high[i] = klines.high[row];
    low[i] = klines.low[row];
    close[i] = klines.close[row];
  });
  return { high, low, close };
})();

/** Indices where `actual` disagrees with `expected` (empty reference cell <=> NaN, else within tolerance). */
function mismatches(actual: Float64Array, expected: Float64Array, relative: number): string[] {
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= relative * Math.abs(e) + ABS_FLOOR;
    if (!ok) bad.push(`row ${i}: expected ${e}, got ${a}`);
  }
  return bad;
}

describe('indicators against the pandas reference (BTCUSDT 1h, first 3000 bars)', () => {
  it('joins 3000 reference rows to the klines and their closes agree', () => {
    expect(openTime.length).toBe(ROWS);
    expect(mismatches(joined.close, numericColumn(reference, 'close'), 0)).toEqual([]);
  });

  const { high, low, close } = joined;
  const bands = bollinger(close, 20, 2);
  const m = macd(close, 12, 26, 9);
  const columns: ReadonlyArray<readonly [string, Float64Array, number]> = [
    ['sma_10', sma(close, 10), 1e-8],
    ['sma_50', sma(close, 50), 1e-8],
    ['ema_12', ema(close, 12), 1e-8],
    ['rsi_14', rsi(close, 14), 1e-8],
    ['atr_14', atr(high, low, close, 14), 1e-8],
    ['bb_mid_20', bands.middle, 1e-8],
    ['bb_upper_20', bands.upper, 1e-8],
    ['bb_lower_20', bands.lower, 1e-8],
    ['macd_12_26', m.macd, 1e-8],
    // The signal compounds the MACD line; the histogram inherits the signal's tolerance.
    ['macd_signal_9', m.signal, 1e-6],
    ['macd_hist', m.histogram, 1e-6],
  ];

  for (const [name, actual, relative] of columns) {
    it(`${name} matches within ${relative} relative, with NaN exactly where the reference is empty`, () => {
      const expected = numericColumn(reference, name);
      expect(expected.some((v) => !Number.isNaN(v))).toBe(true);
      expect(mismatches(actual, expected, relative)).toEqual([]);
    });
  }
});
