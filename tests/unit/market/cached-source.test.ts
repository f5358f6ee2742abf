import { describe, expect, it } from 'vitest';
import type { Candle, Interval } from '../../../src/domain/candle.js';
import { ConclaveError, isConclaveError } from '../../../src/domain/errors.js';
import { CachedMarketDataSource } from '../../../src/market/cached-source.js';
import type { KlineRangeQuery, MarketDataSource, Ticker24h } from '../../../src/market/port.js';

/** An inner source whose answers the test releases by hand, counting every call. */
class ControlledSource implements MarketDataSource {
  readonly venue = 'binance' as const;
  calls: string[] = [];
  private waiting: Array<{ resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  price = 100;

  private later<T>(call: string): Promise<T> {
    this.calls.push(call);
    return new Promise<T>((resolve, reject) => this.waiting.push({ resolve: resolve as (v: unknown) => void, reject }));
  }

  release(value?: unknown): void {
    for (const w of this.waiting.splice(0)) w.resolve(value ?? this.price);
  }

  fail(error: unknown): void {
    for (const w of this.waiting.splice(0)) w.reject(error);
  }

  getCurrentPrice(symbol: string): Promise<number> {
    return this.later(`price:${symbol}`);
  }

  getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    return this.later(`recent:${symbol}:${interval}:${limit}`);
  }

  getKlines(query: KlineRangeQuery, onProgress?: (f: number, t: number) => void): Promise<Candle[]> {
    onProgress?.(0, query.limit);
    return this.later(`range:${query.symbol}`);
  }

  get24hTickers(): Promise<Ticker24h[]> {
    return this.later('tickers');
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('CachedMarketDataSource', () => {
  it('coalesces concurrent requests for one symbol into one inner call', async () => {
    const inner = new ControlledSource();
    const cache = new CachedMarketDataSource(inner, { ttlMs: 1000, now: () => 0 });
    const answers = Promise.all(Array.from({ length: 100 }, (_, i) => cache.getCurrentPrice(i % 2 ? 'btcusdt' : 'BTCUSDT')));
    await flush();
    expect(inner.calls).toEqual(['price:BTCUSDT']);
    inner.release(42);
    expect(new Set(await answers)).toEqual(new Set([42]));
    expect(cache.stats()).toEqual({ hits: 0, coalesced: 99, misses: 1 });
  });

  it('reuses an answer until the TTL passes on the injected clock', async () => {
    let now = 1_000;
    const inner = new ControlledSource();
    const cache = new CachedMarketDataSource(inner, { ttlMs: 500, now: () => now });
    const first = cache.getCurrentPrice('ETHUSDT');
    await flush();
    inner.release(10);
    expect(await first).toBe(10);
    now += 499;
    expect(await cache.getCurrentPrice('ETHUSDT')).toBe(10);
    expect(inner.calls).toHaveLength(1);
    now += 1;
    const again = cache.getCurrentPrice('ETHUSDT');
    await flush();
    inner.release(11);
    expect(await again).toBe(11);
    expect(inner.calls).toHaveLength(2);
  });

  it('does not cache failures', async () => {
    const inner = new ControlledSource();
    const cache = new CachedMarketDataSource(inner, { ttlMs: 10_000, now: () => 0 });
    const a = cache.getCurrentPrice('BTCUSDT');
    const b = cache.getCurrentPrice('BTCUSDT');
    await flush();
    inner.fail(new ConclaveError('MARKET_DATA_UNAVAILABLE', 'down'));
    for (const p of [a, b]) expect(isConclaveError(await p.catch((e: unknown) => e), 'MARKET_DATA_UNAVAILABLE')).toBe(true);
    const c = cache.getCurrentPrice('BTCUSDT');
    await flush();
    inner.release(5);
    expect(await c).toBe(5);
    expect(inner.calls).toHaveLength(2);
  });

  it('keys klines by symbol, interval and limit, and hands out copies', async () => {
    const inner = new ControlledSource();
    const cache = new CachedMarketDataSource(inner, { ttlMs: 1000, now: () => 0 });
    const candle: Candle = { openTime: 0, open: 1, high: 1, low: 1, close: 1, volume: 1, closeTime: 59_999 };
    const p1 = cache.getRecentKlines('BTCUSDT', '1m', 100);
    const p2 = cache.getRecentKlines('BTCUSDT', '1m', 50);
    const p3 = cache.getRecentKlines('BTCUSDT', '1h', 100);
    await flush();
    expect(inner.calls).toHaveLength(3);
    inner.release([candle]);
    const [r1] = await Promise.all([p1, p2, p3]);
    r1.push(candle);
    expect(await cache.getRecentKlines('BTCUSDT', '1m', 100)).toHaveLength(1);
  });

  it('with ttl 0 still coalesces in-flight requests but stores nothing', async () => {
    const inner = new ControlledSource();
    const cache = new CachedMarketDataSource(inner, { ttlMs: 0, now: () => 0 });
    const both = Promise.all([cache.get24hTickers!(), cache.get24hTickers!()]);
    await flush();
    inner.release([]);
    await both;
    const third = cache.get24hTickers!();
    await flush();
    inner.release([]);
    await third;
    expect(inner.calls).toEqual(['tickers', 'tickers']);
  });

  it('gives range progress to the leading caller and the final count to joiners', async () => {
    const inner = new ControlledSource();
    const cache = new CachedMarketDataSource(inner, { ttlMs: 1000, now: () => 0 });
    const lead: number[][] = [];
    const joiner: number[][] = [];
    const q = { symbol: 'BTCUSDT', interval: '1h' as const, startTime: 0, limit: 3 };
    const a = cache.getKlines(q, (f, t) => lead.push([f, t]));
    const b = cache.getKlines(q, (f, t) => joiner.push([f, t]));
    await flush();
    inner.release([1, 2, 3]);
    await Promise.all([a, b]);
    expect(lead).toEqual([[0, 3]]);
    expect(joiner).toEqual([[3, 3]]);
    expect(inner.calls).toHaveLength(1);
  });
});
