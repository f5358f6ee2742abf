import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadCandles } from '../../src/backtest/candle-download.js';
import { BinanceMarketDataClient } from '../../src/market/binance-client.js';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import type { Store } from '../../src/store/db.js';
import { openMemoryStore } from '../../src/store/memory.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { sharedData } from '../helpers/shared-data.js';

const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2024, 2, 1) - 3_600_000;
const NOW = Date.UTC(2025, 0, 1);

let fake: RunningFake;
let store: Store;
beforeAll(async () => {
  fake = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
  store = await openMemoryStore();
});
afterAll(async () => {
  await fake.close();
  await store.close();
});

describe('data download: Binance klines paged by startTime into the store, resumable', () => {
  it('a download interrupted by a venue failure resumes after the newest stored candle and ends identical to the file', async () => {
    const client = new BinanceMarketDataClient({ baseUrl: fake.url, timeoutMs: 2_000, retries: 0 });
    const req = { venue: 'binance', symbol: 'BTCUSDT', interval: '1h' as const, from: FROM, to: TO, now: NOW, pageSize: 500 };
    // Page 1 succeeds, page 2 fails: the first 500 candles stay stored.
    let pages = 0;
    const flaky = {
      ...client,
      venue: client.venue,
      getCurrentPrice: client.getCurrentPrice.bind(client),
      getRecentKlines: client.getRecentKlines.bind(client),
      getKlines: async (...args: Parameters<typeof client.getKlines>) => {
        if (++pages === 2) fake.control.failNext(1, 503);
        return client.getKlines(...args);
      },
    };
    await expect(downloadCandles(flaky, store.candles, req)).rejects.toMatchObject({ code: 'MARKET_DATA_UNAVAILABLE' });
    expect(await store.candles.count('binance', 'BTCUSDT', '1h')).toBe(500);

    const resumed = await downloadCandles(client, store.candles, req);
    expect(resumed.resumed).toBe(true);
    expect(resumed.startedAt).toBe(FROM + 500 * 3_600_000);

    const expected = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv')).filter((c) => c.openTime >= FROM && c.openTime <= TO);
    const stored = await store.candles.range('binance', 'BTCUSDT', '1h', FROM, TO);
    expect(stored.length).toBe(expected.length);
    expect(stored.map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.volume])).toEqual(
      expected.map((c) => [c.openTime, c.open, c.high, c.low, c.close, c.volume]),
    );

    const again = await downloadCandles(client, store.candles, req);
    expect(again.written).toBe(0);
  });
});

describe('data download goes through the market-data guard', () => {
  it('a page with a zero-price candle fails MARKET_DATA_INVALID and none of it is stored', async () => {
    const { createLiveVenue } = await import('../../src/market/factory.js');
    const { loadConfig } = await import('../../src/config.js');
    const own = await openMemoryStore();
    try {
      const source = createLiveVenue('binance', loadConfig({ BINANCE_BASE_URL: fake.url, HTTP_RETRIES: '0', KLINE_INTERVAL: '1h' }), {
        now: () => NOW,
      });
      fake.control.tamper('/api/v3/klines', (body) => {
        const rows = (body as unknown[][]).map((r) => [...r]);
        if (rows.length > 10) rows[10][3] = '0';
        return rows;
      });
      const req = { venue: 'binance', symbol: 'BTCUSDT', interval: '1h' as const, from: FROM, to: TO, now: NOW, pageSize: 500 };
      await expect(downloadCandles(source, own.candles, req)).rejects.toMatchObject({
        code: 'MARKET_DATA_INVALID',
        details: { reason: 'NOT_A_PRICE' },
      });
      expect(await own.candles.count('binance', 'BTCUSDT', '1h')).toBe(0);
    } finally {
      fake.control.reset();
      await own.close();
    }
  });
});
