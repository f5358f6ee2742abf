import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeedCycleResponse } from '../../src/api/schemas.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startFakeYahoo } from '../fakes/fake-yahoo.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';
import { sharedData } from '../helpers/shared-data.js';

/** With a crypto venue configured, a stock symbol's cycle reads Yahoo and says so; crypto still reads Binance. */
describe('engine routes symbols to their venue', () => {
  let binance: RunningFake;
  let yahoo: RunningFake;
  let server: TestServer;

  beforeAll(async () => {
    // Spot has no daily file; the USD-M daily series stands in (only the routing is under test).
    // A Tuesday inside AAPL's session (stock cycles run only while the market is open), within both recordings.
    const now = Date.parse('2021-03-30T15:00:00Z');
    binance = await startFakeBinance({ files: { BTCUSDT: { '1d': sharedData('klines', 'binance-usdm', 'BTCUSDT_1d.csv') } }, now });
    yahoo = await startFakeYahoo({ symbols: ['AAPL'], now });
    server = await startTestServer(
      { BINANCE_BASE_URL: binance.url, YAHOO_BASE_URL: yahoo.url, KLINE_INTERVAL: '1d' },
      { now, model: new ScriptedModel() },
    );
  });
  afterAll(async () => {
    await server?.close();
    await yahoo?.close();
    await binance?.close();
  });

  it('AAPL goes to Yahoo, BTC to Binance', async () => {
    const stock = SeedCycleResponse.parse(await (await fetch(`${server.url}/trading/run-cycle?symbol=AAPL`, { method: 'POST' })).json());
    expect(stock.market_data).toMatchObject({ symbol: 'AAPL', source: 'yahoo' });
    expect(yahoo.control.requests('/v8/finance/chart/AAPL')).toBeGreaterThan(0);
    const crypto = SeedCycleResponse.parse(await (await fetch(`${server.url}/trading/run-cycle?symbol=btc`, { method: 'POST' })).json());
    expect(crypto.market_data).toMatchObject({ symbol: 'BTCUSDT', source: 'binance' });
  });
});
