import { z } from 'zod';
import type { Candle, Interval } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { HttpClient, HttpRequest } from '../net/http-client.js';
import { checkTickerSymbol } from './data-guard.js';
import type { KlineProgress, KlineRangeQuery, MarketDataSource, Ticker24h } from './port.js';
import {
  appendAscending,
  checkInterval,
  checkLimit,
  checkRange,
  decimalString,
  normalizeCryptoSymbol,
  parseBody,
  type VenueHttpOptions,
  venueHttpClient,
} from './venue-support.js';

/** Binance answers at most this many klines per request. */
export const BINANCE_KLINE_PAGE = 1000;

/** BINANCE_BASE_URL (e.g. https://api.binance.com), HTTP_TIMEOUT_MS, HTTP_RETRIES. */
export type BinanceClientOptions = VenueHttpOptions;

// Wire schemas: loose objects so fields Binance adds later do not break parsing.
const tickerPriceSchema = z.looseObject({ symbol: z.string(), price: decimalString });

const klineRowSchema = z.tuple(
  [z.number(), decimalString, decimalString, decimalString, decimalString, decimalString, z.number(), decimalString, z.number()],
  z.unknown(),
);
const klinesSchema = z.array(klineRowSchema);

const ticker24hSchema = z.looseObject({
  symbol: z.string(),
  lastPrice: decimalString,
  priceChangePercent: decimalString,
  volume: decimalString,
  quoteVolume: decimalString,
});
const tickers24hSchema = z.array(ticker24hSchema);

const errorBodySchema = z.looseObject({ code: z.number(), msg: z.string() });

/**
 * Binance spot public market data (no API keys): `/api/v3/ticker/price`, `/api/v3/klines`,
 * `/api/v3/ticker/24hr`. Every call goes through HttpClient (timeout, retries, 429 Retry-After, 418 ban).
 */
export class BinanceMarketDataClient implements MarketDataSource {
  readonly venue = 'binance' as const;
  private readonly http: HttpClient;

  constructor(options: BinanceClientOptions) {
    this.http = venueHttpClient('binance', options);
  }

  /**
   * Last traded price (GET /api/v3/ticker/price), refused when the answer is about another symbol.
   * @throws ConclaveError VALIDATION_ERROR (symbol shape), UNKNOWN_SYMBOL, MARKET_DATA_UNAVAILABLE,
   * MARKET_DATA_INVALID, RATE_LIMITED, VENUE_BANNED.
   */
  async getCurrentPrice(symbol: string): Promise<number> {
    const sym = normalizeCryptoSymbol(symbol, 'binance');
    const body = await this.get('/api/v3/ticker/price', { symbol: sym }, sym);
    const ticker = parseBody(tickerPriceSchema, body, 'binance', '/api/v3/ticker/price');
    checkTickerSymbol(ticker.symbol, { venue: 'binance', symbol: sym });
    return ticker.price;
  }

  /**
   * The newest `limit` (1..1000) candles, oldest first (GET /api/v3/klines). The last may still be forming.
   * @throws ConclaveError as getCurrentPrice; VALIDATION_ERROR for limit or interval.
   */
  async getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    const sym = normalizeCryptoSymbol(symbol, 'binance');
    checkInterval(interval, 'binance');
    checkLimit(limit, 1, BINANCE_KLINE_PAGE, 'binance');
    return this.fetchKlines({ symbol: sym, interval, limit });
  }

  /**
   * The first `limit` candles with open time in [startTime, endTime], paged forward by startTime 1000 at a
   * time until `limit` is reached or the venue has no more.
   * @throws ConclaveError as getRecentKlines.
   */
  async getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]> {
    const sym = normalizeCryptoSymbol(query.symbol, 'binance');
    checkInterval(query.interval, 'binance');
    checkLimit(query.limit, 1, Number.MAX_SAFE_INTEGER, 'binance');
    checkRange(query.startTime, query.endTime, 'binance');
    const out: Candle[] = [];
    let cursor = query.startTime;
    while (out.length < query.limit) {
      const pageSize = Math.min(BINANCE_KLINE_PAGE, query.limit - out.length);
      const page = await this.fetchKlines({
        symbol: sym,
        interval: query.interval,
        startTime: cursor,
        endTime: query.endTime,
        limit: pageSize,
      });
      const added = appendAscending(out, page);
      onProgress?.(out.length, query.limit);
      if (page.length < pageSize || added === 0) break;
      cursor = out[out.length - 1].openTime + 1;
    }
    return out;
  }

  /**
   * 24-hour statistics of every listed symbol (GET /api/v3/ticker/24hr without a symbol; weight 80).
   * @throws ConclaveError MARKET_DATA_UNAVAILABLE, MARKET_DATA_INVALID, RATE_LIMITED, VENUE_BANNED.
   */
  async get24hTickers(): Promise<Ticker24h[]> {
    const body = await this.get('/api/v3/ticker/24hr', {}, undefined);
    return parseBody(tickers24hSchema, body, 'binance', '/api/v3/ticker/24hr').map((t) => ({
      symbol: t.symbol,
      lastPrice: t.lastPrice,
      quoteVolume: t.quoteVolume,
      priceChangePercent: t.priceChangePercent,
      volume: t.volume,
    }));
  }

  private async fetchKlines(query: HttpRequest['query'] & { symbol: string }): Promise<Candle[]> {
    const body = await this.get('/api/v3/klines', query, query.symbol);
    return parseBody(klinesSchema, body, 'binance', '/api/v3/klines').map((row) => {
      const candle: Candle = {
        openTime: row[0],
        open: row[1],
        high: row[2],
        low: row[3],
        close: row[4],
        volume: row[5],
        closeTime: row[6],
        quoteVolume: row[7],
        trades: row[8],
      };
      return candle;
    });
  }

  /** Binance's clock (`GET /api/v3/time`), epoch ms. @throws as getCurrentPrice. */
  async getServerTime(): Promise<number> {
    const body = await this.get('/api/v3/time', undefined, undefined);
    return parseBody(z.looseObject({ serverTime: z.number() }), body, 'binance', '/api/v3/time').serverTime;
  }

  /** GET with Binance's 4xx semantics: the `{code, msg}` body decides the error. */
  private async get(path: string, query: HttpRequest['query'], symbol: string | undefined): Promise<unknown> {
    const response = await this.http.request(path, { query });
    if (response.status >= 200 && response.status < 300) return response.json;
    const parsed = errorBodySchema.safeParse(response.json);
    const code = parsed.success ? parsed.data.code : undefined;
    const msg = parsed.success ? parsed.data.msg : response.text.slice(0, 200);
    const details = { venue: 'binance', status: response.status, code, msg, path };
    if (code === -1121) {
      throw new ConclaveError('UNKNOWN_SYMBOL', `binance does not know symbol "${symbol}" (code -1121: ${msg})`, { ...details, symbol });
    }
    if (code === -1120) {
      throw new ConclaveError('VALIDATION_ERROR', `binance rejected the interval (code -1120: ${msg})`, { ...details, field: 'interval' });
    }
    throw new ConclaveError(
      'MARKET_DATA_UNAVAILABLE',
      `binance ${path} answered HTTP ${response.status} (code ${code ?? '?'}: ${msg})`,
      details,
    );
  }
}
