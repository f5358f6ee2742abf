import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

interface HealthBody {
  status: string;
  components: { market_feed: { status: string; details: { consecutive_failures: number; last_error: string | null } } };
}

/** /health follows the feed's recent cycles; POST routes whose fields are all optional take an empty body. */
describe('health and input through the real server', () => {
  let fake: RunningFake;
  let server: PlatformServer;

  beforeAll(async () => {
    fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    server = await startPlatformServer(
      {
        BINANCE_BASE_URL: fake.url,
        KLINE_INTERVAL: '1h',
        HEALTH_FEED_FAILURES: '2',
        // Every cycle asks the venue, so a fault switch hits the very next cycle.
        MARKET_CACHE_TTL_MS: '0',
        SCAN_SYMBOLS: 'BTCUSDT',
        SCAN_TIMEFRAMES: '1h',
        SCAN_SIGNAL_TIMEFRAME: '1h',
        SCAN_CANDLES: '200',
      },
      { now: fake.control.now(), model: new ScriptedModel() },
    );
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });
  beforeEach(() => fake.control.reset());

  const health = async () => {
    const res = await fetch(`${server.url}/health`);
    return { status: res.status, body: (await res.json()) as HealthBody };
  };
  const runCycle = () => fetch(`${server.url}/trading/run-cycle?symbol=BTCUSDT`, { method: 'POST' });

  it('answers 503 once the market feed failed HEALTH_FEED_FAILURES cycles in a row, and 200 after a good one', async () => {
    expect((await runCycle()).status).toBe(200);
    expect((await health()).status).toBe(200);

    // Every venue request fails (retries included) until reset.
    fake.control.failNext(1000, 502);
    expect((await runCycle()).status).toBe(503);
    const one = await health();
    expect(one.status).toBe(200);
    expect(one.body.components.market_feed.details.consecutive_failures).toBe(1);

    expect((await runCycle()).status).toBe(503);
    const two = await health();
    expect(two.status).toBe(503);
    expect(two.body.status).toBe('down');
    expect(two.body.components.market_feed.status).toBe('down');
    expect(two.body.components.market_feed.details.last_error).toMatch(/^MARKET_DATA_UNAVAILABLE/);

    fake.control.reset();
    expect((await runCycle()).status).toBe(200);
    const back = await health();
    expect(back.status).toBe(200);
    expect(back.body.components.market_feed.details.consecutive_failures).toBe(0);
  });

  it('an unknown symbol does not count against the feed', async () => {
    for (let i = 0; i < 3; i++)
      expect((await fetch(`${server.url}/trading/run-cycle?symbol=NOPEUSDT`, { method: 'POST' })).status).toBe(404);
    expect((await health()).status).toBe(200);
  });

  it.each([
    ['POST /api/market-data/refresh', '/api/market-data/refresh'],
    ['POST /api/scanner/run', '/api/scanner/run'],
    ['POST /api/risk/halt', '/api/risk/halt'],
  ])('%s accepts no body, and an empty body sent as JSON', async (_name, path) => {
    const bare = await fetch(`${server.url}${path}`, { method: 'POST' });
    expect(bare.status, await bare.clone().text()).toBe(200);
    const emptyJson = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(emptyJson.status, await emptyJson.clone().text()).toBe(200);
  });

  it('a route with a required field names it when the body is missing', async () => {
    const res = await fetch(`${server.url}/api/agents/market-monitor`, { method: 'POST' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; details: { field: string } } };
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.details.field).toBe('body.action');
  });

  it('malformed JSON is still refused', async () => {
    const res = await fetch(`${server.url}/api/market-data/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"symbols":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });
});
