import { describe, expect, it } from 'vitest';
import { CONFIG_FIELDS, loadConfig } from '../../../src/config.js';
import type { Candle } from '../../../src/domain/candle.js';
import type { CampaignResult, CampaignSpec } from '../../../src/research/campaign.js';
import type { CampaignRecord } from '../../../src/research/campaign-service.js';
import { ResearchSchedule, researchEveryMs } from '../../../src/research/research-schedule.js';
import { randomWalkMarket } from '../../../src/research/synthetic.js';
import type { Candidate } from '../../../src/research/types.js';
import { STRATEGY_NAMES } from '../../../src/strategies/registry.js';

const HOUR = 3_600_000;

/** A finished campaign's result with just what campaignCandidate reads. */
function result(verdict: 'PASSED' | 'FAILED'): CampaignResult {
  return {
    strategy: 'sma-cross',
    candidate: { params: { fast: 5, slow: 40 } },
    windows: [{ testFromTime: 0, testToTime: 30 * 86_400_000 }],
    oos: {
      trades: [{ returnOnEquity: 0.01 }, { returnOnEquity: -0.004 }, { returnOnEquity: 0.006 }],
      stats: { sharpe: 0.1, sortino: 0.1, calmar: 1, profitFactor: 1.5, trades: 3, netReturn: 0.012, maxDrawdown: 0.01, periods: 720 },
    },
    verdict: {
      verdict,
      criteria: [{ name: 'pbo', value: verdict === 'PASSED' ? 0.1 : 0.7, threshold: 0.5, op: '<', passed: verdict === 'PASSED' }],
    },
  } as unknown as CampaignResult;
}

function setup(stored: Record<string, Candle[]>, verdict: 'PASSED' | 'FAILED' = 'FAILED') {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    KLINE_INTERVAL: '1h',
    RESEARCH_TRIALS: '24',
    RESEARCH_WINDOWS: '3',
    RESEARCH_CANDLES: '500',
    RESEARCH_STRATEGY: 'breakout',
  });
  const specs: CampaignSpec[] = [];
  const proposed: Candidate[] = [];
  const logs: string[] = [];
  const schedule = new ResearchSchedule({
    config,
    campaigns: {
      start: (_user, spec, params, onResult) => {
        specs.push(spec);
        const record = { id: `c${specs.length}`, params } as unknown as CampaignRecord;
        onResult?.(record, result(verdict));
        return record;
      },
      idle: async () => {},
    },
    candles: {
      latestOpenTime: async (_v, symbol) => stored[symbol]?.at(-1)?.openTime ?? null,
      range: async (_v, symbol, _i, from, to) => (stored[symbol] ?? []).filter((c) => c.openTime >= from && c.openTime <= to),
    },
    symbols: async () => Object.keys(stored).concat('NEWUSDT'),
    venueOf: () => 'binance',
    challengers: { propose: (c) => proposed.push(c) },
    userId: 1,
    now: () => 0,
    log: { info: (_f, m) => logs.push(m), warn: (_f, m) => logs.push(m) },
  });
  return { schedule, specs, proposed, logs };
}

describe('the research agent schedule', () => {
  const candles = randomWalkMarket(3, { bars: 800, start: Date.UTC(2024, 0, 1) });

  it('queues one campaign per traded symbol over its newest RESEARCH_CANDLES stored candles, with the RESEARCH_* settings', async () => {
    const { schedule, specs } = setup({ BTCUSDT: candles, ETHUSDT: candles.slice(0, 100) });
    const round = await schedule.runRound();
    expect(round).toEqual([
      { symbol: 'BTCUSDT', started: 'c1' },
      { symbol: 'ETHUSDT', skipped: '100 stored candles, fewer than 150 for 3 windows' },
      { symbol: 'NEWUSDT', skipped: 'no stored 1h candles on binance (conclave data download stores them)' },
    ]);
    const spec = specs[0];
    expect(spec).toMatchObject({ strategy: 'breakout', search: 'tpe', trials: 24, windows: 3, objective: 'sharpe' });
    expect(spec.config.PROTOCOL).toBe('pipeline');
    const used = spec.series?.[0].candles ?? [];
    expect(used).toHaveLength(500);
    expect(used.at(-1)).toEqual(candles.at(-1));
    expect(used[0].openTime).toBe(candles.at(-1)!.openTime - 499 * HOUR);
  });

  it('proposes a PASSED candidate as a challenger, and nothing for a FAILED one', async () => {
    const passed = setup({ BTCUSDT: candles }, 'PASSED');
    await passed.schedule.runRound();
    expect(passed.proposed.map((c) => [c.campaignId, c.strategy, c.params])).toEqual([['c1', 'sma-cross', { fast: 5, slow: 40 }]]);
    const failed = setup({ BTCUSDT: candles }, 'FAILED');
    await failed.schedule.runRound();
    expect(failed.proposed).toEqual([]);
    expect(failed.logs).toContain('research: scheduled campaign FAILED; nothing proposed');
  });

  it('reads RESEARCH_SCHEDULE as a duration; empty is off; RESEARCH_STRATEGY names a registered strategy', () => {
    expect(researchEveryMs('')).toBeNull();
    expect(researchEveryMs('12h')).toBe(12 * HOUR);
    expect(researchEveryMs('1d')).toBe(24 * HOUR);
    expect(() => loadConfig({ RESEARCH_SCHEDULE: 'nightly' })).toThrow(/RESEARCH_SCHEDULE/);
    expect(() => loadConfig({ RESEARCH_SCHEDULE: '0h' })).toThrow(/RESEARCH_SCHEDULE/);
    expect(() => loadConfig({ RESEARCH_STRATEGY: 'moon' })).toThrow(/RESEARCH_STRATEGY/);
    const enumValues = (CONFIG_FIELDS.RESEARCH_STRATEGY.schema as unknown as { options: string[] }).options;
    expect([...enumValues].sort()).toEqual([...STRATEGY_NAMES].sort());
  });
});
