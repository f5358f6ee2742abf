import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { CAMPAIGN_BATCH, type CampaignResult, runCampaign } from '../../src/research/campaign.js';
import { randomWalkMarket } from '../../src/research/synthetic.js';
import type { SearchSpace } from '../../src/strategies/search-space.js';

/**
 * A campaign's trials run in batches on the research threads (src/research/campaign.ts, CAMPAIGN_BATCH): the
 * trial table and the verdict are the same with RESEARCH_THREADS=1 (in-process) and with 2 worker threads.
 * Small on purpose: three batches of a TPE search with pruning over 1200 seeded bars.
 */
const space: SearchSpace = {
  params: {
    fast: { type: 'int', min: 2, max: 12, default: 3, doc: 'fast SMA period, bars' },
    slow: { type: 'int', min: 5, max: 60, default: 20, doc: 'slow SMA period, bars' },
  },
  invalid: (p) => (Number(p.fast) < Number(p.slow) ? null : 'fast must be smaller than slow'),
};
const candles = randomWalkMarket(11, { bars: 1200 });
const trials = 2 * CAMPAIGN_BATCH + 8;

async function campaign(threads: string): Promise<CampaignResult> {
  return runCampaign({
    series: [{ symbol: 'SYNUSDT', interval: '1h', candles }],
    config: loadConfig({ LOG_LEVEL: 'silent', RESEARCH_THREADS: threads }),
    strategy: 'sma-cross',
    space,
    search: 'tpe',
    trials,
    objective: 'sharpe',
    windows: 2,
    seed: 5,
  });
}

const table = (r: CampaignResult) => r.trials.map((t) => ({ ...t, returns: Array.from(t.returns) }));

describe('campaign trials on worker threads', { timeout: 60_000 }, () => {
  it('gives the same trial table, walk-forward windows and verdict on 1 thread and on 2 worker threads', async () => {
    const single = await campaign('1');
    const pooled = await campaign('2');
    expect(single.tried).toBe(trials);
    // The pruner and TPE's model both act after the first batch, so the batch rule is exercised.
    expect(single.pruned).toBeGreaterThan(0);
    expect(single.trials.filter((t) => t.status === 'ok').length).toBeGreaterThan(CAMPAIGN_BATCH);
    expect(table(pooled)).toEqual(table(single));
    expect(pooled.windows).toEqual(single.windows);
    expect(pooled.candidate).toEqual(single.candidate);
    expect(pooled.dsr).toEqual(single.dsr);
    expect(pooled.pbo).toEqual(single.pbo);
    expect(pooled.verdict).toEqual(single.verdict);
  });
});
