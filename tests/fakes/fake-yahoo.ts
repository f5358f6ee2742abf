import { readFileSync } from 'node:fs';
import { type CandleColumns, candlesToColumns } from '../../src/market/csv-candles.js';
import { sharedData } from '../helpers/shared-data.js';
import { CandleBook, type SeriesFiles, VirtualNow, visibleEnd } from './candle-book.js';
import { FakeVenueControl, type RunningFake, startFakeServer } from './fake-server.js';
import type { FakeReply, FaultBodies } from './fault-switches.js';

export interface FakeYahooOptions {
  readonly port?: number;
  readonly host?: string;
  /** Daily CSV (`date,open,high,low,close,volume`) per symbol; default: `symbols` from ../shared/data/stocks. */
  readonly files?: SeriesFiles;
  readonly symbols?: readonly string[];
  readonly now?: number;
  /** After every n-th bar insert a bar whose prices are all null, as Yahoo sends for halts. */
  readonly nullBarEvery?: number;
}

const DAY_MS = 86_400_000;
/** Yahoo stamps a daily bar at the session open: 09:30 New York, 14:30 UTC outside daylight saving. */
const SESSION_OPEN_MS = 14.5 * 3_600_000;
/** The regular session lasts 6.5 h (09:30-16:00). */
const SESSION_MS = 6.5 * 3_600_000;
const VALID_INTERVALS = ['1m', '2m', '5m', '15m', '30m', '60m', '90m', '1h', '1d', '5d', '1wk', '1mo', '3mo'];
const RANGE_DAYS: Readonly<Record<string, number>> = {
  '1d': 1,
  '5d': 5,
  '1mo': 31,
  '3mo': 92,
  '6mo': 183,
  '1y': 366,
  '2y': 731,
  '5y': 1827,
  '10y': 3653,
  max: Number.POSITIVE_INFINITY,
};

const chartError = (status: number, code: string, description: string): FakeReply => ({
  status,
  body: { chart: { result: null, error: { code, description } } },
});

export const YAHOO_FAULT_BODIES: FaultBodies = {
  serverError: () => ({ finance: { result: null, error: { code: 'internal-error', description: 'Internal Server Error' } } }),
  rateLimited: 'Too Many Requests\r\n',
  banned: 'Forbidden',
};

/** Reads `../shared/data/stocks/*_1d.csv` into columns with bars at 00:00 UTC of each trading date. */
export function readStockCsv(path: string): CandleColumns {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const candles = lines.slice(1).map((line) => {
    const [date, open, high, low, close, volume] = line.trim().split(',');
    const openTime = Date.parse(`${date}T00:00:00Z`);
    return {
      openTime,
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volume),
      closeTime: openTime + DAY_MS - 1,
    };
  });
  return candlesToColumns(candles);
}

/** Stock files for `symbols` from ../shared/data/stocks. */
export function stockFiles(symbols: readonly string[]): Record<string, { '1d': string }> {
  return Object.fromEntries(symbols.map((s) => [s, { '1d': sharedData('stocks', `${s}_1d.csv`) }]));
}

/**
 * A local HTTP server speaking Yahoo Finance's chart API (`/v8/finance/chart/{symbol}`) over real daily
 * stock bars: `range` or `period1`/`period2` (seconds), `chart.result[0].timestamp` and
 * `indicators.quote[0]`, `meta.regularMarketPrice` = close of the newest visible bar.
 */
export async function startFakeYahoo(opts: FakeYahooOptions = {}): Promise<RunningFake> {
  const book = new CandleBook(opts.files ?? stockFiles(opts.symbols ?? ['AAPL', 'SPY']), readStockCsv);
  const clock = new VirtualNow(book, opts.now);
  const control = new FakeVenueControl(YAHOO_FAULT_BODIES, clock, book);
  return startFakeServer({ port: opts.port, host: opts.host, control, route: (url) => route(url, book, clock.now(), opts.nullBarEvery) });
}

