import { describe, expect, it } from 'vitest';
import { createSampler, MedianPruner } from '../../../src/research/search/index.js';
import type { Sampler } from '../../../src/research/search/sampler.js';
import { campaignSpace, type ParamSet, type SearchSpace, STRATEGY_SPACES } from '../../../src/strategies/search-space.js';

const take = (s: Sampler, n: number, score?: (p: ParamSet) => number): ParamSet[] => {
  const out: ParamSet[] = [];
  for (let i = 0; i < n; i++) {
    const p = s.next();
    if (!p) break;
    out.push(p);
    s.tell(p, score ? score(p) : null);
  }
  return out;
};

describe('grid search', () => {
  const space: SearchSpace = {
    params: {
      fast: { type: 'int', min: 2, max: 6, step: 2, default: 2, doc: '' },
      slow: { type: 'int', min: 4, max: 8, step: 2, default: 8, doc: '' },
    },
    invalid: (p) => (Number(p.fast) < Number(p.slow) ? null : 'fast >= slow'),
  };
  it('enumerates the product of the grid points minus the invalid sets (by hand: 3 x 3 = 9, 3 invalid)', () => {
    const got = take(createSampler('grid', space, 100, 1), 100);
    // fast in {2,4,6}, slow in {4,6,8}: invalid are (4,4), (6,4), (6,6)
    expect(got).toEqual([
      { fast: 2, slow: 4 },
      { fast: 2, slow: 6 },
      { fast: 2, slow: 8 },
      { fast: 4, slow: 6 },
      { fast: 4, slow: 8 },
      { fast: 6, slow: 8 },
    ]);
  });
  it('with fewer trials than points it spans the grid evenly', () => {
    const got = take(createSampler('grid', space, 3, 1), 100);
    expect(got).toEqual([
      { fast: 2, slow: 4 },
      { fast: 2, slow: 8 },
      { fast: 4, slow: 8 },
    ]);
  });
});

describe('random search', () => {
  const space = campaignSpace('mean-reversion', ['ATR_STOP_MULT', 'SIZING_MODE']);
  it('is deterministic for a seed, differs across seeds, and draws only valid sets inside the ranges', () => {
    const a = take(createSampler('random', space, 50, 7), 50);
    const b = take(createSampler('random', space, 50, 7), 50);
    const c = take(createSampler('random', space, 50, 8), 50);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const p of a) {
      expect(Number(p.oversold)).toBeLessThan(Number(p.overbought));
      expect(Number(p.period)).toBeGreaterThanOrEqual(5);
      expect(Number(p.period)).toBeLessThanOrEqual(100);
      expect(Number.isInteger(p.period)).toBe(true);
      expect(['fixed', 'risk']).toContain(p.SIZING_MODE);
    }
    expect(new Set(a.map((p) => JSON.stringify(p))).size).toBe(50);
  });
});

describe('TPE', () => {
  // A smooth objective with its peak at fast = 20, slow = 120.
  const score = (p: ParamSet) => -(((Number(p.fast) - 20) / 48) ** 2) - ((Number(p.slow) - 120) / 190) ** 2;
  const space = STRATEGY_SPACES['sma-cross'];
  it('is deterministic for a seed and the same scores', () => {
    expect(take(createSampler('tpe', space, 60, 3), 60, score)).toEqual(take(createSampler('tpe', space, 60, 3), 60, score));
  });
  it('concentrates its later proposals near the optimum, closer than random search does (5 seeds)', () => {
    let tpe = 0;
    let rnd = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const t = take(createSampler('tpe', space, 80, seed), 80, score).slice(40);
      const r = take(createSampler('random', space, 80, seed), 80, score).slice(40);
      tpe += t.reduce((a, p) => a - score(p), 0) / t.length;
      rnd += r.reduce((a, p) => a - score(p), 0) / r.length;
    }
    expect(tpe).toBeLessThan(rnd / 2);
  });
});

describe('median pruner', () => {
  it('prunes below the median of the finished trials at a checkpoint, only once enough finished there', () => {
    const p = new MedianPruner(3);
    p.record(new Map([[0, 1]]));
    p.record(new Map([[0, 2]]));
    expect(p.shouldPrune(0, -5)).toBe(false);
    p.record(new Map([[0, 3]]));
    expect(p.shouldPrune(0, 1.9)).toBe(true);
    expect(p.shouldPrune(0, 2)).toBe(false);
    expect(p.shouldPrune(1, -5)).toBe(false);
  });
});

describe('quartile pruner (campaigns)', () => {
  it('prunes only below the lower quartile (by hand: 1,2,3,4,5 -> q25 = 2)', () => {
    const p = new MedianPruner(5, 0.25);
    for (const v of [1, 2, 3, 4, 5]) p.record(new Map([[0, v]]));
    expect(p.shouldPrune(0, 1.99)).toBe(true);
    expect(p.shouldPrune(0, 2)).toBe(false);
  });
});
