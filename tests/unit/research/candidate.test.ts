import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import type { CampaignResult } from '../../../src/research/campaign.js';
import { campaignCandidate, candidateFromJson, candidateToJson, shadowBand } from '../../../src/research/candidate.js';
import type { Candidate } from '../../../src/research/types.js';

const candidate: Candidate = {
  campaignId: 'c1',
  strategy: 'sma-cross',
  params: { fast: 5, slow: 30, ATR_STOP_MULT: 2 },
  research: {
    sharpe: 0.1,
    sortino: 0.2,
    calmar: 1,
    profitFactor: null,
    trades: 210,
    netReturn: 0.3,
    maxDrawdown: 0.1,
    periods: 5000,
    annualisationFactor: 8766,
    skewness: -0.5,
    kurtosis: 5,
  },
  monteCarloBand: { returnP05: -0.02, returnP95: 0.08, maxDrawdownP95: 0.05 },
  verdict: {
    verdict: 'PASSED',
    criteria: [{ name: 'max_drawdown', value: 0.1, threshold: Number.NaN, op: '<=', passed: true, note: 'empty portfolio' }],
  },
};

describe('candidate JSON', () => {
  it('round-trips, NaN thresholds travelling as null', () => {
    const json = candidateToJson(candidate);
    expect(json.verdict.criteria[0]!.threshold).toBeNull();
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(candidateFromJson(json)).toEqual(candidate);
  });

  it('names the first bad field', () => {
    let caught: unknown;
    try {
      candidateFromJson({ ...candidateToJson(candidate), monte_carlo_band: { return_p05: 0 } });
    } catch (e) {
      caught = e;
    }
    expect(isConclaveError(caught, 'VALIDATION_ERROR')).toBe(true);
    expect((caught as Error).message).toMatch(/monte_carlo_band\.return_p95/);
  });
});

describe('shadow band', () => {
  it('with one trade per shadow period is the percentiles of the trades themselves', () => {
    // 100 trades of -0.05, -0.04, ..., +0.94 (step 0.01): 5th percentile near 0, 95th near 0.9, one-trade drawdown = its loss.
    const trades = Array.from({ length: 100 }, (_, i) => (i - 5) / 100);
    const band = shadowBand(trades, 1, 7, 20_000);
    expect(band.returnP05).toBeCloseTo(0, 1);
    expect(band.returnP95).toBeCloseTo(0.9, 1);
    expect(band.maxDrawdownP95).toBeLessThanOrEqual(0.05);
  });

  it('widens with more trades per period, is seeded, and needs trades', () => {
    const trades = [0.02, -0.01, 0.015, -0.012, 0.005];
    const few = shadowBand(trades, 2, 1);
    const many = shadowBand(trades, 40, 1);
    expect(many.returnP95 - many.returnP05).toBeGreaterThan(few.returnP95 - few.returnP05);
    expect(many.maxDrawdownP95).toBeGreaterThan(few.maxDrawdownP95);
    expect(shadowBand(trades, 40, 1)).toEqual(many);
    let caught: unknown;
    try {
      shadowBand([], 3, 1);
    } catch (e) {
      caught = e;
    }
    expect(isConclaveError(caught, 'INSUFFICIENT_DATA')).toBe(true);
  });
});

describe('campaignCandidate', () => {
  it('takes the newest window parameters, the OOS stats and verdict, and sizes the band to the shadow days', () => {
    const day = 86_400_000;
    // 60 OOS trades over 30 days of test spans: 2 a day, so a 1-day shadow draws 2 trades and a 15-day one 30.
    const trades = Array.from({ length: 60 }, (_, i) => ({ returnOnEquity: i % 3 === 0 ? -0.01 : 0.012 }));
    const result = {
      strategy: 'sma-cross',
      seed: 9,
      windows: [
        { testFromTime: 0, testToTime: 10 * day },
        { testFromTime: 10 * day, testToTime: 30 * day },
      ],
      oos: { trades, stats: candidate.research },
      candidate: { params: { fast: 5, slow: 30 } },
      verdict: candidate.verdict,
    } as unknown as CampaignResult;
    const short = campaignCandidate('camp', result, 1);
    const long = campaignCandidate('camp', result, 15);
    expect(short).toMatchObject({ campaignId: 'camp', strategy: 'sma-cross', params: { fast: 5, slow: 30 }, research: candidate.research });
    expect(short.verdict).toBe(candidate.verdict);
    const r = trades.map((t) => t.returnOnEquity);
    expect(short.monteCarloBand).toEqual(shadowBand(r, 2, 9));
    expect(long.monteCarloBand).toEqual(shadowBand(r, 30, 9));
  });
});
