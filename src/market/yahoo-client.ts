import { z } from 'zod';
import { type Candle, type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { HttpClient } from '../net/http-client.js';
import { checkTickerSymbol } from './data-guard.js';
import type { KlineProgress, KlineRangeQuery, MarketDataSource, MarketSession } from './port.js';
import { checkInterval, checkLimit, checkRange, parseBody, type VenueHttpOptions, venueHttpClient } from './venue-support.js';

/** Yahoo chart intervals for ours; the rest (3m, 2h, 4h, ...) do not exist there. */
export const YAHOO_INTERVALS: Readonly<Partial<Record<Interval, string>>> = {
  '1m': '1m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1h': '60m',
  '1d': '1d',
  '1w': '1wk',
};

/** Yahoo `range` values and the calendar days each covers. */
const RANGES: ReadonlyArray<readonly [string, number]> = [
  ['5d', 5],
  ['1mo', 31],
  ['3mo', 92],
  ['6mo', 183],
  ['1y', 366],
  ['2y', 731],
  ['5y', 1827],
  ['10y', 3653],
];

const DAY_MS = 86_400_000;
/** US regular session length: how much of a calendar day intraday bars cover. */
const SESSION_MS = 6.5 * 3_600_000;
const YAHOO_SYMBOL_RE = /^\^?[A-Z0-9][A-Z0-9.=-]{0,19}$/;

/** YAHOO_BASE_URL (e.g. https://query1.finance.yahoo.com), HTTP_TIMEOUT_MS, HTTP_RETRIES. */
export interface YahooClientOptions extends VenueHttpOptions {
  /** Wall clock for open-ended ranges (period2); default Date.now. */
  readonly now?: () => number;
}

const series = z.array(z.number().nullable()).optional().default([]);
const chartSchema = z.looseObject({
  chart: z.looseObject({
    result: z
      .array(
        z.looseObject({
          meta: z.looseObject({
            symbol: z.string().optional(),
            regularMarketPrice: z.number().optional(),
            // Epoch seconds of the exchange's current (or, while closed, latest) regular session.
            currentTradingPeriod: z.looseObject({ regular: z.looseObject({ start: z.number(), end: z.number() }) }).optional(),
          }),
          timestamp: z.array(z.number()).optional().default([]),
          indicators: z.looseObject({
            quote: z.array(z.looseObject({ open: series, high: series, low: series, close: series, volume: series })),
          }),
        }),
      )
      .nullable(),
    error: z.looseObject({ code: z.string(), description: z.string() }).nullable(),
  }),
});
type ChartResult = NonNullable<z.output<typeof chartSchema>['chart']['result']>[number];

/**
 * Yahoo Finance chart API for stocks and ETFs (`GET /v8/finance/chart/{symbol}`). Bars with null prices
 * (halts, holidays) are skipped. Daily and weekly bars are stamped at 00:00 UTC of their trading date, so
 * they align like crypto candles; intraday bars keep Yahoo's timestamps.
 */
export class YahooMarketDataClient implements MarketDataSource {
  readonly venue = 'yahoo' as const;
  private readonly http: HttpClient;
  private readonly now: () => number;

  constructor(options: YahooClientOptions) {
    this.now = options.now ?? Date.now;
    this.http = venueHttpClient('yahoo', options, { 'user-agent': 'Mozilla/5.0 (conclave market data)' });
  }

  /**
   * `meta.regularMarketPrice` of the symbol.
   * @throws ConclaveError VALIDATION_ERROR, UNKNOWN_SYMBOL, MARKET_DATA_UNAVAILABLE, MARKET_DATA_INVALID,
   * RATE_LIMITED, VENUE_BANNED.
   */
  async getCurrentPrice(symbol: string): Promise<number> {
    const sym = normalizeYahooSymbol(symbol);
    const result = await this.chart(sym, { interval: '1d', range: '5d' });
    if (result.meta.symbol !== undefined) checkTickerSymbol(result.meta.symbol, { venue: 'yahoo', symbol: sym });
    const price = result.meta.regularMarketPrice;
    if (price === undefined || !Number.isFinite(price)) {
      throw new ConclaveError('MARKET_DATA_INVALID', `yahoo chart of ${sym} has no meta.regularMarketPrice`, {
        venue: 'yahoo',
        symbol: sym,
        reason: 'NOT_A_PRICE',
      });
    }
    return price;
  }

  /**
   * Whether `symbol`'s exchange is in its regular session now, from `meta.currentTradingPeriod.regular`.
   * @throws as getCurrentPrice, and MARKET_DATA_INVALID when the chart has no trading period.
   */
  async getMarketSession(symbol: string): Promise<MarketSession> {
    const sym = normalizeYahooSymbol(symbol);
    const period = (await this.chart(sym, { interval: '1d', range: '5d' })).meta.currentTradingPeriod?.regular;
    if (!period) {
      throw new ConclaveError('MARKET_DATA_INVALID', `yahoo chart of ${sym} has no meta.currentTradingPeriod.regular`, {
        venue: 'yahoo',
        symbol: sym,
      });
    }
    const start = period.start * 1000;
    const end = period.end * 1000;
    const now = this.now();
    return { open: now >= start && now < end, start, end };
  }

  /** The newest `limit` bars, oldest first (the last may still be forming). @throws as getCurrentPrice. */
  async getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    const sym = normalizeYahooSymbol(symbol);
    const code = yahooInterval(interval);
    checkLimit(limit, 1, 100_000, 'yahoo');
    const candles = toCandles(await this.chart(sym, { interval: code, range: rangeFor(interval, limit) }), interval);
    return candles.slice(Math.max(0, candles.length - limit));
  }

  /** The first `limit` bars opening in [startTime, endTime] (one request: Yahoo does not page). @throws as getCurrentPrice. */
  async getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]> {
    const sym = normalizeYahooSymbol(query.symbol);
    const code = yahooInterval(query.interval);
    checkLimit(query.limit, 1, Number.MAX_SAFE_INTEGER, 'yahoo');
    checkRange(query.startTime, query.endTime, 'yahoo');
    // Yahoo stamps daily bars at the session open, hours after the 00:00 UTC open time we give them: let
    // period2 reach past the whole last day, then filter on our open times.
    const ms = intervalMs(query.interval);
    const slack = ms >= DAY_MS ? ms : 0;
    const period2 = Math.ceil(((query.endTime ?? this.now()) + slack + 1) / 1000);
    const result = await this.chart(sym, { interval: code, period1: Math.floor(query.startTime / 1000), period2 });
    const out = toCandles(result, query.interval)
      .filter((c) => c.openTime >= query.startTime && (query.endTime === undefined || c.openTime <= query.endTime))
      .slice(0, query.limit);
    onProgress?.(out.length, query.limit);
    return out;
  }

  private async chart(symbol: string, query: Record<string, string | number>): Promise<ChartResult> {
    const path = `/v8/finance/chart/${encodeURIComponent(symbol)}`;
    const response = await this.http.request(path, { query });
    const body = response.status >= 400 ? chartSchema.safeParse(response.json) : undefined;
    const error = body?.success ? body.data.chart.error : undefined;
    if (response.status >= 400 || error) {
      const code = error?.code;
      const description = error?.description ?? response.text.slice(0, 200);
      const details = { venue: 'yahoo', status: response.status, code, description, symbol };
      if (code === 'Not Found')
        throw new ConclaveError('UNKNOWN_SYMBOL', `yahoo does not know symbol "${symbol}" (${description})`, details);
      if (code === 'Bad Request' || code === 'Unprocessable Entity') {
        throw new ConclaveError('VALIDATION_ERROR', `yahoo rejected the request (${description})`, details);
      }
      throw new ConclaveError(
        'MARKET_DATA_UNAVAILABLE',
        `yahoo ${path} answered HTTP ${response.status} (${code ?? '?'}: ${description})`,
        details,
      );
    }
    const parsed = parseBody(chartSchema, response.json, 'yahoo', '/v8/finance/chart');
    if (parsed.chart.error) {
      const { code, description } = parsed.chart.error;
      if (code === 'Not Found')
        throw new ConclaveError('UNKNOWN_SYMBOL', `yahoo does not know symbol "${symbol}" (${description})`, { symbol });
      throw new ConclaveError('MARKET_DATA_UNAVAILABLE', `yahoo chart error ${code}: ${description}`, { venue: 'yahoo', code, symbol });
    }
    const result = parsed.chart.result?.[0];
    if (!result)
      throw new ConclaveError('MARKET_DATA_INVALID', `yahoo chart of ${symbol} has neither result nor error`, {
        venue: 'yahoo',
        symbol,
        reason: 'BAD_SHAPE',
      });
    return result;
  }
}

