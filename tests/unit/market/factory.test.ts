import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { isConclaveError } from '../../../src/domain/errors.js';
import { CachedMarketDataSource } from '../../../src/market/cached-source.js';
import { createMarketSource, createVenueRouter, isSteppable } from '../../../src/market/factory.js';
import { startFakeBinance } from '../../fakes/fake-binance.js';
import type { RunningFake } from '../../fakes/fake-server.js';
import { startFakeYahoo } from '../../fakes/fake-yahoo.js';
import { sharedData } from '../../helpers/shared-data.js';

const now = () => Date.UTC(2026, 0, 1);

describe('createMarketSource', () => {
  it('synthetic: cached, offline, venue synthetic', async () => {
    const source = createMarketSource(loadConfig({ MARKET_SOURCE: 'synthetic', SYNTHETIC_SEED: '5' }), { now });
    expect(source).toBeInstanceOf(CachedMarketDataSource);
    expect(source.venue).toBe('synthetic');
    expect(await source.getCurrentPrice('BTCUSDT')).toBeGreaterThan(0);
  });

  it('replay:<csv>: a steppable source named by the file', async () => {
    const path = sharedData('klines', 'bybit-linear', 'SOLUSDT_4h.csv');
    const source = createMarketSource(loadConfig({ MARKET_SOURCE: `replay:${path}` }), { now });
    expect(source.venue).toBe('replay');
    expect(isSteppable(source)).toBe(true);
    if (!isSteppable(source)) return;
    const before = source.now();
    expect(source.advance()).toBe(true);
    expect(source.now()).toBe(before + 4 * 3_600_000);
    expect(await source.getRecentKlines('SOLUSDT', '4h', 2)).toHaveLength(2);
  });

  it('binance, bybit and yahoo build clients without touching the network', () => {
    for (const venue of ['binance', 'bybit', 'yahoo'] as const) {
      expect(createMarketSource(loadConfig({ MARKET_SOURCE: venue }), { now }).venue).toBe(venue);
    }
  });
});

describe('createVenueRouter', () => {
  let binance: RunningFake;
  let yahoo: RunningFake;
  beforeAll(async () => {
    binance = await startFakeBinance({ files: { BTCUSDT: { '1h': sharedData('klines', 'BTCUSDT_1h.csv') } } });
    yahoo = await startFakeYahoo({ symbols: ['AAPL'] });
  });
  afterAll(async () => {
    await binance.close();
    await yahoo.close();
  });

  it('sends crypto to binance and stocks to yahoo, resolving BTC -> BTCUSDT', async () => {
    const config = loadConfig({
      MARKET_SOURCE: 'binance',
      BINANCE_BASE_URL: binance.url,
      YAHOO_BASE_URL: yahoo.url,
      HTTP_RETRIES: '0',
      KLINE_INTERVAL: '1h',
    });
    // The guard refuses candles opening after the clock: the router runs on the fake's clock.
    const router = createVenueRouter(config, { now: () => binance.control.now() });
    expect(router.route('btc').symbol).toBe('BTCUSDT');
    expect(router.route('aapl').resolved.venue).toBe('yahoo');
    expect(await router.getCurrentPrice('btc')).toBe(binance.control.book.mainSeries('BTCUSDT').cols.close.at(-1));
    expect(await router.getCurrentPrice('AAPL')).toBe(yahoo.control.book.mainSeries('AAPL').cols.close.at(-1));
    expect(binance.control.requests('/api/v3/ticker/price')).toBe(1);
    // The guard checks each price against the venue's last closed KLINE_INTERVAL candle; the fake Yahoo has
    // daily bars only, so its check falls back to them: one chart for the price, one empty 1h, one 1d.
    expect(binance.control.requests('/api/v3/klines')).toBe(1);
    expect(yahoo.control.requests()).toBe(3);
    const error = await router.getCurrentPrice('$$$').catch((e: unknown) => e);
    expect(isConclaveError(error, 'UNKNOWN_SYMBOL')).toBe(true);
    expect(typeof router.get24hTickers).toBe('function');
  });

  it('synthetic serves every symbol itself, stocks included', async () => {
    const router = createVenueRouter(loadConfig({ MARKET_SOURCE: 'synthetic' }), { now });
    expect(await router.getCurrentPrice('AAPL')).toBeGreaterThan(0);
    expect(router.venue).toBe('synthetic');
  });
});

describe('VenueRouter.locate names the venue that will serve a symbol', () => {
  const replay = `replay:${sharedData('klines', 'BTCUSDT_1h.csv')}`;
  const cases: Array<[string, string, { symbol: string; venue: string; assetType: string }]> = [
    ['synthetic', 'btc', { symbol: 'BTCUSDT', venue: 'synthetic', assetType: 'crypto' }],
    ['synthetic', 'AAPL', { symbol: 'AAPL', venue: 'synthetic', assetType: 'stock' }],
    [replay, 'btc', { symbol: 'BTCUSDT', venue: 'replay', assetType: 'crypto' }],
    ['binance', 'btc/usdt', { symbol: 'BTCUSDT', venue: 'binance', assetType: 'crypto' }],
    ['binance', 'AAPL', { symbol: 'AAPL', venue: 'yahoo', assetType: 'stock' }],
    ['bybit', 'eth', { symbol: 'ETHUSDT', venue: 'bybit', assetType: 'crypto' }],
    ['bybit', 'ORCL.US', { symbol: 'ORCL', venue: 'yahoo', assetType: 'stock' }],
    ['yahoo', 'TSLA', { symbol: 'TSLA', venue: 'yahoo', assetType: 'stock' }],
    // Beside Yahoo, crypto is served by Binance (DESIGN.md section 1).
    ['yahoo', 'btc', { symbol: 'BTCUSDT', venue: 'binance', assetType: 'crypto' }],
  ];
  it.each(cases)('MARKET_SOURCE=%s: %s', (source, input, expected) => {
    const router = createVenueRouter(loadConfig({ MARKET_SOURCE: source }), { now });
    expect(router.locate(input)).toEqual(expected);
  });
});
