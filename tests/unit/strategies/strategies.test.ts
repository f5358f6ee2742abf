import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candle.js';
import { readCandlesCsv } from '../../../src/market/csv-candles.js';
import { DEFAULT_ENABLE_MAP, enableMapFromJson, enableMapToJson, parseEnableMapYaml } from '../../../src/strategies/enable-map.js';
import { createStrategy, STRATEGY_NAMES } from '../../../src/strategies/registry.js';
import { sharedData } from '../../helpers/shared-data.js';

function candles(closes: readonly number[], spread = 0): Candle[] {
  return closes.map((c, i) => ({
    openTime: i * 60_000,
    open: c,
    high: c + spread,
    low: c - spread,
    close: c,
    volume: 1,
    closeTime: i * 60_000 + 59_999,
  }));
}
const input = (closes: readonly number[], spread = 0) => ({ symbol: 'X', candles: candles(closes, spread) });

describe('sma-cross', () => {
  const s = createStrategy('sma-cross', { fast: 2, slow: 4 });
  it('by hand: closes 1,1,1,5 -> SMA2 = 3 > SMA4 = 2 -> BUY; 5,5,5,1 -> SMA2 = 3 < SMA4 = 4 -> SELL', () => {
    expect(s.decide(input([1, 1, 1, 5])).action).toBe('BUY');
    expect(s.decide(input([5, 5, 5, 1])).action).toBe('SELL');
    expect(s.decide(input([2, 2, 2, 2])).action).toBe('HOLD');
  });
  it('holds before warm-up and rejects fast >= slow', () => {
    expect(s.decide(input([1, 2, 3])).reason).toMatch(/needs 4/);
    expect(() => createStrategy('sma-cross', { fast: 5, slow: 5 })).toThrow(/fast must be smaller than slow/);
  });
});

describe('breakout (Donchian)', () => {
  const s = createStrategy('breakout', { period: 3, exitPeriod: 2 });
  it('by hand: highs of the previous 3 bars are 11,12,11 -> a close of 12.5 breaks out; the current bar is not its own channel', () => {
    expect(s.decide(input([10, 11, 10, 12.5], 1)).action).toBe('BUY');
    expect(s.decide(input([10, 11, 10, 12.5], 1)).reason).toMatch(/above the 3-bar high 12\.0000/);
    // without spread the previous highs are 10, 11, 10 -> 11
    expect(s.decide(input([10, 11, 10, 11.5], 0)).action).toBe('BUY');
    expect(s.decide(input([10, 11, 10, 10.5], 0)).action).toBe('HOLD');
    // lows of the previous 2 bars: 11, 10 -> close 9 < 10 -> SELL
    expect(s.decide(input([10, 11, 10, 9], 0)).action).toBe('SELL');
  });
});

describe('mean-reversion (Bollinger + RSI)', () => {
  const s = createStrategy('mean-reversion', { period: 5, k: 1, rsiPeriod: 2, oversold: 30, overbought: 70 });
  it('BUY after a sharp fall below the lower band with RSI oversold; SELL when overbought', () => {
    const fall = [10, 10, 10, 10, 10, 10, 10, 10, 10, 9, 8];
    expect(s.decide(input(fall)).action).toBe('BUY');
    const rise = [10, 10, 10, 10, 10, 10, 10, 10, 10, 11, 12];
    expect(s.decide(input(rise)).action).toBe('SELL');
  });
  it('rejects oversold >= overbought', () => {
    expect(() => createStrategy('mean-reversion', { oversold: 80, overbought: 70 })).toThrow(/oversold must be below overbought/);
  });
});

describe('every strategy on real candles', () => {
  const btc = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv')).slice(-3_000);
  const model = () => ({
    version: 'stub',
    predictAction: (f: Readonly<Record<string, number>>) => ({
      action: f.ret_1 > 0 ? ('BUY' as const) : ('SELL' as const),
      confidence: 0.7,
      probabilities: { BUY: 0.7, SELL: 0.2, HOLD: 0.1 },
      reason: 'stub',
    }),
  });
  for (const name of STRATEGY_NAMES) {
    it(`${name}: reads only its warm-up tail (same answer from the tail as from the whole history) and is deterministic`, () => {
      const s = createStrategy(name, {}, { model });
      const counts = { BUY: 0, SELL: 0, HOLD: 0 };
      for (let end = 400; end <= btc.length; end += 37) {
        const all = btc.slice(0, end);
        const a = s.decide({ symbol: 'BTCUSDT', candles: all });
        const b = s.decide({ symbol: 'BTCUSDT', candles: all.slice(-s.warmup) });
        if (name !== 'ml-classifier') expect(b).toEqual(a);
        expect(s.decide({ symbol: 'BTCUSDT', candles: all })).toEqual(a);
        expect(a.strategy).toBe(name);
        expect(a.confidence).toBeGreaterThanOrEqual(0);
        expect(a.confidence).toBeLessThanOrEqual(1);
        counts[a.action]++;
      }
      // every rule fires both ways on 3,000 real hours
      expect(counts.BUY).toBeGreaterThan(0);
      expect(counts.SELL).toBeGreaterThan(0);
    });
  }
  it('unknown names are refused with the list of known ones', () => {
    expect(() => createStrategy('martingale')).toThrow(/expected one of ml-classifier, sma-cross, breakout, mean-reversion/);
  });
});

describe('enable map', () => {
  it('round-trips and validates the shipped YAML', async () => {
    const { readFileSync } = await import('node:fs');
    const shipped = parseEnableMapYaml(readFileSync(new URL('../../../config/enable-map.yaml', import.meta.url), 'utf8'));
    expect(shipped).toEqual(DEFAULT_ENABLE_MAP);
    expect(enableMapFromJson(enableMapToJson(shipped))).toEqual(shipped);
  });
  it('refuses unknown strategies and missing regimes, naming the field', () => {
    const json = enableMapToJson(DEFAULT_ENABLE_MAP);
    expect(() => enableMapFromJson({ ...json, regimes: { ...json.regimes, BULL: ['martingale'] } })).toThrow(/regimes.BULL.0/);
    const { HIGH_VOL: _h, ...missing } = json.regimes;
    expect(() => enableMapFromJson({ ...json, regimes: missing })).toThrow(/regimes.HIGH_VOL/);
  });
});
