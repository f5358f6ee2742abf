import { type Interval, isInterval } from '../../src/domain/candle.js';
import { lowerBound, upperBound } from '../../src/market/sorted-search.js';
import {
  CandleBook,
  DAY_MS,
  formatDecimal,
  klineFiles,
  quoteVolumeAt,
  rolling24h,
  type SeriesFiles,
  VirtualNow,
  visibleEnd,
} from './candle-book.js';
import { FakeVenueControl, type RunningFake, startFakeServer } from './fake-server.js';
import type { FakeReply, FaultBodies } from './fault-switches.js';

export interface FakeBinanceOptions {
  readonly port?: number;
  readonly host?: string;
  /** CSV per symbol and interval; default: `symbols` x `intervals` from ../shared/data/klines. */
  readonly files?: SeriesFiles;
  readonly symbols?: readonly string[];
  readonly intervals?: readonly Interval[];
  /** Virtual now (epoch ms); default: close time of the first symbol's first series' last candle. */
  readonly now?: number;
}

/** Intervals Binance accepts (case-sensitive); the fake answers [] for those it holds no file for. */
const BINANCE_INTERVALS = new Set(['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M']);

const err = (status: number, code: number, msg: string): FakeReply => ({ status, body: { code, msg } });
const INVALID_SYMBOL = err(400, -1121, 'Invalid symbol.');

export const BINANCE_FAULT_BODIES: FaultBodies = {
  serverError: () => ({ code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }),
  rateLimited: {
    code: -1003,
    msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
  },
  banned: {
    code: -1003,
    msg: 'Way too much request weight used; IP banned until 1767225600000. Please use WebSocket Streams for live updates to avoid bans.',
  },
};

/**
 * A local HTTP server speaking Binance spot's public REST wire format over real candles:
 * /api/v3/ping, /time, /ticker/price, /klines, /ticker/24hr, /exchangeInfo.
 */
export async function startFakeBinance(opts: FakeBinanceOptions = {}): Promise<RunningFake> {
  const files = opts.files ?? klineFiles(opts.symbols ?? ['BTCUSDT', 'ETHUSDT'], opts.intervals ?? ['1h']);
  const book = new CandleBook(files);
  const clock = new VirtualNow(book, opts.now);
  const control = new FakeVenueControl(BINANCE_FAULT_BODIES, clock, book);
  return startFakeServer({ port: opts.port, host: opts.host, control, route: (url) => route(url, book, clock) });
}

function route(url: URL, book: CandleBook, clock: VirtualNow): FakeReply {
  const q = url.searchParams;
  switch (url.pathname) {
    case '/api/v3/ping':
      return { status: 200, body: {} };
    case '/api/v3/time':
      return { status: 200, body: { serverTime: clock.now() } };
    case '/api/v3/ticker/price':
      return listOrOne(q, book, (symbol) => ({ symbol, price: formatDecimal(lastPrice(book, symbol, clock.now())) }));
    case '/api/v3/ticker/24hr':
      return listOrOne(q, book, (symbol) => ticker24h(book, symbol, clock.now()));
    case '/api/v3/klines':
      return klines(q, book, clock.now());
    case '/api/v3/exchangeInfo':
      return { status: 200, body: exchangeInfo(book, clock.now()) };
    default:
      return err(404, -1000, `Unknown path ${url.pathname}`);
  }
}

/** `symbol=` answers one object, `symbols=["A","B"]` a list of those, neither the whole list. */
function listOrOne(q: URLSearchParams, book: CandleBook, make: (symbol: string) => unknown): FakeReply {
  const one = q.get('symbol');
  if (one !== null) return book.hasSymbol(one) ? { status: 200, body: make(one) } : INVALID_SYMBOL;
  const many = q.get('symbols');
  if (many !== null) {
    let list: unknown;
    try {
      list = JSON.parse(many);
    } catch {
      return err(
        400,
        -1100,
        'Illegal characters found in parameter \'symbols\'; legal range is \'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
      );
    }
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && book.hasSymbol(s))) return INVALID_SYMBOL;
    return { status: 200, body: list.map((s: string) => make(s)) };
  }
  return { status: 200, body: book.symbols().map(make) };
}

