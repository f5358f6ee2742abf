import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS, failedFilters } from '../../../src/scanner/analysis.js';
import { type Calibration, DEFAULT_RISK_PARAMS, resolveOutcome, wilsonLower } from '../../../src/scanner/calibration.js';
import { buildIndicatorSet } from '../../../src/scanner/indicator-set.js';

/** Bars with the given highs and lows (open/close in the middle), one hour apart. */
function bars(hl: Array<[number, number]>) {
  return buildIndicatorSet(
    hl.map(([high, low], i) => ({
      openTime: i * 3_600_000,
      open: (high + low) / 2,
      high,
      low,
      close: (high + low) / 2,
      volume: 1,
      closeTime: (i + 1) * 3_600_000 - 1,
    })),
  );
}

describe('resolveOutcome (entry at bar 0, stop 95, target 110)', () => {
  it('target first, even when the hold window runs past the data', () => {
    expect(
      resolveOutcome(
        bars([
          [101, 99],
          [105, 97],
          [111, 100],
        ]),
        0,
        95,
        110,
        5,
      ),
    ).toBe('target');
  });
  it('stop first', () => {
    expect(
      resolveOutcome(
        bars([
          [101, 99],
          [102, 94],
          [120, 100],
        ]),
        0,
        95,
        110,
        2,
      ),
    ).toBe('stop');
  });
  it('a bar touching both counts as the stop (intrabar order unknown)', () => {
    expect(
      resolveOutcome(
        bars([
          [101, 99],
          [112, 94],
        ]),
        0,
        95,
        110,
        1,
      ),
    ).toBe('stop');
  });
  it('timeout after maxHoldBars without either; open when the data ends first', () => {
    expect(
      resolveOutcome(
        bars([
          [101, 99],
          [102, 98],
          [103, 97],
        ]),
        0,
        95,
        110,
        2,
      ),
    ).toBe('timeout');
    expect(
      resolveOutcome(
        bars([
          [101, 99],
          [102, 98],
        ]),
        0,
        95,
        110,
        2,
      ),
    ).toBe('open');
  });
});

describe('wilsonLower', () => {
  it('matches the textbook 95% interval: 7/10 -> 0.3968, 14/20 -> 0.4810', () => {
    expect(wilsonLower(7, 10)).toBeCloseTo(0.3968, 4);
    expect(wilsonLower(14, 20)).toBeCloseTo(0.481, 4);
  });
});

describe('failedFilters', () => {
  const cal = (hits: number, sample: number): Calibration => ({
    setup: 'breakout',
    hits,
    stops: sample - hits,
    timeouts: 0,
    sample,
    estimate: sample ? hits / sample : null,
    lower95: null,
    sufficient: sample >= DEFAULT_RISK_PARAMS.minSample,
    bars: 1000,
  });
  const base = { confluence: 9, rr: 2.5, alignedCount: 3, timeframes: 3 };

  it('passes at the seed thresholds', () => {
    expect(failedFilters({ ...base, calibration: cal(15, 20) }, DEFAULT_FILTERS, DEFAULT_RISK_PARAMS)).toEqual([]);
  });
  it('a small sample never claims 70%: 5 of 6 fails as not established', () => {
    expect(failedFilters({ ...base, calibration: cal(5, 6) }, DEFAULT_FILTERS, DEFAULT_RISK_PARAMS)).toEqual([
      'probability not established: 5/6 past occurrences, fewer than 20',
    ]);
  });
  it('names each failed threshold with the value seen', () => {
    const failed = failedFilters(
      { confluence: 7.5, rr: 1.4, alignedCount: 2, timeframes: 3, calibration: cal(10, 25) },
      DEFAULT_FILTERS,
      DEFAULT_RISK_PARAMS,
    );
    expect(failed).toEqual(['confluence 7.50 < 8', 'probability 40.0% (10/25) < 70.0%', 'R:R 1.40 < 2', 'timeframes aligned 2/3 < 3']);
  });
});
