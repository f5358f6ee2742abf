import { z } from 'zod';
import { type Candle, type Interval, intervalMs } from '../domain/candle.js';
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

/** Bybit answers at most this many klines per request. */
export const BYBIT_KLINE_PAGE = 1000;
/** Consecutive empty windows after which paging gives up (a symbol listed long after startTime). */
const MAX_EMPTY_WINDOWS = 20;

/** Bybit v5 kline intervals: minutes as numbers, then D / W. 8h and 3d do not exist there. */
export const BYBIT_INTERVALS: Readonly<Partial<Record<Interval, string>>> = {
  '1m': '1',
  '3m': '3',
  '5m': '5',
  '15m': '15',
  '30m': '30',
  '1h': '60',
  '2h': '120',
  '4h': '240',
  '6h': '360',
  '12h': '720',
  '1d': 'D',
  '1w': 'W',
};

/** BYBIT_BASE_URL (e.g. https://api.bybit.com), HTTP_TIMEOUT_MS, HTTP_RETRIES and the market category. */
export interface BybitClientOptions extends VenueHttpOptions {
  /** spot or linear (USDT perpetual) (BYBIT_CATEGORY). */
  readonly category: 'spot' | 'linear';
}

const envelopeSchema = z.looseObject({ retCode: z.number(), retMsg: z.string(), result: z.unknown(), time: z.number().optional() });

const klineResultSchema = z.looseObject({
  list: z.array(
    z.tuple([decimalString, decimalString, decimalString, decimalString, decimalString, decimalString, decimalString], z.unknown()),
  ),
});

const tickersResultSchema = z.looseObject({
  list: z.array(
    z.looseObject({
      symbol: z.string(),
      lastPrice: decimalString,
      price24hPcnt: decimalString,
      volume24h: decimalString,
      turnover24h: decimalString,
    }),
  ),
});

/** retCodes meaning "no such symbol" (10001 only when its message says symbol). */
const UNKNOWN_SYMBOL_CODES = new Set([10029, 170121, 181012]);
const RATE_LIMIT_CODES = new Set([10006, 10018]);

/**
 * Bybit v5 public market data: `/v5/market/tickers` and `/v5/market/kline` for one category. Kline lists
 * arrive newest first as string arrays and are returned oldest first.
 */
export class BybitMarketDataClient implements MarketDataSource {
  readonly venue = 'bybit' as const;
  private readonly http: HttpClient;

  constructor(private readonly options: BybitClientOptions) {
    this.http = venueHttpClient('bybit', options);
  }

  /**
   * Last traded price from /v5/market/tickers.
   * @throws ConclaveError VALIDATION_ERROR, UNKNOWN_SYMBOL, RATE_LIMITED, MARKET_DATA_UNAVAILABLE,
   * MARKET_DATA_INVALID, VENUE_BANNED.
   */
  async getCurrentPrice(symbol: string): Promise<number> {
    const sym = normalizeCryptoSymbol(symbol, 'bybit');
    const { result } = await this.get('/v5/market/tickers', { category: this.options.category, symbol: sym }, sym);
    const list = parseBody(tickersResultSchema, result, 'bybit', '/v5/market/tickers').list;
    const ticker = list.find((t) => t.symbol === sym);
    // Tickers of other symbols where ours was asked for is a wrong answer, not an unknown symbol.
    if (!ticker && list.length > 0) checkTickerSymbol(list[0].symbol, { venue: 'bybit', symbol: sym });
    if (!ticker)
      throw new ConclaveError('UNKNOWN_SYMBOL', `bybit ${this.options.category} lists no ticker "${sym}"`, { symbol: sym, venue: 'bybit' });
    return ticker.lastPrice;
  }

