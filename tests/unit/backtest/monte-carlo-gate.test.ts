import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE, evaluateGate, type GateInput } from '../../../src/backtest/gates.js';
import { monteCarlo, percentile } from '../../../src/backtest/monte-carlo.js';

describe('monteCarlo', () => {
  const returns = [0.1, -0.05, 0.02, -0.1, 0.07];
  const product = returns.reduce((a, r) => a * (1 + r), 1) - 1;

  it('shuffle keeps the final return of every run (multiplication commutes) and varies the drawdown', () => {
    const r = monteCarlo(returns, { method: 'shuffle', runs: 500, seed: 7 });
    expect(r.finalReturn.percentiles.p5).toBeCloseTo(product, 12);
    expect(r.finalReturn.percentiles.p95).toBeCloseTo(product, 12);
    expect(r.maxDrawdown.percentiles.p95).toBeGreaterThan(r.maxDrawdown.percentiles.p5);
    // The worst order (all losses first after no gain) loses 1 - 0.95 * 0.9 = 14.5 %; no path can exceed it.
    expect(r.maxDrawdown.percentiles.p95).toBeLessThanOrEqual(0.145 + 1e-12);
  });

  it('bootstrap varies the final return; the same seed gives the same distribution', () => {
    const a = monteCarlo(returns, { method: 'bootstrap', runs: 1000, seed: 1 });
    const b = monteCarlo(returns, { method: 'bootstrap', runs: 1000, seed: 1 });
    expect(a).toEqual(b);
    expect(a.finalReturn.percentiles.p95).toBeGreaterThan(a.finalReturn.percentiles.p5);
    expect(a.probabilityOfLoss).toBeGreaterThan(0);
    expect(a.probabilityOfLoss).toBeLessThan(1);
  });

  it('percentile interpolates linearly like numpy', () => {
    const s = Float64Array.from([1, 2, 3, 4]);
    expect(percentile(s, 50)).toBe(2.5);
    expect(percentile(s, 25)).toBe(1.75);
    expect(percentile(s, 100)).toBe(4);
  });

  it('refuses an empty trade list', () => {
    expect(() => monteCarlo([], { method: 'bootstrap', runs: 10, seed: 1 })).toThrow(/at least one closed trade/);
  });
});

describe('champion/challenger gate', () => {
  const good: GateInput = {
    candidate: 'breakout',
    profitFactorInSample: 1.4,
    profitFactorOutOfSample: 1.2,
    tradesInSample: 150,
    tradesOutOfSample: 60,
    maxDrawdown: 0.2,
    portfolioAvgMaxDrawdown: 0.2,
    correlation: 0.1,
    trades: 210,
  };

  it('passes a candidate meeting every seed threshold and lists each criterion with its value', () => {
    const v = evaluateGate(good);
    expect(v.passed).toBe(true);
    expect(v.criteria.map((c) => [c.name, c.value])).toEqual([
      ['profit_factor_in_sample', 1.4],
      ['profit_factor_out_of_sample', 1.2],
      ['max_drawdown', 0.2],
      ['correlation_with_portfolio', 0.1],
      ['n_trades', 210],
    ]);
    expect(v.criteria.find((c) => c.name === 'max_drawdown')?.threshold).toBeCloseTo(0.26, 12);
  });

  it.each([
    ['profit_factor_in_sample', { profitFactorInSample: 1.29 }],
    ['profit_factor_out_of_sample', { profitFactorOutOfSample: 1.09 }],
    ['max_drawdown', { maxDrawdown: 0.2601 }],
    ['correlation_with_portfolio', { correlation: 0.41 }],
    ['n_trades', { trades: 199 }],
  ])('fails on %s alone', (name, change) => {
    const v = evaluateGate({ ...good, ...change });
    expect(v.passed).toBe(false);
    expect(v.criteria.filter((c) => !c.passed).map((c) => c.name)).toEqual([name]);
  });

  it('thresholds are configurable', () => {
    expect(evaluateGate({ ...good, trades: 50 }, { ...DEFAULT_GATE, minTrades: 50 }).passed).toBe(true);
  });
});
