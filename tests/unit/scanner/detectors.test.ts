import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_PARAMS, detectBreakout, detectOversold, detectTrendReversal } from '../../../src/scanner/detectors.js';
import { buildIndicatorSet } from '../../../src/scanner/indicator-set.js';
import { btcFirst3000, indexAt, refColumn } from './real-data.js';

// Real Binance spot BTCUSDT 1h candles from 2018-02-09; indicator values checked against the independent
// pandas reference (../shared/data/reference), never against the code under test.
const candles = btcFirst3000();
const set = buildIndicatorSet(candles);

describe('detectOversold on real candles', () => {
  it('BTCUSDT 2018-02-21 04:00 UTC qualifies: RSI 27.23 <= 30, close 10746.09 is 0.73% below the lower band 10825.08', () => {
    const i = indexAt(candles, 1519185600000);
    // Reference: rsi_14 = 27.2280646757, bb_lower_20 = 10825.0751989599; candle close 10746.09.
    expect(candles[i].close).toBe(10746.09);
    expect(refColumn('rsi_14')[i]).toBeCloseTo(27.2280646757, 8);
    expect(refColumn('bb_lower_20')[i]).toBeCloseTo(10825.0751989599, 6);
    const hit = detectOversold(set, i);
    expect(hit?.kind).toBe('oversold');
    expect(hit?.facts.band_distance_pct).toBeCloseTo(((10825.0751989599 - 10746.09) / 10825.0751989599) * 100, 6);
    // Target is the middle band (reference bb_mid_20 = 11382.373).
    expect(hit?.target).toBeCloseTo(11382.373, 6);
  });

  it('the bars either side do not: 03:00 RSI 31.52 and 05:00 RSI 31.05 are above 30', () => {
    const i = indexAt(candles, 1519185600000);
    expect(refColumn('rsi_14')[i - 1]).toBeCloseTo(31.5232743179, 8);
    expect(refColumn('rsi_14')[i + 1]).toBeCloseTo(31.0485728046, 8);
    expect(detectOversold(set, i - 1)).toBeNull();
    expect(detectOversold(set, i + 1)).toBeNull();
  });

  it('fires on exactly the bars where the reference RSI <= 30 and the close is below the reference lower band', () => {
    const rsi = refColumn('rsi_14');
    const lower = refColumn('bb_lower_20');
    let fired = 0;
    for (let i = 0; i < candles.length; i++) {
      const expected = rsi[i] <= 30 && candles[i].close < lower[i];
      // Exactly at the threshold the two float computations may disagree in the last bit: skip those.
      if (Math.abs(rsi[i] - 30) < 1e-6 || Math.abs(candles[i].close - lower[i]) < 1e-6) continue;
      expect(detectOversold(set, i) !== null, `bar ${i}`).toBe(expected);
      if (expected) fired++;
    }
    expect(fired).toBeGreaterThan(20);
  });

  it('a minimum band distance removes shallow dips', () => {
    const i = indexAt(candles, 1519185600000);
    expect(detectOversold(set, i, { ...DEFAULT_DETECTOR_PARAMS, oversoldMinBandDistancePct: 1 })).toBeNull();
  });
});

