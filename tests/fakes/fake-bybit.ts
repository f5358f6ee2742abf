import type { Interval } from '../../src/domain/candle.js';
import { lowerBound, upperBound } from '../../src/market/sorted-search.js';
import {
  CandleBook,
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

export interface FakeBybitOptions {
  readonly port?: number;
  readonly host?: string;
  /** CSV per symbol and interval; default: `symbols` x `intervals` from ../shared/data/klines/bybit-linear. */
  readonly files?: SeriesFiles;
  readonly symbols?: readonly string[];
  readonly intervals?: readonly Interval[];
  readonly now?: number;
}

const CODE_TO_INTERVAL: Readonly<Record<string, Interval>> = {
  '1': '1m',
  '3': '3m',
  '5': '5m',
  '15': '15m',
  '30': '30m',
  '60': '1h',
  '120': '2h',
  '240': '4h',
  '360': '6h',
  '720': '12h',
  D: '1d',
  W: '1w',
};
const CATEGORIES = new Set(['spot', 'linear', 'inverse']);
const _DAY_MS = 86_400_000;

export const BYBIT_FAULT_BODIES: FaultBodies = {
  serverError: (status) => `<html><body><h1>${status} Server Error</h1></body></html>`,
  rateLimited: { retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: 0 },
  banned: '<html><body>418 I am a teapot</body></html>',
};

/**
 * A local HTTP server speaking Bybit v5's public market wire format over real candles: /v5/market/time,
 * /v5/market/tickers, /v5/market/kline (newest first, string arrays). Errors come as HTTP 200 envelopes
 * with a non-zero retCode, as Bybit sends them.
 */
export async function startFakeBybit(opts: FakeBybitOptions = {}): Promise<RunningFake> {
  const files = opts.files ?? klineFiles(opts.symbols ?? ['BTCUSDT', 'ETHUSDT'], opts.intervals ?? ['1h'], 'klines/bybit-linear');
  const book = new CandleBook(files);
  const clock = new VirtualNow(book, opts.now);
  const control = new FakeVenueControl(BYBIT_FAULT_BODIES, clock, book);
  return startFakeServer({ port: opts.port, host: opts.host, control, route: (url) => route(url, book, clock.now()) });
}

function envelope(result: unknown, now: number, retCode = 0, retMsg = 'OK'): FakeReply {
  return { status: 200, body: { retCode, retMsg, result, retExtInfo: {}, time: now } };
}

function route(url: URL, book: CandleBook, now: number): FakeReply {
  const q = url.searchParams;
  switch (url.pathname) {
    case '/v5/market/time':
      return envelope({ timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` }, now);
    case '/v5/market/tickers':
      return tickers(q, book, now);
    case '/v5/market/kline':
      return kline(q, book, now);
    default:
      return { status: 404, body: 'Not Found' };
  }
}

function checkCategory(q: URLSearchParams, now: number): FakeReply | undefined {
  const category = q.get('category');
  return category && CATEGORIES.has(category) ? undefined : envelope({}, now, 10001, 'Illegal category');
}

function tickers(q: URLSearchParams, book: CandleBook, now: number): FakeReply {
  const bad = checkCategory(q, now);
  if (bad) return bad;
  const symbol = q.get('symbol');
  if (symbol !== null && !book.hasSymbol(symbol)) return envelope({}, now, 10001, 'Not supported symbols');
  const list = (symbol === null ? book.symbols() : [symbol]).map((s) => ticker(book, s, now));
  return envelope({ category: q.get('category'), list }, now);
}

function ticker(book: CandleBook, symbol: string, now: number): Record<string, string> {
  // Bybit's prevPrice24h is the price 24 h ago: the open of the window's first bar.
  const { open: prev, last, high, low, volume, quoteVolume: turnover } = rolling24h(book, symbol, now);
  return {
    symbol,
    bid1Price: String(last),
    bid1Size: '1',
    ask1Price: String(last),
    ask1Size: '1',
    lastPrice: String(last),
    prevPrice24h: String(prev),
    price24hPcnt: ((last - prev) / prev).toFixed(4),
    highPrice24h: String(high),
    lowPrice24h: String(low),
    turnover24h: formatDecimal(turnover),
    volume24h: formatDecimal(volume),
  };
}

function kline(q: URLSearchParams, book: CandleBook, now: number): FakeReply {
  const bad = checkCategory(q, now);
  if (bad) return bad;
  const symbol = q.get('symbol');
  if (!symbol || !book.hasSymbol(symbol)) return envelope({}, now, 10001, 'Not supported symbols');
  const interval = CODE_TO_INTERVAL[q.get('interval') ?? ''];
  if (!interval) return envelope({}, now, 10001, 'Invalid period!');
  const limit = q.has('limit') ? Number(q.get('limit')) : 200;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return envelope({}, now, 10001, 'Invalid limit');
  const result = { symbol, category: q.get('category'), list: [] as string[][] };
  const cols = book.series(symbol, interval);
  if (!cols) return envelope(result, now);
  const start = q.has('start') ? Number(q.get('start')) : Number.NEGATIVE_INFINITY;
  const end = q.has('end') ? Number(q.get('end')) : Number.POSITIVE_INFINITY;
  const from = lowerBound(cols.openTime, start);
  const to = Math.min(visibleEnd(cols, now), upperBound(cols.openTime, end));
  // Bybit answers the newest `limit` rows of the range, newest first.
  for (let i = to - 1; i >= Math.max(from, to - limit); i--) {
    result.list.push([
      String(cols.openTime[i]),
      String(cols.open[i]),
      String(cols.high[i]),
      String(cols.low[i]),
      String(cols.close[i]),
      String(cols.volume[i]),
      formatDecimal(quoteVolumeAt(cols, i)),
    ]);
  }
  return envelope(result, now);
}