/** Yahoo arrays -> candles, skipping bars with any null price and keeping open times increasing. */
function toCandles(result: ChartResult, interval: Interval): Candle[] {
  const ms = intervalMs(interval);
  const daily = ms >= DAY_MS;
  const quote = result.indicators.quote[0];
  const out: Candle[] = [];
  if (!quote) return out;
  for (let i = 0; i < result.timestamp.length; i++) {
    const open = quote.open[i];
    const high = quote.high[i];
    const low = quote.low[i];
    const close = quote.close[i];
    if (open == null || high == null || low == null || close == null) continue;
    const stamp = result.timestamp[i] * 1000;
    const openTime = daily ? Math.floor(stamp / DAY_MS) * DAY_MS : stamp;
    if (out.length > 0 && openTime <= out[out.length - 1].openTime) continue;
    out.push({ openTime, open, high, low, close, volume: quote.volume[i] ?? 0, closeTime: openTime + ms - 1 });
  }
  return out;
}

/** Smallest standard Yahoo range holding `limit` bars (trading days are 5 of 7, sessions 6.5 h). */
function rangeFor(interval: Interval, limit: number): string {
  const ms = intervalMs(interval);
  const tradingDays = ms >= 7 * DAY_MS ? (limit * ms) / DAY_MS / (7 / 5) : ms >= DAY_MS ? limit : (limit * ms) / SESSION_MS;
  const calendarDays = Math.ceil(tradingDays * (7 / 5) * 1.1) + 4;
  return RANGES.find(([, days]) => days >= calendarDays)?.[0] ?? 'max';
}

/** @throws ConclaveError VALIDATION_ERROR for intervals Yahoo lacks. */
export function yahooInterval(interval: Interval): string {
  checkInterval(interval, 'yahoo');
  const code = YAHOO_INTERVALS[interval];
  if (!code) {
    throw new ConclaveError('VALIDATION_ERROR', `yahoo has no ${interval} bars (supported: ${Object.keys(YAHOO_INTERVALS).join(', ')})`, {
      field: 'interval',
      interval,
    });
  }
  return code;
}

/** @throws ConclaveError VALIDATION_ERROR for symbols Yahoo cannot spell. */
export function normalizeYahooSymbol(symbol: string): string {
  const upper = String(symbol).trim().toUpperCase();
  if (!YAHOO_SYMBOL_RE.test(upper)) {
    throw new ConclaveError('VALIDATION_ERROR', `yahoo: symbol must match ${YAHOO_SYMBOL_RE} after upper-casing, got "${symbol}"`, {
      field: 'symbol',
      symbol,
    });
  }
  return upper;
}