function route(url: URL, book: CandleBook, now: number, nullBarEvery: number | undefined): FakeReply {
  const match = /^\/v8\/finance\/chart\/([^/]+)$/.exec(url.pathname);
  if (!match) return { status: 404, body: { finance: { result: null, error: { code: 'Not Found', description: 'HTTP 404 Not Found' } } } };
  const symbol = decodeURIComponent(match[1]).toUpperCase();
  if (!book.hasSymbol(symbol)) return chartError(404, 'Not Found', 'No data found, symbol may be delisted');
  const q = url.searchParams;
  const interval = q.get('interval') ?? '1d';
  if (!VALID_INTERVALS.includes(interval)) {
    return chartError(
      422,
      'Unprocessable Entity',
      `Invalid input - interval=${interval} is not supported. Valid intervals: [${VALID_INTERVALS.join(', ')}]`,
    );
  }
  const { cols } = book.mainSeries(symbol);
  const end = visibleEnd(cols, now);
  let fromMs: number;
  let toMs: number;
  if (q.has('period1')) {
    fromMs = Number(q.get('period1')) * 1000;
    toMs = q.has('period2') ? Number(q.get('period2')) * 1000 : now;
  } else {
    const days = RANGE_DAYS[q.get('range') ?? '1mo'];
    if (days === undefined) return chartError(422, 'Unprocessable Entity', `Invalid input - range=${q.get('range')} is not supported.`);
    fromMs = now - days * DAY_MS;
    toMs = now;
  }
  const timestamp: number[] = [];
  const quote = {
    open: [] as (number | null)[],
    high: [] as (number | null)[],
    low: [] as (number | null)[],
    close: [] as (number | null)[],
    volume: [] as (number | null)[],
  };
  if (interval === '1d') {
    for (let i = 0; i < end; i++) {
      const stamp = cols.openTime[i] + SESSION_OPEN_MS;
      if (stamp < fromMs || stamp >= toMs) continue;
      timestamp.push(stamp / 1000);
      quote.open.push(cols.open[i]);
      quote.high.push(cols.high[i]);
      quote.low.push(cols.low[i]);
      quote.close.push(cols.close[i]);
      quote.volume.push(cols.volume[i]);
      if (nullBarEvery && timestamp.length % (nullBarEvery + 1) === nullBarEvery) {
        timestamp.push(stamp / 1000 + 3600);
        for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) quote[k].push(null);
      }
    }
  }
  const last = end > 0 ? end - 1 : 0;
  // The regular session of the latest recorded trading date at or before now's date (Yahoo keeps showing the
  // last session while the exchange is closed), 09:30-16:00 New York as the daily stamps assume.
  const today = visibleEnd(cols, Math.floor(now / DAY_MS) * DAY_MS) - 1;
  const sessionStart = (today >= 0 ? cols.openTime[today] : Math.floor(now / DAY_MS) * DAY_MS) + SESSION_OPEN_MS;
  const period = (start: number, end: number) => ({ timezone: 'EST', start: start / 1000, end: end / 1000, gmtoffset: -18000 });
  const result = {
    meta: {
      currency: 'USD',
      symbol,
      exchangeName: 'NMS',
      instrumentType: 'EQUITY',
      firstTradeDate: cols.openTime[0] / 1000,
      regularMarketTime: (cols.openTime[last] + SESSION_OPEN_MS + SESSION_MS) / 1000,
      gmtoffset: -18000,
      timezone: 'EST',
      exchangeTimezoneName: 'America/New_York',
      regularMarketPrice: cols.close[last],
      currentTradingPeriod: {
        pre: period(sessionStart - 5.5 * 3_600_000, sessionStart),
        regular: period(sessionStart, sessionStart + SESSION_MS),
        post: period(sessionStart + SESSION_MS, sessionStart + SESSION_MS + 4 * 3_600_000),
      },
      chartPreviousClose: cols.close[Math.max(0, last - 1)],
      priceHint: 2,
      dataGranularity: interval,
      range: q.get('range') ?? '',
    },
    ...(timestamp.length > 0 ? { timestamp } : {}),
    indicators: { quote: [timestamp.length > 0 ? quote : {}], adjclose: [{ adjclose: quote.close }] },
  };
  return { status: 200, body: { chart: { result: [result], error: null } } };
}
