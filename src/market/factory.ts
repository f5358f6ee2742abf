import type { AppConfig } from '../config.js';
import type { Candle, Interval } from '../domain/candle.js';
import type { Venue } from '../domain/market.js';
import { BinanceMarketDataClient } from './binance-client.js';
import { BybitMarketDataClient } from './bybit-client.js';
import { CachedMarketDataSource } from './cached-source.js';
import { GuardedMarketDataSource } from './guarded-source.js';
import { MarketHalts } from './market-halts.js';
import type { KlineProgress, KlineRangeQuery, MarketDataSource, MarketSession, SteppableSource, Ticker24h } from './port.js';
import { ReplaySource } from './replay-source.js';
import { type CryptoVenue, type ResolvedSymbol, resolveSymbol } from './symbols.js';
import { SyntheticSource } from './synthetic-source.js';
import { YahooMarketDataClient } from './yahoo-client.js';

/** The config fields market sources read. */
export type MarketConfig = Pick<
  AppConfig,
  | 'MARKET_SOURCE'
  | 'BINANCE_BASE_URL'
  | 'BYBIT_BASE_URL'
  | 'BYBIT_CATEGORY'
  | 'YAHOO_BASE_URL'
  | 'HTTP_TIMEOUT_MS'
  | 'HTTP_RETRIES'
  | 'VENUE_DEADLINE_MS'
  | 'VENUE_MAX_RESPONSE_BYTES'
  | 'MAX_PRICE_JUMP'
  | 'MARKET_CACHE_TTL_MS'
  | 'SYNTHETIC_SEED'
  | 'KLINE_INTERVAL'
  | 'KLINE_LIMIT'
  | 'DEFAULT_SYMBOL'
>;

export interface MarketDeps {
  /** Wall clock (live) or SimClock time: drives the cache TTL, the synthetic market and Yahoo's open ranges. */
  readonly now: () => number;
  /** Injected in tests so retries do not really sleep. */
  readonly sleep?: (ms: number) => Promise<unknown>;
  /** The process's halt book for the price-jump guard; every live venue of one runtime must share one. */
  readonly halts?: MarketHalts;
}

/** One unwrapped source by venue name (no cache, no guard): use createLiveVenue for anything that reads prices. */
export function createVenueSource(
  venue: 'binance' | 'bybit' | 'yahoo' | 'synthetic',
  config: MarketConfig,
  deps: MarketDeps,
): MarketDataSource {
  const http = {
    timeoutMs: config.HTTP_TIMEOUT_MS,
    retries: config.HTTP_RETRIES,
    deadlineMs: config.VENUE_DEADLINE_MS,
    maxResponseBytes: config.VENUE_MAX_RESPONSE_BYTES,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  };
  switch (venue) {
    case 'binance':
      return new BinanceMarketDataClient({ baseUrl: config.BINANCE_BASE_URL, ...http });
    case 'bybit':
      return new BybitMarketDataClient({ baseUrl: config.BYBIT_BASE_URL, category: config.BYBIT_CATEGORY, ...http });
    case 'yahoo':
      return new YahooMarketDataClient({ baseUrl: config.YAHOO_BASE_URL, now: deps.now, ...http });
    case 'synthetic':
      return new SyntheticSource({ seed: config.SYNTHETIC_SEED, now: deps.now, interval: config.KLINE_INTERVAL });
  }
}

/**
 * A venue as every consumer must see it: the client behind the TTL cache (MARKET_CACHE_TTL_MS), behind the
 * market-data guard (sanity checks and the MAX_PRICE_JUMP halt). The guard sits outside the cache so the
 * reference candles of a price check and a snapshot's candles share one venue request. The synthetic
 * generator is offline and seeded, so it is only cached.
 */
export function createLiveVenue(
  venue: 'binance' | 'bybit' | 'yahoo' | 'synthetic',
  config: MarketConfig,
  deps: MarketDeps,
): MarketDataSource {
  const cached = new CachedMarketDataSource(createVenueSource(venue, config, deps), { ttlMs: config.MARKET_CACHE_TTL_MS, now: deps.now });
  if (venue === 'synthetic') return cached;
  return new GuardedMarketDataSource(cached, {
    halts: deps.halts ?? new MarketHalts(),
    maxJump: config.MAX_PRICE_JUMP,
    now: deps.now,
    referenceInterval: config.KLINE_INTERVAL,
    referenceLimit: config.KLINE_LIMIT + 1,
  });
}

