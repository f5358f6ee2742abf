import type { Candle, Interval } from '../domain/candle.js';
import type { Venue } from '../domain/market.js';
import type { KlineProgress, KlineRangeQuery, MarketDataSource, MarketSession, Ticker24h } from './port.js';

export interface CachedSourceOptions {
  /** How long an answer is reused (MARKET_CACHE_TTL_MS); 0 keeps only in-flight coalescing. */
  readonly ttlMs: number;
  /** Clock for expiry (epoch ms). */
  readonly now: () => number;
  /** Entries kept before expired ones are swept (default 5000). */
  readonly maxEntries?: number;
}

export interface CacheStats {
  /** Answered from a stored value. */
  readonly hits: number;
  /** Joined a request already in flight. */
  readonly coalesced: number;
  /** Went to the inner source. */
  readonly misses: number;
}

interface Entry {
  value?: unknown;
  expiresAt: number;
  inFlight?: Promise<unknown>;
}

/**
 * Decorates a MarketDataSource with a TTL cache and in-flight coalescing: any number of concurrent callers
 * asking the same question share one venue request, and answers are reused for `ttlMs`. Failures are not
 * cached. Callers get their own copy of arrays.
 */
export class CachedMarketDataSource implements MarketDataSource {
  readonly get24hTickers?: () => Promise<Ticker24h[]>;
  readonly getMarketSession?: (symbol: string) => Promise<MarketSession | null>;
  /** Never cached: a clock read from a cache would be stale by the TTL. */
  readonly getServerTime?: () => Promise<number>;
  private readonly entries = new Map<string, Entry>();
  private counts = { hits: 0, coalesced: 0, misses: 0 };

  constructor(
    readonly inner: MarketDataSource,
    private readonly options: CachedSourceOptions,
  ) {
    const tickers = inner.get24hTickers?.bind(inner);
    if (tickers) this.get24hTickers = () => this.cached('tickers24h', tickers);
    const serverTime = inner.getServerTime?.bind(inner);
    if (serverTime) this.getServerTime = serverTime;
    const session = inner.getMarketSession?.bind(inner);
    if (session) this.getMarketSession = (symbol) => this.cached(`session|${key(symbol)}`, () => session(symbol));
  }

  get venue(): Venue {
    return this.inner.venue;
  }

  /** @throws whatever the inner source throws. */
  getCurrentPrice(symbol: string): Promise<number> {
    return this.cached(`price|${key(symbol)}`, () => this.inner.getCurrentPrice(symbol));
  }

  /** @throws whatever the inner source throws. */
  getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    return this.cached(`recent|${key(symbol)}|${interval}|${limit}`, () => this.inner.getRecentKlines(symbol, interval, limit));
  }

  /** Progress reaches the caller whose request went to the venue; joiners hear only the final count. */
  async getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]> {
    const k = `range|${key(query.symbol)}|${query.interval}|${query.startTime}|${query.endTime ?? ''}|${query.limit}`;
    let led = false;
    const result = await this.cached(k, () => {
      led = true;
      return this.inner.getKlines(query, onProgress);
    });
    if (!led) onProgress?.(result.length, query.limit);
    return result;
  }

  stats(): CacheStats {
    return { ...this.counts };
  }

  /** Drops every stored answer (in-flight requests still complete for their callers). */
  clear(): void {
    this.entries.clear();
  }

  private async cached<T>(cacheKey: string, load: () => Promise<T>): Promise<T> {
    const now = this.options.now();
    const entry = this.entries.get(cacheKey);
    if (entry?.inFlight) {
      this.counts.coalesced++;
      return copy((await entry.inFlight) as T);
    }
    if (entry && entry.expiresAt > now) {
      this.counts.hits++;
      return copy(entry.value as T);
    }
    this.counts.misses++;
    const inFlight = load();
    const slot: Entry = { expiresAt: 0, inFlight };
    this.entries.set(cacheKey, slot);
    try {
      const value = await inFlight;
      if (this.entries.get(cacheKey) === slot) {
        if (this.options.ttlMs > 0) {
          this.entries.set(cacheKey, { value, expiresAt: this.options.now() + this.options.ttlMs });
          this.sweep();
        } else {
          this.entries.delete(cacheKey);
        }
      }
      return copy(value);
    } catch (error) {
      if (this.entries.get(cacheKey) === slot) this.entries.delete(cacheKey);
      throw error;
    }
  }

  private sweep(): void {
    if (this.entries.size <= (this.options.maxEntries ?? 5000)) return;
    const now = this.options.now();
    for (const [k, e] of this.entries) if (!e.inFlight && e.expiresAt <= now) this.entries.delete(k);
    // Still too many live entries: drop the oldest inserted.
    for (const k of this.entries.keys()) {
      if (this.entries.size <= (this.options.maxEntries ?? 5000)) break;
      if (!this.entries.get(k)?.inFlight) this.entries.delete(k);
    }
  }
}

function key(symbol: string): string {
  return String(symbol).trim().toUpperCase();
}

function copy<T>(value: T): T {
  return (Array.isArray(value) ? value.slice() : value) as T;
}
