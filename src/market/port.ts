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
  /** Last traded price of `symbol` in quote currency. */
  getCurrentPrice(symbol: string): Promise<number>;
  /** The newest `limit` candles, oldest first. The last one may still be forming on live venues. */
  getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]>;
  /** Candles with open time in [startTime, endTime], oldest first, at most `limit`. */
  getKlines(query: KlineRangeQuery): Promise<Candle[]>;
}

/** Sources with a cursor over recorded time (replay): advancing moves the visible "now" by one bar. */
export interface SteppableSource extends MarketDataSource {
  /** Moves the cursor one candle forward; false when the recording is exhausted. */
  advance(): boolean;
  /** Close time of the newest visible candle. */
  now(): number;
}

export interface FetchProgress {
  readonly fetched: number;
  readonly total: number;
}
