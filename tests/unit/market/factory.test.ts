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
    const config = loadConfig({ MARKET_SOURCE: 'binance', BINANCE_BASE_URL: binance.url, YAHOO_BASE_URL: yahoo.url, HTTP_RETRIES: '0' });
    const router = createVenueRouter(config, { now });
    expect(router.route('btc').symbol).toBe('BTCUSDT');
    expect(router.route('aapl').resolved.venue).toBe('yahoo');
    expect(await router.getCurrentPrice('btc')).toBe(binance.control.book.mainSeries('BTCUSDT').cols.close.at(-1));
    expect(await router.getCurrentPrice('AAPL')).toBe(yahoo.control.book.mainSeries('AAPL').cols.close.at(-1));
    expect(binance.control.requests('/api/v3/ticker/price')).toBe(1);
    expect(yahoo.control.requests()).toBe(1);
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
