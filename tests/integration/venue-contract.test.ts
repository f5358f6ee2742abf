import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Candle, type Interval, intervalMs } from '../../src/domain/candle.js';
import { type ErrorCode, isConclaveError } from '../../src/domain/errors.js';
import { BinanceMarketDataClient } from '../../src/market/binance-client.js';
import { BybitMarketDataClient } from '../../src/market/bybit-client.js';
import { CachedMarketDataSource } from '../../src/market/cached-source.js';
import type { MarketDataSource } from '../../src/market/port.js';
import { YahooMarketDataClient } from '../../src/market/yahoo-client.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import { startFakeBybit } from '../fakes/fake-bybit.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startFakeYahoo } from '../fakes/fake-yahoo.js';
import { sharedData } from '../helpers/shared-data.js';

interface ClientOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly sleep: (ms: number) => Promise<unknown>;
}

/** What one venue brings to the shared contract. */
interface VenueUnderTest {
  readonly name: string;
  readonly start: () => Promise<RunningFake>;
  readonly client: (opts: ClientOptions) => MarketDataSource;
  readonly symbol: string;
  readonly interval: Interval;
  /** The rows the fake serves, read from the CSV text here (independently of the code under test). */
  readonly rows: () => Candle[];
  readonly unknownSymbol: string;
}

const DAY_MS = 86_400_000;

/** Kline CSV rows by plain split (reference reader). */
function klineRows(path: string): Candle[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const f = line.split(',').map(Number);
      return { openTime: f[0], open: f[1], high: f[2], low: f[3], close: f[4], volume: f[5], closeTime: f[6] };
    });
}

/** Stock CSV rows (`date,open,high,low,close,volume`) stamped at 00:00 UTC of the date. */
function stockRows(path: string): Candle[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [date, ...rest] = line.trim().split(',');
      const [open, high, low, close, volume] = rest.map(Number);
      const openTime = Date.parse(`${date}T00:00:00Z`);
      return { openTime, open, high, low, close, volume, closeTime: openTime + DAY_MS - 1 };
    });
}