/**
 * The market source MARKET_SOURCE names: `binance`, `bybit`, `yahoo` and `synthetic` as createLiveVenue
 * builds them; `replay:<csv>` (rows checked when the file is read) as a bare ReplaySource (a SteppableSource: its cursor moves on
 * advance(), so a time-based cache would serve stale windows). The replay file's name gives symbol and
 * interval (`BTCUSDT_1h.csv`), else DEFAULT_SYMBOL and KLINE_INTERVAL.
 * @throws ConclaveError VALIDATION_ERROR when the replay file cannot be read.
 */
export function createMarketSource(config: MarketConfig, deps: MarketDeps): MarketDataSource {
  const source = config.MARKET_SOURCE;
  if (source.startsWith('replay:')) {
    const path = source.slice('replay:'.length);
    try {
      return ReplaySource.fromCsv(path);
    } catch {
      return ReplaySource.fromCsv(path, { symbol: config.DEFAULT_SYMBOL, interval: config.KLINE_INTERVAL });
    }
  }
  return createLiveVenue(source as 'binance' | 'bybit' | 'yahoo' | 'synthetic', config, deps);
}

/** True for sources with a cursor (replay). */
export function isSteppable(source: MarketDataSource): source is SteppableSource {
  const s = source as Partial<SteppableSource>;
  return typeof s.advance === 'function' && typeof s.now === 'function';
}

/**
 * Routes each symbol to the source that trades it: crypto to the crypto venue, stocks (AAPL, SPY,
 * TICKER.US) to Yahoo, after resolving the symbol (`BTC` -> `BTCUSDT`). Offline sources (synthetic,
 * replay) take every symbol themselves.
 */
export class VenueRouter implements MarketDataSource {
  readonly get24hTickers?: () => Promise<Ticker24h[]>;

  constructor(
    private readonly crypto: MarketDataSource,
    private readonly stocks: MarketDataSource,
    private readonly cryptoVenue: CryptoVenue,
  ) {
    const tickers = crypto.get24hTickers?.bind(crypto);
    if (tickers) this.get24hTickers = tickers;
  }

  get venue(): Venue {
    return this.crypto.venue;
  }

  /** @throws ConclaveError UNKNOWN_SYMBOL when the input resolves to nothing. */
  resolve(symbol: string): ResolvedSymbol {
    return resolveSymbol(symbol, { cryptoVenue: this.cryptoVenue });
  }

  venueFor(symbol: string): Venue {
    return this.route(symbol).source.venue;
  }

  /**
   * The symbol as its venue spells it, its asset type, and the venue that will actually serve it: `btc` is
   * BTCUSDT on bybit under MARKET_SOURCE=bybit and on synthetic under MARKET_SOURCE=synthetic.
   * @throws ConclaveError UNKNOWN_SYMBOL when the input resolves to nothing.
   */
  locate(symbol: string): ResolvedSymbol {
    const r = this.route(symbol);
    return { ...r.resolved, venue: r.source.venue };
  }

  /** The source and venue spelling a symbol goes to. */
  route(symbol: string): { source: MarketDataSource; symbol: string; resolved: ResolvedSymbol } {
    const resolved = this.resolve(symbol);
    return { source: resolved.assetType === 'stock' ? this.stocks : this.crypto, symbol: resolved.symbol, resolved };
  }

  /** The session of a stock's market; symbols on 24/7 sources answer open around the clock (no session). */
  async getMarketSession(symbol: string): Promise<MarketSession | null> {
    const r = this.route(symbol);
    return r.source.getMarketSession ? r.source.getMarketSession(r.symbol) : null;
  }

  async getCurrentPrice(symbol: string): Promise<number> {
    const r = this.route(symbol);
    return r.source.getCurrentPrice(r.symbol);
  }

  async getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    const r = this.route(symbol);
    return r.source.getRecentKlines(r.symbol, interval, limit);
  }

  async getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]> {
    const r = this.route(query.symbol);
    return r.source.getKlines({ ...query, symbol: r.symbol }, onProgress);
  }
}

/**
 * A router over the configured source: with MARKET_SOURCE binance or bybit, crypto goes there and stocks
 * to Yahoo; with yahoo, crypto goes to Binance; synthetic and replay serve every symbol. Each venue source
 * is cached and guarded, with one halt book between them.
 */
export function createVenueRouter(config: MarketConfig, deps: MarketDeps): VenueRouter {
  const shared = { ...deps, halts: deps.halts ?? new MarketHalts() };
  const main = createMarketSource(config, shared);
  const source = config.MARKET_SOURCE;
  if (source === 'synthetic' || source.startsWith('replay:')) return new VenueRouter(main, main, 'binance');
  if (source === 'yahoo') return new VenueRouter(createLiveVenue('binance', config, shared), main, 'binance');
  const cryptoVenue = source as CryptoVenue;
  return new VenueRouter(main, createLiveVenue('yahoo', config, shared), cryptoVenue);
}
