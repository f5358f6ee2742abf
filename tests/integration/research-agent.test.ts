import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignService } from '../../src/research/campaign-service.js';
import { randomWalkMarket } from '../../src/research/synthetic.js';
import { researchAgent } from '../../src/server.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';

const NOW = Date.UTC(2024, 5, 1);

/**
 * The research agent as serve wires it (researchAgent, the function buildServer starts on RESEARCH_SCHEDULE):
 * the local user's traded symbol, its stored candles on the venue that serves it, the campaign service and the
 * challenger desk of the running runtime.
 */
describe('research agent on the production wiring', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      {
        MARKET_SOURCE: 'synthetic',
        DEFAULT_SYMBOL: 'BTCUSDT',
        KLINE_INTERVAL: '1h',
        TRAINING_CANDLES: '300',
        RESEARCH_TRIALS: '8',
        RESEARCH_WINDOWS: '2',
        RESEARCH_CANDLES: '600',
        RESEARCH_THREADS: '1',
      },
      { now: NOW },
    );
  }, 120_000);
  afterAll(async () => server?.close());

  it('runs a scheduled round over the stored candles of the traded symbol; the campaign is the local user’s, with its report', async () => {
    const { runtime } = server;
    const candles = randomWalkMarket(5, { bars: 700, start: NOW - 700 * 3_600_000 });
    await runtime.store.candles.upsertMany(runtime.source.venue, 'BTCUSDT', '1h', candles);
    const campaigns = new CampaignService({ reportsDir: runtime.config.REPORTS_DIR, now: () => runtime.clock.now() });
    const round = await researchAgent(runtime, campaigns).runRound();
    expect(round).toHaveLength(1);
    expect(round[0]).toMatchObject({ symbol: 'BTCUSDT' });
    const id = (round[0] as { started: string }).started;
    await campaigns.idle();
    const record = campaigns.get(1, id);
    expect(record.status).toBe('completed');
    expect(record.params).toMatchObject({ scheduled: true, symbol: 'BTCUSDT', strategy: 'sma-cross', candles: 600 });
    expect(existsSync(join(record.reportDir ?? '', 'summary.md'))).toBe(true);
    // A PASSED verdict becomes a challenger; a FAILED one (the usual on a random walk) proposes nothing.
    const verdict = (record.result as { verdict: { verdict: string } }).verdict.verdict;
    expect(runtime.challengers.list()).toHaveLength(verdict === 'PASSED' ? 1 : 0);
  }, 300_000);
});
