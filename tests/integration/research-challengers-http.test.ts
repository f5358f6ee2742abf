import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { intervalMs } from '../../src/domain/candle.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

const candidate = (verdict: 'PASSED' | 'FAILED') => ({
  campaign_id: 'camp-http',
  strategy: 'sma-cross',
  params: { fast: 3, slow: 10 },
  research: {
    sharpe: 0.08,
    sortino: 0.1,
    calmar: 1.5,
    profit_factor: 1.5,
    trades: 230,
    net_return: 0.2,
    max_drawdown: 0.1,
    periods: 8000,
    annualisation_factor: 8766,
    skewness: 0,
    kurtosis: 3,
  },
  monte_carlo_band: { return_p05: -0.5, return_p95: 0.5, max_drawdown_p95: 0.5 },
  verdict: {
    verdict,
    criteria: [{ name: 'pbo', value: verdict === 'PASSED' ? 0.2 : 0.8, threshold: 0.5, op: '<', passed: verdict === 'PASSED' }],
  },
});

interface Challenger {
  id: string;
  status: string;
  cycles: number;
  account_id: number;
  champion_return: number | null;
  reason: string | null;
}

/** POST/GET /api/research/challengers and the research.* events on /ws, through the real server. */
describe('challengers over HTTP and /ws', () => {
  let fake: RunningFake;
  let server: TestServer;
  const model = new ScriptedModel();

  beforeAll(async () => {
    fake = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    fake.control.advance(-20);
    // Judged after the first shadow cycle: 0.01 days is less than the hour each step moves the clock.
    server = await startTestServer(
      { BINANCE_BASE_URL: fake.url, KLINE_INTERVAL: '1h', RESEARCH_CHALLENGER_DAYS: '0.01' },
      { now: fake.control.now(), model },
    );
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('refuses a FAILED candidate, starts a PASSED one, shadows the house cycle, judges it, and says so on /ws', async () => {
    const events: Array<{ type: string; data: { challenger: Challenger | null } }> = [];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    ws.on('message', (raw) => events.push(JSON.parse(String(raw))));
    await new Promise((resolve) => ws.once('open', resolve));
    try {
      const post = (body: unknown) =>
        fetch(`${server.url}/api/research/challengers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const failed = await post(candidate('FAILED'));
      expect(failed.status).toBe(422);
      expect(((await failed.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
      expect((await post({ ...candidate('PASSED'), params: { fast: 3, period: 9 } })).status).toBe(422);

      const created = await post(candidate('PASSED'));
      expect(created.status).toBe(201);
      const started = (await created.json()) as Challenger;
      expect(started).toMatchObject({ id: 'ch-1', status: 'shadow', cycles: 0, champion_return: null });
      expect(started.account_id).toBeGreaterThan(1_000_000);

      fake.control.advance(1);
      server.clock.advance(intervalMs('1h'));
      model.next = 'BUY';
      expect((await fetch(`${server.url}/trading/run-cycle?symbol=BTCUSDT`, { method: 'POST' })).status).toBe(200);

      const list = async () =>
        ((await (await fetch(`${server.url}/api/research/challengers`)).json()) as { challengers: Challenger[] }).challengers;
      await expect.poll(async () => (await list())[0]?.status, { timeout: 10_000 }).not.toBe('shadow');
      const [judged] = await list();
      expect(judged!.cycles).toBe(1);
      expect(judged!.champion_return).not.toBeNull();
      expect(judged!.reason).toBeTruthy();
      const verdictType = judged!.status === 'promoted' ? 'research.strategy_promoted' : 'research.strategy_retired';
      await expect
        .poll(() => events.map((e) => e.type).filter((t) => t.startsWith('research.')), { timeout: 5000 })
        .toEqual(['research.candidate_proposed', 'research.challenger_started', verdictType]);
      expect(events.find((e) => e.type === verdictType)?.data.challenger).toMatchObject({ id: 'ch-1', status: judged!.status });
    } finally {
      ws.close();
    }
  }, 60_000);
});