describe('detectBreakout on real candles', () => {
  it('BTCUSDT 2018-02-12 08:00 UTC qualifies: close 8758 above the 20-bar high 8570 on 1.98x mean volume', () => {
    const i = indexAt(candles, 1518422400000);
    // Hand check over the 20 previous bars (2018-02-11 12:00 .. 2018-02-12 07:00): highest high 8570, lowest
    // low 8015, mean volume 1674.90; this bar: close 8758.0, volume 3317.363868 -> ratio 1.981.
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    let volume = 0;
    for (let k = i - 20; k < i; k++) {
      high = Math.max(high, candles[k].high);
      low = Math.min(low, candles[k].low);
      volume += candles[k].volume;
    }
    expect(high).toBe(8570);
    expect(low).toBe(8015);
    expect(candles[i].volume / (volume / 20)).toBeCloseTo(1.98063, 4);
    const hit = detectBreakout(set, i);
    expect(hit?.kind).toBe('breakout');
    // Measured move: close + channel height = 8758 + (8570 - 8015).
    expect(hit?.target).toBe(9313);
  });

  it('needs the volume: with a 2.5x requirement the same bar does not qualify', () => {
    const i = indexAt(candles, 1518422400000);
    expect(detectBreakout(set, i, { ...DEFAULT_DETECTOR_PARAMS, breakoutVolumeMultiple: 2.5 })).toBeNull();
  });

  it('fires on exactly the bars a plain loop finds (close > previous 20 highs, volume >= 1.5x their mean)', () => {
    let fired = 0;
    for (let i = 20; i < candles.length; i++) {
      let high = Number.NEGATIVE_INFINITY;
      let volume = 0;
      for (let k = i - 20; k < i; k++) {
        high = Math.max(high, candles[k].high);
        volume += candles[k].volume;
      }
      const ratio = candles[i].volume / (volume / 20);
      if (Math.abs(ratio - 1.5) < 1e-9) continue;
      const expected = candles[i].close > high && ratio >= 1.5;
      expect(detectBreakout(set, i) !== null, `bar ${i}`).toBe(expected);
      if (expected) fired++;
    }
    expect(fired).toBeGreaterThan(20);
  });
});

describe('detectTrendReversal on real candles', () => {
  it('BTCUSDT 2018-02-25 20:00 UTC qualifies: MACD crosses its signal with a bullish divergence', () => {
    const i = indexAt(candles, 1519588800000);
    const hist = refColumn('macd_hist');
    const macdLine = refColumn('macd_12_26');
    // Reference histogram: 19:00 -5.0544 (<= 0), 20:00 +6.9628 (> 0): the cross.
    expect(hist[i - 1]).toBeCloseTo(-5.0544270082, 5);
    expect(hist[i]).toBeCloseTo(6.9628316027, 5);
    // 30-bar window 2018-02-24 15:00 .. 2018-02-25 20:00, halves of 15 bars. Earlier low: 9352 at
    // 2018-02-24 20:00 (reference MACD -160.685); recent low: 9274.8 at 2018-02-25 18:00 (MACD -107.313).
    // Lower low in price, higher low in MACD = bullish divergence. Swing high of the window 9847 > close 9562.
    const a = indexAt(candles, 1519502400000);
    const b = indexAt(candles, 1519581600000);
    expect(candles[a].low).toBe(9352);
    expect(candles[b].low).toBe(9274.8);
    expect(macdLine[a]).toBeCloseTo(-160.6853, 3);
    expect(macdLine[b]).toBeCloseTo(-107.3125, 3);
    const hit = detectTrendReversal(set, i);
    expect(hit?.kind).toBe('trend_reversal');
    expect(hit?.facts.earlier_low).toBe(9352);
    expect(hit?.facts.recent_low).toBe(9274.8);
    expect(hit?.target).toBe(9847);
  });

  it('a MACD cross without divergence does not qualify', () => {
    const hist = refColumn('macd_hist');
    let crossesWithoutDivergence = 0;
    for (let i = 40; i < candles.length; i++) {
      if (!(hist[i - 1] <= 0 && hist[i] > 0)) {
        expect(detectTrendReversal(set, i), `bar ${i}`).toBeNull();
        continue;
      }
      const from = i - 29;
      const half = from + 15;
      let a = from;
      for (let k = from; k < half; k++) if (candles[k].low < candles[a].low) a = k;
      let b = half;
      for (let k = half; k <= i; k++) if (candles[k].low < candles[b].low) b = k;
      const macdLine = refColumn('macd_12_26');
      const divergence = candles[b].low < candles[a].low && macdLine[b] > macdLine[a];
      let swingHigh = Number.NEGATIVE_INFINITY;
      for (let k = from; k <= i; k++) swingHigh = Math.max(swingHigh, candles[k].high);
      const expected = divergence && swingHigh > candles[i].close;
      if (!expected) crossesWithoutDivergence++;
      expect(detectTrendReversal(set, i) !== null, `bar ${i}`).toBe(expected);
    }
    expect(crossesWithoutDivergence).toBeGreaterThan(50);
  });
});
