import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeedCycleResponse } from '../../src/api/schemas.js';
import { US_EQUITIES } from '../../src/domain/trading-calendar.js';
import { LOCAL_USER_ID } from '../../src/engine/trading-engine.js';
import { columnsToCandles } from '../../src/market/csv-candles.js';
import { latestFeatures } from '../../src/ml/features.js';
import type { ForestModel } from '../../src/ml/model.js';
import { embeddedScheduler } from '../../src/startup/scheduler.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { readStockCsv, startFakeYahoo } from '../fakes/fake-yahoo.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { sharedData } from '../helpers/shared-data.js';

const FRI_OPEN = Date.parse('2021-03-26T15:00:00Z'); // inside 09:30-16:00 New York (the fake's 14:30-21:00 UTC)
const SATURDAY = Date.parse('2021-03-27T15:00:00Z');
const MON_NIGHT = Date.parse('2021-03-29T22:00:00Z');
const TUE_OPEN = Date.parse('2021-03-30T15:00:00Z');

/**
 * MARKET_SOURCE=yahoo DEFAULT_SYMBOL=AAPL KLINE_INTERVAL=1d, the composition `conclave cycle` uses, against the
 * Yahoo fake serving AAPL's real daily bars: the model is trained on AAPL itself, its features read weekends
 * and holidays as the calendar, and cycles run only inside the regular session.
 */
describe('a stock trades on its own model, in its session (Yahoo fake, AAPL 1d)', () => {
  let yahoo: RunningFake;
  let server: TestServer;
  const run = async () => {
    const res = await fetch(`${server.url}/trading/run-cycle?symbol=AAPL`, { method: 'POST' });
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the answer by path
    return { status: res.status, body: (await res.json()) as any };
  };
  const at = (ms: number) => {
    server.clock.set(ms);
    yahoo.control.setNow(ms);
  };

  beforeAll(async () => {
    yahoo = await startFakeYahoo({ symbols: ['AAPL'], now: FRI_OPEN });
    server = await startTestServer(
      { MARKET_SOURCE: 'yahoo', YAHOO_BASE_URL: yahoo.url, DEFAULT_SYMBOL: 'AAPL', KLINE_INTERVAL: '1d', TRAINING_CANDLES: '1500' },
      { now: FRI_OPEN },
    );
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await yahoo?.close();
  });

  it('trains the model on AAPL daily bars (weekends are no holes) and decides from its features', async () => {
    const model = server.runtime.model.current as ForestModel;
    expect(model.trainedOn).toMatchObject({ symbol: 'AAPL', interval: '1d' });
    const r = await run();
    expect(r.status).toBe(200);
    const cycle = SeedCycleResponse.parse(r.body);
    expect(cycle.market_data).toMatchObject({ symbol: 'AAPL', source: 'yahoo' });
    expect(cycle.decision.model_version).toBe(model.version);
    expect(cycle.decision.reason).not.toMatch(/Not enough closed candles/);
    // The same features from the raw recording, on the exchange calendar, give the same prediction.
    const candles = columnsToCandles(readStockCsv(sharedData('stocks', 'AAPL_1d.csv'))).filter((c) => c.closeTime <= FRI_OPEN);
    const features = latestFeatures(candles.slice(-server.config.KLINE_LIMIT), { calendar: US_EQUITIES });
    expect(features).not.toBeNull();
    const expected = model.predictAction(features!);
    expect(cycle.decision.confidence).toBeCloseTo(expected.confidence, 12);
    expect(['BUY', 'SELL', 'HOLD']).toContain(cycle.decision.action);
  });

  it.each([
    ['on a Saturday', SATURDAY],
    ['at night', MON_NIGHT],
  ])('refuses a cycle %s with 409 MARKET_CLOSED and stores nothing', async (_when, ms) => {
    const total = async () => Object.values(await server.runtime.store.cycles.countByStatus()).reduce((a, b) => a + b, 0);
    const before = await total();
    expect(before).toBeGreaterThan(0);
    at(ms);
    const latest = (await (await fetch(`${server.url}/trading/market/latest?symbol=AAPL`)).json()) as { market: unknown };
    expect(latest.market).toMatchObject({ status: 'closed' });
    const r = await run();
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('MARKET_CLOSED');
    expect(r.body.error.message).toMatch(/market closed for AAPL/);
    expect(await total()).toBe(before);
  });

  it('trades again when the next session opens', async () => {
    at(TUE_OPEN);
    const r = await run();
    expect(r.status).toBe(200);
    expect(SeedCycleResponse.parse(r.body).market_data.symbol).toBe('AAPL');
    const latest = (await (await fetch(`${server.url}/trading/market/latest?symbol=AAPL`)).json()) as { market: unknown };
    expect(latest.market).toEqual({ status: 'open', session_start: '2021-03-30T14:30:00Z', session_end: '2021-03-30T21:00:00Z' });
  });

  it('the embedded schedule runs the daily AAPL cycle inside the session (14:35 UTC), not at the 00:00 UTC close', async () => {
    const results: string[] = [];
    const scheduler = embeddedScheduler(server.runtime, { onCycle: (result, info) => results.push(`${result}:${info.symbol}`) });
    try {
      at(Date.parse('2021-03-31T00:00:02Z')); // Tuesday's bar closed; the exchange is shut
      await scheduler.start(LOCAL_USER_ID, '1d', { chosen: true });
      await scheduler.tick();
      expect(results).toEqual(['market_closed:AAPL']);
      at(Date.parse('2021-03-31T14:35:02Z'));
      await scheduler.tick();
      expect(results).toEqual(['market_closed:AAPL', 'ok:AAPL']);
      at(Date.parse('2021-04-01T00:00:02Z')); // the next 00:00 close runs nothing for a stock
      await scheduler.tick();
      expect(results).toHaveLength(2);
    } finally {
      await scheduler.close();
    }
  });
});
