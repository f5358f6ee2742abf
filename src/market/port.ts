import type { Candle, Interval } from '../domain/candle.js';
import type { Venue } from '../domain/market.js';

export interface KlineRangeQuery {
  readonly symbol: string;
  readonly interval: Interval;
  /** Inclusive open-time bound, epoch ms. */
  readonly startTime: number;
  /** Inclusive open-time bound, epoch ms; omit for "up to now". */
  readonly endTime?: number;
  /** Max candles to return; adapters page internally when the venue caps a page. */
  readonly limit: number;
}

/**
 * Where candles and prices come from. Implemented by venue clients (binance, bybit, yahoo) and by
 * replay and synthetic sources. Every method rejects with a ConclaveError:
 * MARKET_DATA_UNAVAILABLE (unreachable, timeout, 5xx after retries), UNKNOWN_SYMBOL,
 * MARKET_DATA_INVALID (body does not parse), RATE_LIMITED, VENUE_BANNED.
 */
export interface MarketDataSource {
  readonly venue: Venue;
  /** The venue that answers for `symbol` when this source routes between venues (stocks to Yahoo, say). */
  venueFor?(symbol: string): Venue;
  /** Last traded price of `symbol` in quote currency. */
  getCurrentPrice(symbol: string): Promise<number>;
  /** The newest `limit` candles, oldest first. The last one may still be forming on live venues. */
  getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]>;
  /**
   * Candles with open time in [startTime, endTime], oldest first: the first `limit` of them from
   * `startTime`. Adapters page internally and report progress through `onProgress` after each page.
   */
  getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]>;
  /**
   * 24-hour statistics of every symbol the venue lists (the scanner's universe). Optional: sources without
   * a universe (Yahoo) leave it out.
   */
  get24hTickers?(): Promise<Ticker24h[]>;
  /**
   * Whether the market of `symbol` is in its regular session now; null for a symbol that trades around the
   * clock. Optional: sources of markets that never close (crypto, synthetic, replay) leave it out.
   */
  getMarketSession?(symbol: string): Promise<MarketSession | null>;
  /** The venue's clock, epoch ms: what "closed" means for its candles. Optional: offline sources have none. */
  getServerTime?(): Promise<number>;
  /**
   * Synchronous getCurrentPrice / getRecentKlines for sources that hold their data in memory (a recording):
   * same answers, same errors, without a promise per read. Optional: network sources leave them out.
   */
  currentPriceNow?(symbol: string): number;
  recentKlinesNow?(symbol: string, interval: Interval, limit: number): Candle[];
}

/** The regular session of a session market (stocks), as the venue reports it. */
export interface MarketSession {
  readonly open: boolean;
  /** Start and end of the venue's current (or latest) regular trading period, epoch ms. */
  readonly start: number;
  readonly end: number;
}

/** Called after each page of a paged fetch: candles fetched so far and the count asked for. */
export type KlineProgress = (fetched: number, total: number) => void;

/** Rolling 24-hour statistics of one symbol. */
export interface Ticker24h {
  readonly symbol: string;
  /** Last traded price, quote currency. */
  readonly lastPrice: number;
  /** Traded value over 24 h in quote currency (what the scanner ranks liquidity by). */
  readonly quoteVolume: number;
  /** Price change over 24 h in percent (-3.5 = -3.5 %). */
  readonly priceChangePercent: number;
  /** Traded quantity over 24 h in base currency. */
  readonly volume: number;
}

/** Sources with a cursor over recorded time (replay): advancing moves the visible "now" by one bar. */
export interface SteppableSource extends MarketDataSource {
  /** Moves the cursor one candle forward; false when the recording is exhausted. */
  advance(): boolean;
  /** Close time of the newest visible candle. */
  now(): number;
}