/** Close of the candle containing now (the newest that opened at or before now). */
function lastPrice(book: CandleBook, symbol: string, now: number): number {
  const { cols } = book.mainSeries(symbol);
  const end = visibleEnd(cols, now);
  return end > 0 ? cols.close[end - 1] : cols.open[0];
}

function klines(q: URLSearchParams, book: CandleBook, now: number): FakeReply {
  const symbol = q.get('symbol');
  if (!symbol) return err(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  if (!book.hasSymbol(symbol)) return INVALID_SYMBOL;
  const interval = q.get('interval');
  if (!interval) return err(400, -1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.");
  if (!BINANCE_INTERVALS.has(interval)) return err(400, -1120, 'Invalid interval.');
  const limit = q.has('limit') ? Number(q.get('limit')) : 500;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return err(400, -1130, "Data sent for parameter 'limit' is not valid.");
  const cols = isInterval(interval) ? book.series(symbol, interval) : undefined;
  if (!cols) return { status: 200, body: [] };
  const startTime = q.has('startTime') ? Number(q.get('startTime')) : undefined;
  const endTime = q.has('endTime') ? Number(q.get('endTime')) : undefined;
  const end = Math.min(visibleEnd(cols, now), endTime === undefined ? cols.length : upperBound(cols.openTime, endTime));
  let from: number;
  let to: number;
  if (startTime !== undefined) {
    from = lowerBound(cols.openTime, startTime);
    to = Math.max(from, Math.min(end, from + limit));
  } else {
    to = end;
    from = Math.max(0, to - limit);
  }
  const rows: unknown[] = [];
  for (let i = from; i < to; i++) {
    rows.push([
      cols.openTime[i],
      formatDecimal(cols.open[i]),
      formatDecimal(cols.high[i]),
      formatDecimal(cols.low[i]),
      formatDecimal(cols.close[i]),
      formatDecimal(cols.volume[i]),
      cols.closeTime[i],
      formatDecimal(quoteVolumeAt(cols, i)),
      Number.isNaN(cols.trades[i]) ? 0 : cols.trades[i],
      '0.00000000',
      '0.00000000',
      '0',
    ]);
  }
  return { status: 200, body: rows };
}

/** Rolling 24 h statistics over the symbol's main series, bars that opened in (now - 24 h, now]. */
export function ticker24h(book: CandleBook, symbol: string, now: number): Record<string, unknown> {
  const { open, last, prevClose, high, low, volume, quoteVolume, trades: count } = rolling24h(book, symbol, now);
  const change = last - open;
  return {
    symbol,
    priceChange: formatDecimal(change),
    priceChangePercent: ((change / open) * 100).toFixed(3),
    weightedAvgPrice: formatDecimal(volume > 0 ? quoteVolume / volume : last),
    prevClosePrice: formatDecimal(prevClose),
    lastPrice: formatDecimal(last),
    lastQty: '0.00000000',
    bidPrice: formatDecimal(last),
    bidQty: '1.00000000',
    askPrice: formatDecimal(last),
    askQty: '1.00000000',
    openPrice: formatDecimal(open),
    highPrice: formatDecimal(high),
    lowPrice: formatDecimal(low),
    volume: formatDecimal(volume),
    quoteVolume: formatDecimal(quoteVolume),
    openTime: now - DAY_MS,
    closeTime: now,
    firstId: 0,
    lastId: count,
    count,
  };
}

function exchangeInfo(book: CandleBook, now: number): unknown {
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }],
    exchangeFilters: [],
    symbols: book.symbols().map((symbol) => {
      const quoteAsset =
        ['USDT', 'USDC', 'FDUSD', 'BTC', 'ETH', 'BNB'].find((q) => symbol.endsWith(q) && symbol.length > q.length) ?? 'USDT';
      return {
        symbol,
        status: 'TRADING',
        baseAsset: symbol.slice(0, symbol.length - quoteAsset.length),
        baseAssetPrecision: 8,
        quoteAsset,
        quotePrecision: 8,
        quoteAssetPrecision: 8,
        orderTypes: ['LIMIT', 'MARKET'],
        isSpotTradingAllowed: true,
        filters: [],
        permissions: [],
        permissionSets: [['SPOT']],
      };
    }),
  };
}
