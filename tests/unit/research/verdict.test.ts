import { describe, expect, it } from 'vitest';
import type { GateInput } from '../../../src/backtest/gates.js';
import { loadConfig } from '../../../src/config.js';
import { DEFAULT_RESEARCH_THRESHOLDS, researchThresholds, researchVerdict, verdictTable } from '../../../src/research/verdict.js';

const goodGate: GateInput = {
  candidate: 'sma-cross',
  profitFactorInSample: 1.6,
  profitFactorOutOfSample: 1.3,
  tradesInSample: 180,
  tradesOutOfSample: 60,
  maxDrawdown: 0.08,
  portfolioAvgMaxDrawdown: 0.1,
  correlation: 0.2,
  trades: 240,
};

describe('research verdict', () => {
  it('passes only when the gate, the deflated Sharpe and PBO all pass, listing every criterion with its value', () => {
    const v = researchVerdict({ gate: goodGate, dsr: 0.97, pbo: 0.2 });
    expect(v.verdict).toBe('PASSED');
    expect(v.criteria.map((c) => [c.name, c.value, c.op, c.passed])).toEqual([
      ['profit_factor_in_sample', 1.6, '>=', true],
      ['profit_factor_out_of_sample', 1.3, '>=', true],
      ['max_drawdown', 0.08, '<=', true],
      ['correlation_with_portfolio', 0.2, '<=', true],
      ['n_trades', 240, '>=', true],
      ['deflated_sharpe_ratio', 0.97, '>=', true],
      ['pbo', 0.2, '<', true],
    ]);
  });

  it('fails on each overfitting criterion alone, at its threshold boundary', () => {
    const failed = (dsr: number | null, pbo: number | null) =>
      researchVerdict({ gate: goodGate, dsr, pbo })
        .criteria.filter((c) => !c.passed)
        .map((c) => c.name);
    expect(failed(0.95, 0.49)).toEqual([]);
    expect(failed(0.9499, 0.2)).toEqual(['deflated_sharpe_ratio']);
    expect(failed(0.99, 0.5)).toEqual(['pbo']);
    expect(failed(null, null)).toEqual(['deflated_sharpe_ratio', 'pbo']);
    const v = researchVerdict({ gate: goodGate, dsr: null, pbo: 0.1, dsrNote: 'fewer than 2 completed trials' });
    expect(v.verdict).toBe('FAILED');
    expect(v.criteria.find((c) => c.name === 'deflated_sharpe_ratio')?.note).toBe('fewer than 2 completed trials');
  });

  it('reuses the gate: a gate failure fails the verdict with the gate criterion named', () => {
    const v = researchVerdict({ gate: { ...goodGate, trades: 150 }, dsr: 0.99, pbo: 0.1 });
    expect(v.verdict).toBe('FAILED');
    expect(v.criteria.filter((c) => !c.passed).map((c) => c.name)).toEqual(['n_trades']);
  });

  it('takes its thresholds from the settings RESEARCH_DSR_CONFIDENCE and RESEARCH_MAX_PBO', () => {
    const defaults = loadConfig({});
    expect(researchThresholds(defaults)).toEqual(DEFAULT_RESEARCH_THRESHOLDS);
    const strict = researchThresholds(loadConfig({ RESEARCH_DSR_CONFIDENCE: '0.99', RESEARCH_MAX_PBO: '0.1' }));
    expect(researchVerdict({ gate: goodGate, dsr: 0.97, pbo: 0.2 }, strict).verdict).toBe('FAILED');
    expect(() => loadConfig({ RESEARCH_MAX_PBO: '1.5' })).toThrow(/RESEARCH_MAX_PBO/);
    expect(() => loadConfig({ RESEARCH_DSR_CONFIDENCE: '0.3' })).toThrow(/RESEARCH_DSR_CONFIDENCE/);
  });

  it('renders every criterion in the Markdown table', () => {
    const table = verdictTable(researchVerdict({ gate: goodGate, dsr: 0.5, pbo: 0.7 }));
    expect(table).toContain('Verdict: FAILED');
    expect(table).toContain('| deflated_sharpe_ratio | 0.5000 | >= 0.9500 | FAIL |');
    expect(table).toContain('| pbo | 0.7000 | < 0.5000 | FAIL |');
  });
});