const ohlcv = (c: Candle) => [c.openTime, c.open, c.high, c.low, c.close, c.volume, c.closeTime];

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection, got a value'),
    (e: unknown) => e,
  );
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<unknown> {
  const error = await errorOf(promise);
  expect(isConclaveError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return error;
}

/** The one contract every venue client honours against its fake. */
function venueContract(venue: VenueUnderTest): void {
  describe(`${venue.name} client against its fake`, () => {
    let fake: RunningFake;
    let rows: Candle[];
    let initialNow: number;
    let sleeps: number[];
    const make = (overrides: Partial<ClientOptions> = {}) =>
      venue.client({
        baseUrl: fake.url,
        timeoutMs: 2_000,
        retries: 3,
        sleep: async (ms: number) => {
          sleeps.push(ms);
        },
        ...overrides,
      });

    beforeAll(async () => {
      fake = await venue.start();
      rows = venue.rows();
      initialNow = fake.control.now();
    });
    afterAll(async () => {
      await fake.close();
    });
    beforeEach(() => {
      fake.control.reset();
      fake.control.setNow(initialNow);
      sleeps = [];
    });

    it('serves the CSV rows: the price is the close of the newest candle', async () => {
      const client = make();
      expect(initialNow).toBe(rows.at(-1)!.closeTime);
      expect(await client.getCurrentPrice(venue.symbol)).toBe(rows.at(-1)!.close);
      const [newest] = await client.getRecentKlines(venue.symbol, venue.interval, 1);
      expect(ohlcv(newest)).toEqual(ohlcv(rows.at(-1)!));
    });

    it('recent klines are ascending, aligned and equal to the newest CSV rows', async () => {
      const got = await make().getRecentKlines(venue.symbol.toLowerCase(), venue.interval, 100);
      const ms = intervalMs(venue.interval);
      expect(got).toHaveLength(100);
      for (const [i, c] of got.entries()) {
        expect(c.openTime % ms).toBe(0);
        expect(c.closeTime).toBe(c.openTime + ms - 1);
        if (i > 0) expect(c.openTime).toBeGreaterThan(got[i - 1].openTime);
      }
      expect(got.map(ohlcv)).toEqual(rows.slice(-100).map(ohlcv));
    });

    it('never returns a candle opening after the venue clock', async () => {
      const k = rows.length - 500;
      fake.control.setNow(rows[k].closeTime);
      const client = make();
      expect(await client.getCurrentPrice(venue.symbol)).toBe(rows[k].close);
      const recent = await client.getRecentKlines(venue.symbol, venue.interval, 10);
      expect(recent.map(ohlcv)).toEqual(rows.slice(k - 9, k + 1).map(ohlcv));
    });

    it('pages a range of more than 1000 candles: exactly the requested count, no duplicates, CSV order', async () => {
      const from = rows.length - 3000;
      const progress: number[][] = [];
      const got = await make().getKlines(
        { symbol: venue.symbol, interval: venue.interval, startTime: rows[from].openTime, limit: 2500 },
        (fetched, total) => progress.push([fetched, total]),
      );
      expect(got).toHaveLength(2500);
      expect(new Set(got.map((c) => c.openTime)).size).toBe(2500);
      expect(got.map(ohlcv)).toEqual(rows.slice(from, from + 2500).map(ohlcv));
      expect(progress.at(-1)).toEqual([2500, 2500]);
    });

    it('a bounded range stops at endTime and at the end of the data', async () => {
      const client = make();
      const from = rows.length - 1200;
      const bounded = await client.getKlines({
        symbol: venue.symbol,
        interval: venue.interval,
        startTime: rows[from].openTime,
        endTime: rows[from + 9].openTime,
        limit: 1000,
      });
      expect(bounded.map(ohlcv)).toEqual(rows.slice(from, from + 10).map(ohlcv));
      const tail = await client.getKlines({ symbol: venue.symbol, interval: venue.interval, startTime: rows[from].openTime, limit: 5000 });
      expect(tail.map(ohlcv)).toEqual(rows.slice(from).map(ohlcv));
    });

    it('an unknown symbol is UNKNOWN_SYMBOL naming the symbol', async () => {
      const client = make();
      const error = await expectCode(client.getCurrentPrice(venue.unknownSymbol), 'UNKNOWN_SYMBOL');
      expect((error as Error).message).toContain(venue.unknownSymbol);
      await expectCode(client.getRecentKlines(venue.unknownSymbol, venue.interval, 10), 'UNKNOWN_SYMBOL');
    });

    it('5xx then success: retried with backoff and succeeds', async () => {
      fake.control.failNext(2, 503);
      expect(await make().getCurrentPrice(venue.symbol)).toBe(rows.at(-1)!.close);
      expect(fake.control.requests()).toBe(3);
      expect(sleeps).toHaveLength(2);
    });

    it('persistent 5xx: MARKET_DATA_UNAVAILABLE after the retries', async () => {
      fake.control.failNext(10, 500);
      await expectCode(make({ retries: 2 }).getRecentKlines(venue.symbol, venue.interval, 5), 'MARKET_DATA_UNAVAILABLE');
      expect(fake.control.requests()).toBe(3);
    });

    it('a venue that never answers: MARKET_DATA_UNAVAILABLE after the timeout', async () => {
      fake.control.hangNext(2);
      const error = await expectCode(make({ timeoutMs: 150, retries: 1 }).getCurrentPrice(venue.symbol), 'MARKET_DATA_UNAVAILABLE');
      expect((error as Error).message).toMatch(/timed out after 150 ms/);
    });

    it('429 with Retry-After: waits that long, then succeeds', async () => {
      fake.control.rateLimitNext(1, 7);
      expect(await make().getCurrentPrice(venue.symbol)).toBe(rows.at(-1)!.close);
      expect(sleeps).toEqual([7000]);
    });

    it('418: VENUE_BANNED at once, no retry', async () => {
      fake.control.banNext(300);
      await expectCode(make().getCurrentPrice(venue.symbol), 'VENUE_BANNED');
      expect(fake.control.requests()).toBe(1);
      expect(sleeps).toEqual([]);
    });

    it('a body that is not JSON, or JSON of the wrong shape: MARKET_DATA_INVALID', async () => {
      const client = make();
      fake.control.malformedNext(1, 'json');
      await expectCode(client.getCurrentPrice(venue.symbol), 'MARKET_DATA_INVALID');
      fake.control.malformedNext(1, 'shape');
      await expectCode(client.getRecentKlines(venue.symbol, venue.interval, 5), 'MARKET_DATA_INVALID');
    });

    it('behind the cache, many concurrent watchers of one symbol cause one venue request', async () => {
      fake.control.latencyMs = 30;
      const cached = new CachedMarketDataSource(make(), { ttlMs: 1000, now: () => 0 });
      const prices = await Promise.all(Array.from({ length: 25 }, () => cached.getCurrentPrice(venue.symbol)));
      expect(new Set(prices)).toEqual(new Set([rows.at(-1)!.close]));
      expect(fake.control.requests()).toBe(1);
    });
  });
}

venueContract({
  name: 'binance',
  start: () => startFakeBinance({ files: { BTCUSDT: { '1h': sharedData('klines', 'BTCUSDT_1h.csv') } } }),
  client: (o) => new BinanceMarketDataClient(o),
  symbol: 'BTCUSDT',
  interval: '1h',
  rows: () => klineRows(sharedData('klines', 'BTCUSDT_1h.csv')),
  unknownSymbol: 'NOPEUSDT',
});

venueContract({
  name: 'bybit',
  start: () => startFakeBybit({ files: { ETHUSDT: { '15m': sharedData('klines', 'bybit-linear', 'ETHUSDT_15m.csv') } } }),
  client: (o) => new BybitMarketDataClient({ ...o, category: 'linear' }),
  symbol: 'ETHUSDT',
  interval: '15m',
  rows: () => klineRows(sharedData('klines', 'bybit-linear', 'ETHUSDT_15m.csv')),
  unknownSymbol: 'NOPEUSDT',
});

venueContract({
  name: 'yahoo',
  start: () => startFakeYahoo({ symbols: ['AAPL'], nullBarEvery: 50 }),
  client: (o) => new YahooMarketDataClient({ ...o, now: () => Date.UTC(2030, 0, 1) }),
  symbol: 'AAPL',
  interval: '1d',
  rows: () => stockRows(sharedData('stocks', 'AAPL_1d.csv')),
  unknownSymbol: 'NOPE',
});

describe('venue-specific wire details', () => {
  it('binance: a bad interval from the venue is VALIDATION_ERROR; 24h tickers list every symbol', async () => {
    const fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    try {
      const client = new BinanceMarketDataClient({ baseUrl: fake.url, timeoutMs: 2000, retries: 0 });
      const tickers = await client.get24hTickers();
      expect(tickers.map((t) => t.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      const eth = klineRows(sharedData('klines', 'ETHUSDT_1h.csv'));
      const last24 = eth.slice(-24);
      const ethTicker = tickers[1];
      expect(ethTicker.lastPrice).toBe(eth.at(-1)!.close);
      expect(ethTicker.volume).toBeCloseTo(
        last24.reduce((s, c) => s + c.volume, 0),
        4,
      );
      expect(ethTicker.priceChangePercent).toBeCloseTo(((eth.at(-1)!.close - last24[0].open) / last24[0].open) * 100, 2);
      await expectCode(client.getRecentKlines('BTCUSDT', '1h', 1001), 'VALIDATION_ERROR');
      await expectCode(client.getCurrentPrice('BTC-USDT!'), 'VALIDATION_ERROR');
      expect(fake.control.requests()).toBe(1);
      const res = await fetch(`${fake.url}/api/v3/klines?symbol=BTCUSDT&interval=7m`);
      expect([res.status, await res.json()]).toEqual([400, { code: -1120, msg: 'Invalid interval.' }]);
    } finally {
      await fake.close();
    }
  });

  it('bybit: retCode 10006 is RATE_LIMITED; 8h is rejected locally; tickers convert the fraction to percent', async () => {
    const fake = await startFakeBybit({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    try {
      const client = new BybitMarketDataClient({ baseUrl: fake.url, category: 'linear', timeoutMs: 2000, retries: 0 });
      const [ticker] = await client.get24hTickers();
      const rows = klineRows(sharedData('klines', 'bybit-linear', 'BTCUSDT_1h.csv')).slice(-24);
      expect(ticker.priceChangePercent).toBeCloseTo(((rows.at(-1)!.close - rows[0].open) / rows[0].open) * 100, 1);
      await expectCode(client.getRecentKlines('BTCUSDT', '8h', 10), 'VALIDATION_ERROR');
      fake.control.replyNext(1, { status: 200, body: { retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: 0 } });
      await expectCode(client.getCurrentPrice('BTCUSDT'), 'RATE_LIMITED');
      const res = await fetch(`${fake.url}/v5/market/kline?category=linear&symbol=BTCUSDT&interval=60&limit=3`);
      const body = (await res.json()) as { result: { list: string[][] } };
      expect(Number(body.result.list[0][0])).toBeGreaterThan(Number(body.result.list[2][0])); // newest first on the wire
    } finally {
      await fake.close();
    }
  });
});
