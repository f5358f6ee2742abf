import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SeedCycleResponse } from '../../src/api/schemas.js';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';
import { sharedData } from '../helpers/shared-data.js';

/** Independent reference: plain loops over the served closes, not the indicator module. */
function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
function wilderRsi(closes: number[], period: number): number {
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const d = closes[i] - closes[i - 1];
    gain += Math.max(d, 0);
    loss += Math.max(-d, 0);
  }
  gain /= period;
  loss /= period;
  for (let i = period + 1; i < closes.length; i++) {
    const d = closes[i] - closes[i - 1];
    gain = (gain * (period - 1) + Math.max(d, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-d, 0)) / period;
  }
  return loss === 0 ? 100 : 100 - 100 / (1 + gain / loss);
}

describe('seed contract through the real HTTP server and a fake Binance', () => {
  let fake: RunningFake;
  let server: TestServer;
  const model = new ScriptedModel();
  const candles = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));

  beforeAll(async () => {
    fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    server = await startTestServer({ BINANCE_BASE_URL: fake.url, KLINE_INTERVAL: '1h' }, { now: fake.control.now(), model });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.control.reset();
  });

  /** The fields these tests read from the various bodies. */
  interface Json {
    error: { code: string; message: string; details?: Record<string, unknown> };
    symbol: string;
    price: number;
    paths: Record<string, unknown>;
    components: { store: { status: string } };
  }
  const json = async (res: Response): Promise<Json> => (await res.json()) as Json;
  const post = (path: string) => fetch(`${server.url}${path}`, { method: 'POST' });
  const get = (path: string) => fetch(`${server.url}${path}`);
  const trades = async () => (await (await get('/trading/trades?limit=100')).json()) as Array<Record<string, unknown>>;

  it('runs a cycle and answers the seed JSON with indicators equal to an independent computation', async () => {
    model.next = 'HOLD';
    const res = await post('/trading/run-cycle?symbol=BTCUSDT');
    expect(res.status).toBe(200);
    const body = SeedCycleResponse.parse(await json(res));
    expect(Number.isInteger(body.cycle_id)).toBe(true);
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(body.execution.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const now = fake.control.now();
    const closed = candles.filter((c) => c.closeTime <= now).slice(-100);
    const closes = closed.map((c) => c.close);
    expect(body.market_data.symbol).toBe('BTCUSDT');
    expect(body.market_data.source).toBe('binance');
    expect(body.market_data.price).toBe(closes[closes.length - 1]);
    expect(body.market_data.indicators.sma_10).toBeCloseTo(mean(closes.slice(-10)), 8);
    expect(body.market_data.indicators.sma_50).toBeCloseTo(mean(closes.slice(-50)), 8);
    expect(body.market_data.indicators.rsi_14).toBeCloseTo(wilderRsi(closes, 14), 8);
    expect(body.decision).toMatchObject({ action: 'HOLD', confidence: 0.8, model_version: 'scripted-v1' });
    expect(body.execution).toMatchObject({ executed: false, status: 'SKIPPED', order_id: null, execution_price: null });
    expect(body.logs.market_agent).toContain('Received live price');
    expect(body.logs.decision_agent).toBe('Model predicted HOLD with 0.80 confidence');
  });

  it('stores a trade for BUY and SELL and none for HOLD, newest first', async () => {
    const before = (await trades()).length;
    model.next = 'HOLD';
    await post('/trading/run-cycle');
    expect((await trades()).length).toBe(before);

    model.next = 'BUY';
    const buy = SeedCycleResponse.parse(await (await post('/trading/run-cycle?symbol=BTCUSDT')).json());
    expect(buy.execution.status).toBe('FILLED');
    expect(buy.execution.executed).toBe(true);
    expect(buy.execution.order_id).toMatch(/^ORD-\d{8}-\d{6}-1$/);
    // 5 bps slippage against the buyer
    expect(buy.execution.execution_price).toBeCloseTo(buy.market_data.price * 1.0005, 6);

    model.next = 'SELL';
    const sell = SeedCycleResponse.parse(await (await post('/trading/run-cycle?symbol=BTCUSDT')).json());
    expect(sell.execution.status).toBe('FILLED');
    expect(sell.execution.quantity).toBe(buy.execution.quantity);

    const list = await trades();
    expect(list.length).toBe(before + 2);
    expect(list[0]).toMatchObject({
      order_id: sell.execution.order_id,
      action: 'SELL',
      status: 'FILLED',
      cycle_id: sell.cycle_id,
      model_version: 'scripted-v1',
    });
    expect(list[1]).toMatchObject({ order_id: buy.execution.order_id, action: 'BUY', status: 'FILLED', cycle_id: buy.cycle_id });
  });

  it('rejects a SELL with nothing held (spot, long-only) and says why', async () => {
    model.next = 'SELL';
    const body = SeedCycleResponse.parse(await (await post('/trading/run-cycle?symbol=ETHUSDT')).json());
    expect(body.execution.status).toBe('REJECTED');
    expect(body.execution.executed).toBe(false);
    expect(body.execution.reason).toMatch(/^NO_POSITION/);
    const [latest] = await trades();
    expect(latest).toMatchObject({ symbol: 'ETHUSDT', status: 'REJECTED', action: 'SELL' });
  });

  it('limits /trading/trades to 1..100 and names the field on bad input', async () => {
    expect(((await get('/trading/trades?limit=1').then((r) => r.json())) as unknown[]).length).toBe(1);
    for (const bad of ['0', '101', 'ten']) {
      const res = await get(`/trading/trades?limit=${bad}`);
      expect(res.status).toBe(422);
      const body = await json(res);
      expect(body.error.code).toBe('VALIDATION_ERROR');
      expect(body.error.message).toContain('limit');
    }
  });

  it('answers latest market data', async () => {
    const res = await get('/trading/market/latest?symbol=btc');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.symbol).toBe('BTCUSDT');
    expect(body.price).toBe(candles.filter((c) => c.closeTime <= fake.control.now()).at(-1)?.close);
  });

  describe('error paths store nothing', () => {
    const counts = async () => ({
      trades: (await trades()).length,
      cycles: Object.values(await server.runtime.store.cycles.countByStatus()).reduce((a, b) => a + b, 0),
    });

    it('unknown symbol -> 404 UNKNOWN_SYMBOL', async () => {
      const before = await counts();
      const res = await post('/trading/run-cycle?symbol=NOPEUSDT');
      expect(res.status).toBe(404);
      expect((await json(res)).error.code).toBe('UNKNOWN_SYMBOL');
      expect(await counts()).toEqual(before);
    });

    it('bad symbol characters -> 422 naming the field', async () => {
      const res = await post('/trading/run-cycle?symbol=BTC%2FUSDT!');
      expect(res.status).toBe(422);
      expect((await json(res)).error.message).toContain('symbol');
    });

    it('venue answering 5xx past the retries -> 503 MARKET_DATA_UNAVAILABLE', async () => {
      model.next = 'BUY';
      const before = await counts();
      fake.control.failNext(10, 502);
      const res = await post('/trading/run-cycle');
      expect(res.status).toBe(503);
      expect((await json(res)).error.code).toBe('MARKET_DATA_UNAVAILABLE');
      fake.control.reset();
      expect(await counts()).toEqual(before);
    });

    it('venue timing out -> 503 MARKET_DATA_UNAVAILABLE', async () => {
      const before = await counts();
      fake.control.hangNext(10);
      const res = await post('/trading/run-cycle');
      expect(res.status).toBe(503);
      const body = await json(res);
      expect(body.error.code).toBe('MARKET_DATA_UNAVAILABLE');
      expect(body.error.message).toContain('timed out');
      fake.control.reset();
      expect(await counts()).toEqual(before);
    });

    it('venue rate limiting with a Retry-After past the deadline -> 503 MARKET_DATA_UNAVAILABLE at once, saying the wait', async () => {
      const before = await counts();
      fake.control.rateLimitNext(4, 120);
      const started = performance.now();
      const res = await post('/trading/run-cycle');
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(res.status).toBe(503);
      const body = await json(res);
      expect(body.error.code).toBe('MARKET_DATA_UNAVAILABLE');
      expect(body.error.details).toMatchObject({ reason: 'RETRY_AFTER_BEYOND_DEADLINE', retry_after_ms: 120_000 });
      fake.control.reset();
      expect(await counts()).toEqual(before);
    });

    it('malformed venue body -> 502 MARKET_DATA_INVALID', async () => {
      const before = await counts();
      fake.control.malformedNext(4, 'shape');
      const res = await post('/trading/run-cycle');
      expect(res.status).toBe(502);
      expect((await json(res)).error.code).toBe('MARKET_DATA_INVALID');
      expect(await counts()).toEqual(before);
    });

    it('IP ban (418) -> 503 VENUE_BANNED without retrying', async () => {
      fake.control.banNext(300);
      const res = await post('/trading/run-cycle');
      expect(res.status).toBe(503);
      expect((await json(res)).error.code).toBe('VENUE_BANNED');
    });
  });

  it('serves Swagger UI at /docs, the OpenAPI document and /health', async () => {
    const docs = await get('/docs/');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    const spec = await json(await get('/openapi.json'));
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/trading/run-cycle', '/trading/trades', '/trading/market/latest', '/health']),
    );
    // The fault tests above failed cycles on market data; one good cycle brings the feed back.
    expect((await post('/trading/run-cycle')).status).toBe(200);
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect((await json(health)).components.store.status).toBe('ok');
  });

  it('an unknown route answers the error envelope', async () => {
    const res = await get('/nope');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('NOT_FOUND');
  });
});
