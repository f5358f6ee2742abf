import { existsSync } from 'node:fs';
import { type Interval, intervalMs } from '../../src/domain/candle.js';
import { type CandleColumns, readCandleColumns } from '../../src/market/csv-candles.js';
import { lowerBound, upperBound } from '../../src/market/sorted-search.js';
import { sharedData } from '../helpers/shared-data.js';

/** CSV file per symbol and interval, e.g. `{ BTCUSDT: { '1h': '/.../BTCUSDT_1h.csv' } }`. */
export type SeriesFiles = Readonly<Record<string, Readonly<Partial<Record<Interval, string>>>>>;

/**
 * Real candles a fake venue serves, loaded lazily per (symbol, interval) on first use so a fake configured
 * with many files starts at once. The first symbol's first interval is the primary series: it sets the
 * default virtual "now" and the bar length of `advance()`.
 */
export class CandleBook {
  private readonly loaded = new Map<string, CandleColumns>();
  readonly primary: { readonly symbol: string; readonly interval: Interval };

  constructor(
    private readonly files: SeriesFiles,
    private readonly load: (path: string) => CandleColumns = readCandleColumns,
  ) {
    const symbol = Object.keys(files)[0];
    const interval = symbol ? (Object.keys(files[symbol])[0] as Interval | undefined) : undefined;
    if (!symbol || !interval) throw new Error('CandleBook needs at least one symbol with one interval file');
    this.primary = { symbol, interval };
  }

  symbols(): string[] {
    return Object.keys(this.files);
  }

  hasSymbol(symbol: string): boolean {
    return Object.hasOwn(this.files, symbol);
  }

  /** Intervals configured for `symbol`, primary first. */
  intervals(symbol: string): Interval[] {
    return Object.keys(this.files[symbol] ?? {}) as Interval[];
  }

  /** The candles of (symbol, interval), or undefined when no file is configured. */
  series(symbol: string, interval: Interval): CandleColumns | undefined {
    const path = this.files[symbol]?.[interval];
    if (!path) return undefined;
    const key = `${symbol}|${interval}`;
    let cols = this.loaded.get(key);
    if (!cols) {
      cols = this.load(path);
      this.loaded.set(key, cols);
    }
    return cols;
  }

  /** The symbol's first configured series (what its ticker price comes from). */
  mainSeries(symbol: string): { interval: Interval; cols: CandleColumns } {
    const interval = this.intervals(symbol)[0];
    return { interval, cols: this.series(symbol, interval)! };
  }

  /** Close time of the primary series' last candle. */
  lastCloseTime(): number {
    const cols = this.series(this.primary.symbol, this.primary.interval)!;
    return cols.closeTime[cols.length - 1];
  }
}

/** The fake's virtual "now": defaults to the primary series' last close; `advance` moves it by whole bars. */
export class VirtualNow {
  private current: number | undefined;

  constructor(
    private readonly book: CandleBook,
    start?: number,
  ) {
    this.current = start;
  }

  now(): number {
    if (this.current === undefined) this.current = this.book.lastCloseTime();
    return this.current;
  }

  setNow(ms: number): void {
    this.current = ms;
  }

  /** Moves now by `bars` bars of the primary interval (negative goes back). */
  advance(bars = 1): number {
    this.current = this.now() + bars * intervalMs(this.book.primary.interval);
    return this.current;
  }
}

/** Index range [from, to) of candles that opened at or before `now` (a forming bar counts). */
export function visibleEnd(cols: CandleColumns, now: number): number {
  return upperBound(cols.openTime, now);
}

/** Venues print 8 decimals ("0.01634790"); fall back to the shortest form when 8 would change the value. */
export function formatDecimal(value: number): string {
  const fixed = value.toFixed(8);
  return Number(fixed) === value ? fixed : String(value);
}

/** Quote volume when the file has it, else volume x close (the data folder's files mostly lack it). */
export function quoteVolumeAt(cols: CandleColumns, i: number): number {
  const q = cols.quoteVolume[i];
  return Number.isNaN(q) ? cols.volume[i] * cols.close[i] : q;
}

/**
 * Files from ../shared/data for symbols x intervals under `dir` (`klines`, `klines/bybit-linear`), taking
 * `.csv` or `.csv.gz`, skipping pairs with no file.
 */
export function klineFiles(
  symbols: readonly string[],
  intervals: readonly Interval[],
  dir = 'klines',
): Record<string, Partial<Record<Interval, string>>> {
  const out: Record<string, Partial<Record<Interval, string>>> = {};
  for (const symbol of symbols) {
    for (const interval of intervals) {
      for (const ext of ['.csv', '.csv.gz']) {
        let path: string;
        try {
          path = sharedData(...dir.split('/'), `${symbol}_${interval}${ext}`);
        } catch {
          continue;
        }
        if (existsSync(path)) {
          out[symbol] ??= {};
          out[symbol][interval] = path;
          break;
        }
      }
    }
  }
  return out;
}

export const DAY_MS = 86_400_000;

/** Statistics of the bars of a symbol's main series that opened in (now - 24 h, now], as venues' 24 h tickers report. */
export interface Rolling24h {
  /** Open of the window's first bar (or of the series, before any bar is visible). */
  readonly open: number;
  /** Close of the newest visible bar. */
  readonly last: number;
  /** Close of the bar before the window (`open` when there is none). */
  readonly prevClose: number;
  readonly high: number;
  readonly low: number;
  readonly volume: number;
  readonly quoteVolume: number;
  readonly trades: number;
}

export function rolling24h(book: CandleBook, symbol: string, now: number): Rolling24h {
  const { cols } = book.mainSeries(symbol);
  const end = visibleEnd(cols, now);
  const from = Math.min(lowerBound(cols.openTime, now - DAY_MS + 1), Math.max(0, end - 1));
  let high = Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  let volume = 0;
  let quoteVolume = 0;
  let trades = 0;
  for (let i = from; i < end; i++) {
    high = Math.max(high, cols.high[i]);
    low = Math.min(low, cols.low[i]);
    volume += cols.volume[i];
    quoteVolume += quoteVolumeAt(cols, i);
    trades += Number.isNaN(cols.trades[i]) ? 0 : cols.trades[i];
  }
  const open = end > 0 ? cols.open[from] : cols.open[0];
  const last = end > 0 ? cols.close[end - 1] : cols.open[0];
  return {
    open,
    last,
    prevClose: from > 0 ? cols.close[from - 1] : open,
    high: end > 0 ? high : last,
    low: end > 0 ? low : last,
    volume,
    quoteVolume,
    trades,
  };
}
