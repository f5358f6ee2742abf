import { existsSync } from 'node:fs';
import { type Interval, intervalMs } from '../../src/domain/candle.js';
import { type CandleColumns, readCandleColumns } from '../../src/market/csv-candles.js';
import { upperBound } from '../../src/market/sorted-search.js';
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
