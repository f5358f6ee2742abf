import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promote } from '../../../src/backtest/gate-run.js';
import { isConclaveError } from '../../../src/domain/errors.js';
import { promoted } from '../../../src/research/challengers.js';
import { DEFAULT_ENABLE_MAP, enableMapFromJson, enableMapToJson, parseEnableMapYaml } from '../../../src/strategies/enable-map.js';
import { EnableMapStore } from '../../../src/strategies/enable-map-file.js';
import { ParamsFollowingStrategy } from '../../../src/strategies/params-following.js';
import { createStrategy } from '../../../src/strategies/registry.js';
import type { StrategyParams } from '../../../src/strategies/strategy.js';

const regimes = { BULL: ['sma-cross'], BEAR: [], RANGE: [], HIGH_VOL: [] };

describe('enable map strategy_params', () => {
  it('round-trips, and is absent from the JSON when empty', () => {
    const map = enableMapFromJson({ cooldown_bars: 2, regimes, strategy_params: { 'sma-cross': { fast: 7, slow: 40 } } });
    expect(map.params).toEqual({ 'sma-cross': { fast: 7, slow: 40 } });
    expect(enableMapToJson(map).strategy_params).toEqual({ 'sma-cross': { fast: 7, slow: 40 } });
    expect(enableMapToJson(enableMapFromJson({ cooldown_bars: 2, regimes }))).not.toHaveProperty('strategy_params');
    expect(
      parseEnableMapYaml(
        'cooldown_bars: 0\nregimes: {BULL: [], BEAR: [], RANGE: [], HIGH_VOL: []}\nstrategy_params:\n  breakout: {period: 30}\n',
      ).params,
    ).toEqual({
      breakout: { period: 30 },
    });
  });

  it('refuses a parameter the strategy does not have, or an invalid set, naming the field', () => {
    for (const bad of [
      { 'sma-cross': { period: 3 } },
      { 'sma-cross': { fast: 50, slow: 10 } },
      { 'ml-classifier': { trees: 5 } },
      { nope: { a: 1 } },
    ]) {
      let caught: unknown;
      try {
        enableMapFromJson({ cooldown_bars: 0, regimes, strategy_params: bad });
      } catch (e) {
        caught = e;
      }
      expect(isConclaveError(caught, 'VALIDATION_ERROR'), JSON.stringify(bad)).toBe(true);
      expect(String((caught as Error).message)).toMatch(/strategy_params/);
    }
  });

  it('promoted() switches the strategy on in the named regimes only and records its parameters', () => {
    const map = promoted(DEFAULT_ENABLE_MAP, 'mean-reversion', { period: 30 }, ['BULL', 'HIGH_VOL']);
    expect(map.regimes.BULL).toEqual(['ml-classifier', 'sma-cross', 'breakout', 'mean-reversion']);
    expect(map.regimes.HIGH_VOL).toEqual(['mean-reversion']);
    expect(map.regimes.BEAR).toEqual(['ml-classifier']);
    expect(map.regimes.RANGE).toEqual(['mean-reversion', 'ml-classifier']);
    expect(map.params).toEqual({ 'mean-reversion': { period: 30 } });
  });
});

describe('ParamsFollowingStrategy', () => {
  it('uses the enable map parameters from the next decision on, and the built strategy without them', () => {
    let params: StrategyParams | undefined;
    const s = new ParamsFollowingStrategy(
      createStrategy('sma-cross'),
      () => params,
      (p) => createStrategy('sma-cross', p),
    );
    expect(s.params).toEqual({ fast: 10, slow: 50 });
    expect(s.warmup).toBe(50);
    params = { fast: 3, slow: 8 };
    expect(s.params).toEqual({ fast: 3, slow: 8 });
    expect(s.warmup).toBe(8);
    params = undefined;
    expect(s.warmup).toBe(50);
  });
});

describe('gate promotion beside research promotions', () => {
  it('conclave gate --promote adds its strategy and keeps the strategy_params already in the map', () => {
    const store = EnableMapStore.inMemory(promoted(DEFAULT_ENABLE_MAP, 'sma-cross', { fast: 5, slow: 30 }, ['BULL']));
    const log = join(mkdtempSync(join(tmpdir(), 'conclave-promote-')), 'promotions.jsonl');
    promote(store, { candidate: 'breakout', passed: true, criteria: [] }, ['RANGE'], log, 0);
    expect(store.current().regimes.RANGE).toContain('breakout');
    expect(store.current().params).toEqual({ 'sma-cross': { fast: 5, slow: 30 } });
  });
});