  /** The newest `limit` (1..1000) candles, oldest first. @throws as getCurrentPrice. */
  async getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    const sym = normalizeCryptoSymbol(symbol, 'bybit');
    const code = bybitInterval(interval);
    checkLimit(limit, 1, BYBIT_KLINE_PAGE, 'bybit');
    const { candles } = await this.fetchKlines(sym, interval, code, { limit });
    return candles;
  }

  /**
   * The first `limit` candles opening in [startTime, endTime]. Bybit answers the newest rows of a range, so
   * paging walks forward in windows of at most 1000 bars, each bounded by start and end.
   * @throws as getCurrentPrice.
   */
  async getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]> {
    const sym = normalizeCryptoSymbol(query.symbol, 'bybit');
    const code = bybitInterval(query.interval);
    checkLimit(query.limit, 1, Number.MAX_SAFE_INTEGER, 'bybit');
    checkRange(query.startTime, query.endTime, 'bybit');
    const ms = intervalMs(query.interval);
    const out: Candle[] = [];
    let cursor = query.startTime;
    let empty = 0;
    while (out.length < query.limit && (query.endTime === undefined || cursor <= query.endTime)) {
      const pageSize = Math.min(BYBIT_KLINE_PAGE, query.limit - out.length);
      const windowEnd = Math.min(cursor + pageSize * ms - 1, query.endTime ?? Number.POSITIVE_INFINITY);
      const { candles, serverTime } = await this.fetchKlines(sym, query.interval, code, { start: cursor, end: windowEnd, limit: pageSize });
      const added = appendAscending(
        out,
        candles.filter((c) => c.openTime >= cursor && c.openTime <= windowEnd),
      );
      onProgress?.(out.length, query.limit);
      if (added === 0) {
        // An empty window is a gap only if the venue's clock is past it; otherwise the data has ended.
        empty++;
        if (serverTime === undefined || windowEnd >= serverTime || empty >= MAX_EMPTY_WINDOWS) break;
      } else {
        empty = 0;
      }
      cursor = windowEnd + 1;
    }
    return out.slice(0, query.limit);
  }

  /** 24 h statistics of every symbol of the category (/v5/market/tickers without a symbol). */
  async get24hTickers(): Promise<Ticker24h[]> {
    const { result } = await this.get('/v5/market/tickers', { category: this.options.category }, undefined);
    return parseBody(tickersResultSchema, result, 'bybit', '/v5/market/tickers').list.map((t) => ({
      symbol: t.symbol,
      lastPrice: t.lastPrice,
      quoteVolume: t.turnover24h,
      // Bybit reports a fraction (0.0068 = +0.68 %).
      priceChangePercent: t.price24hPcnt * 100,
      volume: t.volume24h,
    }));
  }

  private async fetchKlines(
    symbol: string,
    interval: Interval,
    code: string,
    range: { start?: number; end?: number; limit: number },
  ): Promise<{ candles: Candle[]; serverTime: number | undefined }> {
    const { result, time } = await this.get(
      '/v5/market/kline',
      { category: this.options.category, symbol, interval: code, start: range.start, end: range.end, limit: range.limit },
      symbol,
    );
    const ms = intervalMs(interval);
    const rows = parseBody(klineResultSchema, result, 'bybit', '/v5/market/kline').list;
    const candles: Candle[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[rows.length - 1 - i];
      candles[i] = {
        openTime: r[0],
        open: r[1],
        high: r[2],
        low: r[3],
        close: r[4],
        volume: r[5],
        closeTime: r[0] + ms - 1,
        quoteVolume: r[6],
      };
    }
    return { candles, serverTime: time };
  }

  /** GET and unwrap the v5 envelope; a non-zero retCode decides the error. */
  /** Bybit's clock (`GET /v5/market/time`, `timeNano`), epoch ms. @throws as getCurrentPrice. */
  async getServerTime(): Promise<number> {
    const { result } = await this.get('/v5/market/time', undefined, undefined);
    const parsed = parseBody(z.looseObject({ timeNano: z.string().regex(/^\d+$/) }), result, 'bybit', '/v5/market/time');
    return Math.floor(Number(BigInt(parsed.timeNano) / 1_000_000n));
  }

  private async get(
    path: string,
    query: HttpRequest['query'],
    symbol: string | undefined,
  ): Promise<{ result: unknown; time: number | undefined }> {
    const response = await this.http.request(path, { query });
    if (response.status === 403) {
      throw new ConclaveError('RATE_LIMITED', `bybit ${path}: HTTP 403 (IP rate limit breached; Bybit asks to wait at least 10 minutes)`, {
        venue: 'bybit',
        status: 403,
      });
    }
    if (response.status < 200 || response.status >= 300) {
      throw new ConclaveError('MARKET_DATA_UNAVAILABLE', `bybit ${path} answered HTTP ${response.status}: ${response.text.slice(0, 200)}`, {
        venue: 'bybit',
        status: response.status,
      });
    }
    const envelope = parseBody(envelopeSchema, response.json, 'bybit', path);
    const { retCode, retMsg } = envelope;
    if (retCode === 0) return { result: envelope.result, time: envelope.time };
    const details = { venue: 'bybit', retCode, retMsg, path };
    if (UNKNOWN_SYMBOL_CODES.has(retCode) || (retCode === 10001 && /symbol/i.test(retMsg))) {
      throw new ConclaveError('UNKNOWN_SYMBOL', `bybit does not know symbol "${symbol}" (retCode ${retCode}: ${retMsg})`, {
        ...details,
        symbol,
      });
    }
    if (RATE_LIMIT_CODES.has(retCode)) throw new ConclaveError('RATE_LIMITED', `bybit rate limit (retCode ${retCode}: ${retMsg})`, details);
    if (retCode === 10001) throw new ConclaveError('VALIDATION_ERROR', `bybit rejected the request parameters (${retMsg})`, details);
    throw new ConclaveError('MARKET_DATA_UNAVAILABLE', `bybit ${path}: retCode ${retCode}: ${retMsg}`, details);
  }
}

/** @throws ConclaveError VALIDATION_ERROR for intervals Bybit lacks (8h, 3d) or unknown ones. */
export function bybitInterval(interval: Interval): string {
  checkInterval(interval, 'bybit');
  const code = BYBIT_INTERVALS[interval];
  if (!code) {
    throw new ConclaveError('VALIDATION_ERROR', `bybit has no ${interval} klines (supported: ${Object.keys(BYBIT_INTERVALS).join(', ')})`, {
      field: 'interval',
      interval,
    });
  }
  return code;
}
