import { describe, expect, it } from 'vitest';
import { loadConfig, withOverrides } from '../../../src/config.js';
import type { Candle } from '../../../src/domain/candle.js';
import { readCandlesCsv } from '../../../src/market/csv-candles.js';
import { trainModel } from '../../../src/ml/model.js';
import { createStrategy } from '../../../src/strategies/registry.js';
import { campaignSpace, RISK_SPACE, STRATEGY_SPACES, splitParams } from '../../../src/strategies/search-space.js';
import type { Strategy } from '../../../src/strategies/strategy.js';
import { sharedData } from '../../helpers/shared-data.js';

const candles: Candle[] = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv')).slice(40_000, 42_000);

/** The decisions of a strategy on every bar from 300 on, as one string. */
function decisions(s: Strategy): string {
  let out = '';
  for (let i = 300; i < candles.length; i++) out += s.decide({ symbol: 'BTCUSDT', candles: candles.slice(i - 300, i) }).action[0];
  return out;
}

describe('declared search spaces', () => {
  it('every default lies inside its range and is what the strategy uses when no parameter is given', () => {
    for (const [name, space] of Object.entries(STRATEGY_SPACES)) {
      for (const [p, spec] of Object.entries(space.params)) {
        if (spec.type === 'choice') expect(spec.values).toContain(spec.default);
        else {
          expect(spec.default, `${name}.${p}`).toBeGreaterThanOrEqual(spec.min);
          expect(spec.default, `${name}.${p}`).toBeLessThanOrEqual(spec.max);
        }
      }
      if (name !== 'ml-classifier')
        expect(createStrategy(name).params).toEqual(Object.fromEntries(Object.entries(space.params).map(([k, s]) => [k, s.default])));
    }
  });

  it('every risk parameter is a setting of the config table, and its default is the table default', () => {
    const config = loadConfig({});
    for (const [name, spec] of Object.entries(RISK_SPACE.params)) {
      expect(config[name as keyof typeof config], name).toBe(spec.default);
      expect(() => withOverrides(config, { [name]: spec.type === 'choice' ? spec.values[1] : spec.max })).not.toThrow();
    }
    expect(splitParams({ fast: 3, ATR_STOP_MULT: 1 })).toEqual({ strategy: { fast: 3 }, settings: { ATR_STOP_MULT: 1 } });
    expect(() => campaignSpace('sma-cross', ['MAX_DRAWDOWN'])).toThrow(/not searchable/);
    expect(() => campaignSpace('nope')).toThrow(/no search space/);
  });

  // Each rule parameter, moved off its default, changes at least one decision on 1,700 real 1h bars.
  const moves: Record<string, Record<string, number>> = {
    'sma-cross': { fast: 3, slow: 120 },
    breakout: { period: 60, exitPeriod: 3 },
    'mean-reversion': { period: 60, k: 1, rsiPeriod: 4, oversold: 45, overbought: 55 },
  };
  for (const [name, changes] of Object.entries(moves)) {
    for (const [param, value] of Object.entries(changes)) {
      it(`${name}: ${param}=${value} changes decisions`, () => {
        expect(decisions(createStrategy(name, { [param]: value }))).not.toBe(decisions(createStrategy(name)));
      });
    }
  }

  describe('ml-classifier: the confidence gate and the training parameters change decisions', () => {
    const train = candles.slice(0, 1200);
    const base = { symbol: 'BTCUSDT', interval: '1h' as const, labelThreshold: 0.001, trees: 10, maxDepth: 6, seed: 1 };
    const run = (opts: Partial<typeof base>, minConfidence = 0) => {
      const model = trainModel(train, { ...base, ...opts });
      return decisions(createStrategy('ml-classifier', { minConfidence }, { model: () => model }));
    };
    const reference = run({});
    it('minConfidence', () => expect(run({}, 0.6)).not.toBe(reference));
    it('trees', () => expect(run({ trees: 40 })).not.toBe(reference));
    it('maxDepth', () => expect(run({ maxDepth: 2 })).not.toBe(reference));
    it('labelThreshold', () => expect(run({ labelThreshold: 0.006 })).not.toBe(reference));
  });
});
