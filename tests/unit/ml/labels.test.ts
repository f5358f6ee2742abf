import { describe, expect, it } from 'vitest';
import { ACTION_INDEX } from '../../../src/domain/action.js';
import type { Candle } from '../../../src/domain/candle.js';
import { buildDataset, buildLabels, NO_LABEL } from '../../../src/ml/labels.js';
import { referenceData } from './reference-data.js';

const { BUY, SELL, HOLD } = ACTION_INDEX;

describe('buildLabels', () => {
  it('classifies by the next bar return against the threshold (hand-computed)', () => {
    // Next returns: +1%, -1.98%, +0.0505%, +0.05%; the last bar has no next bar.
    const closes = [100, 101, 99, 99.05, 99.05 * 1.0005];
    expect(Array.from(buildLabels(closes, 0.001))).toEqual([BUY, SELL, HOLD, HOLD, NO_LABEL]);
    expect(Array.from(buildLabels([100, 100.2, 100], 0.001))).toEqual([BUY, SELL, NO_LABEL]);
    expect(Array.from(buildLabels([100, 100.2, 100], 0.01))).toEqual([HOLD, HOLD, NO_LABEL]);
  });

  it('handles empty input and rejects a bad threshold', () => {
    expect(buildLabels([], 0.001).length).toBe(0);
    expect(() => buildLabels([1, 2], -0.1)).toThrow(/threshold/);
    expect(() => buildLabels([1, 2], Number.NaN)).toThrow(/threshold/);
  });

  it('equals the label column of the reference CSV on every row of segment 1 and the start of segment 2', () => {
    const { candles, ref } = referenceData();
    const labels = buildLabels(
      candles.map((c) => c.close),
      0.001,
    );
    const index = new Map(candles.map((c, i) => [c.openTime, i]));
    const tCol = ref.header.indexOf('open_time');
    const lCol = ref.header.indexOf('label');
    const mismatches: string[] = [];
    for (const r of ref.rows) {
      const i = index.get(Number(r[tCol]));
      if (i === undefined || labels[i] !== ACTION_INDEX[r[lCol] as 'BUY' | 'SELL' | 'HOLD']) mismatches.push(r[tCol]);
    }
    expect(ref.rows.length).toBeGreaterThan(36_000);
    expect(mismatches).toEqual([]);
  });
});

describe('buildDataset', () => {
  const step = 60_000;
  const candle = (i: number, close: number): Candle => ({
    openTime: i * step,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1 + (i % 7),
    closeTime: i * step + step - 1,
  });

  it('drops the last bar of each segment (its next bar is across the gap)', () => {
    const closes = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i) * 2);
    const a = closes.map((c, i) => candle(i, c));
    const b = closes.map((c, i) => candle(1000 + i, c));
    const ds = buildDataset([...a, ...b], 0.001);
    // Segment rows 49..58 (59 is last) in each segment.
    const tenFrom = (first: number) => Array.from({ length: 10 }, (_, k) => first + k);
    expect(Array.from(ds.candleIndex)).toEqual([...tenFrom(49), ...tenFrom(109)]);
    expect(ds.rows).toBe(20);
    // Label of row 0 is the next-bar return of candle 49.
    const r = closes[50] / closes[49] - 1;
    expect(ds.y[0]).toBe(r > 0.001 ? BUY : r < -0.001 ? SELL : HOLD);
    expect(ds.X.length).toBe(20 * 6);
  });
});
