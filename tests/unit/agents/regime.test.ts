import { describe, expect, it } from 'vitest';
import { DEFAULT_REGIME_CONFIG, RegimeTracker, rawRegime, regimeMetrics } from '../../../src/agents/regime-rules.js';
import type { Candle } from '../../../src/domain/candle.js';
import { readCandlesCsv } from '../../../src/market/csv-candles.js';
import { sharedData } from '../../helpers/shared-data.js';

const fromLogReturns = (returns: readonly number[]): Candle[] => {
  let c = 100;
  const out: Candle[] = [{ openTime: 0, open: c, high: c, low: c, close: c, volume: 1, closeTime: 59_999 }];
  returns.forEach((r, i) => {
    c *= Math.exp(r);
    out.push({ openTime: (i + 1) * 60_000, open: c, high: c, low: c, close: c, volume: 1, closeTime: (i + 1) * 60_000 + 59_999 });
  });
  return out;
};

describe('regime metrics by hand', () => {
  const cfg = { ...DEFAULT_REGIME_CONFIG, trendWindow: 4, volWindow: 2 };
  it('log returns +0.02, 0 repeated over W = 4: sum 0.04, sigma 0.01 -> trend 0.04 / (0.01 * 2) = 2', () => {
    const m = regimeMetrics(fromLogReturns([0.02, 0, 0.02, 0, 0.02, 0, 0.02, 0]), cfg)!;
    expect(m.trend).toBeCloseTo(2, 9);
  });
  it('the newest window the most volatile -> percentile 1; the calmest -> 1 / windows', () => {
    const rising = regimeMetrics(fromLogReturns([0.001, -0.001, 0.002, -0.002, 0.004, -0.004, 0.008, -0.008]), cfg)!;
    expect(rising.volPercentile).toBe(1);
    const falling = regimeMetrics(fromLogReturns([0.008, -0.008, 0.004, -0.004, 0.002, -0.002, 0.001, -0.001]), cfg)!;
    // 7 windows of 2 returns; the newest (0.001, -0.001) is strictly the calmest
    expect(falling.volPercentile).toBeCloseTo(1 / 7, 12);
  });
  it('hysteresis thresholds: BULL is entered at 1.5 and kept down to 0.5', () => {
    const m = (trend: number, volPercentile = 0.5) => ({ trend, volPercentile, vol: 0 });
    expect(rawRegime(m(1.0), 'RANGE', DEFAULT_REGIME_CONFIG)).toBe('RANGE');
    expect(rawRegime(m(1.0), 'BULL', DEFAULT_REGIME_CONFIG)).toBe('BULL');
    expect(rawRegime(m(0.4), 'BULL', DEFAULT_REGIME_CONFIG)).toBe('RANGE');
    expect(rawRegime(m(-1.6), null, DEFAULT_REGIME_CONFIG)).toBe('BEAR');
    expect(rawRegime(m(0, 0.8), 'HIGH_VOL', DEFAULT_REGIME_CONFIG)).toBe('HIGH_VOL');
    expect(rawRegime(m(0, 0.8), 'RANGE', DEFAULT_REGIME_CONFIG)).toBe('RANGE');
  });
});

describe('regimes on real BTCUSDT 1h candles', () => {
  const all = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));
  const at = (iso: string) => all.findIndex((c) => c.openTime >= Date.parse(iso));
  const window = (end: number) => all.slice(end - 100, end);

  it('reads known moves: the 2022-06-13 crash as a strong down-trend, the 2023-10-23 ETF rally as an up-trend, 2021-05-19 as the most volatile window', () => {
    expect(regimeMetrics(window(at('2022-06-13T18:00Z')), DEFAULT_REGIME_CONFIG)!.trend).toBeLessThan(-1.5);
    expect(regimeMetrics(window(at('2023-10-24T06:00Z')), DEFAULT_REGIME_CONFIG)!.trend).toBeGreaterThan(1.5);
    expect(regimeMetrics(window(at('2021-05-19T16:00Z')), DEFAULT_REGIME_CONFIG)!.volPercentile).toBeGreaterThanOrEqual(0.9);
    // a famously quiet August 2023 weekend
    const t = new RegimeTracker(DEFAULT_REGIME_CONFIG);
    const end = at('2023-08-05T12:00Z');
    let reading = null;
    for (let i = end - 20; i <= end; i++) reading = t.update(window(i));
    expect(reading?.regime).toBe('RANGE');
  });

  function switches(from: number, to: number, cfg = DEFAULT_REGIME_CONFIG) {
    const t = new RegimeTracker(cfg);
    const runs: number[] = [];
    let prev: string | null = null;
    let len = 0;
    for (let i = from; i < to; i++) {
      const r = t.update(window(i))!;
      if (prev !== null && r.regime !== prev) {
        runs.push(len);
        len = 0;
      }
      len++;
      prev = r.regime;
    }
    return runs;
  }

  it('hysteresis: over Q1 2023 far fewer switches than the same rules without it, and no regime shorter than confirmBars', () => {
    const from = at('2023-01-01T00:00Z');
    const to = at('2023-04-01T00:00Z');
    const withH = switches(from, to);
    const withoutH = switches(from, to, {
      ...DEFAULT_REGIME_CONFIG,
      confirmBars: 1,
      trendExit: DEFAULT_REGIME_CONFIG.trendEnter,
      highVolExit: DEFAULT_REGIME_CONFIG.highVolEnter,
    });
    expect(withH.length).toBeGreaterThan(5);
    expect(withH.length * 2).toBeLessThan(withoutH.length);
    expect(Math.min(...withH.slice(1))).toBeGreaterThanOrEqual(DEFAULT_REGIME_CONFIG.confirmBars);
    expect(Math.min(...withoutH)).toBe(1);
  });

  it('several cycles on the same candle count as one bar of confirmation', () => {
    const t = new RegimeTracker(DEFAULT_REGIME_CONFIG);
    const end = at('2022-06-10T00:00Z');
    t.update(window(end));
    const first = t.reading!;
    for (let k = 0; k < 10; k++)
      expect(t.update(window(end))).toMatchObject({ regime: first.regime, changed: false, candidateBars: first.candidateBars });
  });
});
