import { type Candle, type Interval, intervalMs, isInterval } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import { type CandleColumns, candleAt, candlesToColumns, parseKlineFileName, readCandleColumns } from './csv-candles.js';
import type { KlineProgress, KlineRangeQuery, SteppableSource, Ticker24h } from './port.js';
import { lowerBound, upperBound } from './sorted-search.js';

/** One recorded series: the candles of one symbol at one interval, oldest first. */
export interface ReplaySeries {
  readonly symbol: string;
  readonly interval: Interval;
  readonly candles: readonly Candle[] | CandleColumns;
}

export interface ReplaySourceOptions {
  readonly series: readonly ReplaySeries[];
  /** Candles of the first series visible at the start (default 1): warm-up history for indicators. */
  readonly warmupBars?: number;
  /** Start the cursor at the newest close time <= this instead (epoch ms). */
  readonly startTime?: number;
}

interface Loaded {
  readonly symbol: string;
  readonly interval: Interval;
  readonly cols: CandleColumns;
  /**
   * Candle objects made once per index on first use: a replay asks for the same ~100 trailing candles every
   * step, and rebuilding them each time was most of a backtest's garbage.
   */
  readonly objects: (Candle | undefined)[];
}

const DAY_MS = 86_400_000;

/**
 * Recorded candles behind a cursor. Only candles whose close time is at or before the cursor are visible;
 * every method answers from the visible part, so nothing can see the future. `advance()` moves the cursor
 * to the next close time of any series. A symbol asked at a coarser interval than recorded gets complete
 * buckets aggregated from the finer series (a bucket is shown only once its whole time span has closed).
 */
export class ReplaySource implements SteppableSource {
  readonly venue = 'replay' as const;
  private readonly series = new Map<string, Loaded[]>();
  private readonly timeline: Float64Array;
  private cursor: number;

  constructor(options: ReplaySourceOptions) {
    if (options.series.length === 0) throw new ConclaveError('VALIDATION_ERROR', 'replay needs at least one series of candles');
    const loaded: Loaded[] = options.series.map((s) => {
      const cols = isColumns(s.candles) ? s.candles : candlesToColumns(s.candles);
      if (cols.length === 0) throw new ConclaveError('VALIDATION_ERROR', `replay series ${s.symbol} ${s.interval} has no candles`);
      return { symbol: s.symbol.toUpperCase(), interval: s.interval, cols, objects: new Array<Candle | undefined>(cols.length) };
    });
    for (const l of loaded) {
      const list = this.series.get(l.symbol) ?? [];
      list.push(l);
      list.sort((a, b) => intervalMs(a.interval) - intervalMs(b.interval));
      this.series.set(l.symbol, list);
    }
    this.timeline = mergeCloseTimes(loaded.map((l) => l.cols.closeTime));
    const firstCols = loaded[0].cols;
    if (options.startTime !== undefined) {
      this.cursor = Math.max(0, upperBound(this.timeline, options.startTime) - 1);
    } else {
      const warmup = Math.min(Math.max(1, options.warmupBars ?? 1), firstCols.length);
      this.cursor = lowerBound(this.timeline, firstCols.closeTime[warmup - 1]);
    }
  }

  /**
   * A replay over one kline CSV (`.csv` / `.csv.gz`). Symbol and interval come from the file name
   * (`BTCUSDT_1h.csv`) unless given.
   * @throws ConclaveError VALIDATION_ERROR for an unreadable file or one whose name says neither.
   */
  static fromCsv(
    path: string,
    options: { symbol?: string; interval?: Interval; warmupBars?: number; startTime?: number } = {},
  ): ReplaySource {
    const named = parseKlineFileName(path);
    const symbol = options.symbol ?? named?.symbol;
    const interval = options.interval ?? named?.interval;
    if (!symbol || !interval || !isInterval(interval)) {
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `replay ${path}: cannot tell symbol and interval; name the file SYMBOL_INTERVAL.csv (BTCUSDT_1h.csv) or pass them`,
        { source: path },
      );
    }
    return new ReplaySource({
      series: [{ symbol, interval, candles: readCandleColumns(path) }],
      warmupBars: options.warmupBars,
      startTime: options.startTime,
    });
  }

  /** Close time of the newest visible candle (epoch ms). */
  now(): number {
    return this.timeline[this.cursor];
  }

  /** Moves the cursor to the next recorded close time; false (and no move) when the recording is exhausted. */
  advance(): boolean {
    if (this.cursor >= this.timeline.length - 1) return false;
    this.cursor++;
    return true;
  }

  /** Close times left to step through. */
  remaining(): number {
    return this.timeline.length - 1 - this.cursor;
  }

  symbols(): string[] {
    return [...this.series.keys()];
  }

  /**
   * The recorded columns of (symbol, interval) and how many rows are visible now: the zero-copy path for
   * backtests. Rows at index >= `visible` are the future and must not be read by a strategy.
   * @throws ConclaveError UNKNOWN_SYMBOL, VALIDATION_ERROR when that interval was not recorded.
   */
  visibleColumns(symbol: string, interval: Interval): { cols: CandleColumns; visible: number } {
    const loaded = this.exact(symbol, interval);
    if (!loaded) {
      throw new ConclaveError('VALIDATION_ERROR', `replay has no ${interval} recording of ${symbol.toUpperCase()}`, { field: 'interval' });
    }
    return { cols: loaded.cols, visible: upperBound(loaded.cols.closeTime, this.now()) };
  }

  /**
   * Close of the newest visible candle of the symbol's finest series.
   * @throws ConclaveError UNKNOWN_SYMBOL; INSUFFICIENT_DATA before the symbol's first candle closes.
   */
  async getCurrentPrice(symbol: string): Promise<number> {
    return this.currentPriceNow(symbol);
  }

  /** getCurrentPrice without the promise. @throws as getCurrentPrice. */
  currentPriceNow(symbol: string): number {
    const finest = this.lookup(symbol)[0];
    const visible = upperBound(finest.cols.closeTime, this.now());
    if (visible === 0) {
      throw new ConclaveError(
        'INSUFFICIENT_DATA',
        `replay: no ${finest.symbol} candle has closed by ${new Date(this.now()).toISOString()}`,
        {
          symbol: finest.symbol,
        },
      );
    }
    return finest.cols.close[visible - 1];
  }

  /** The newest `limit` visible candles, oldest first. @throws ConclaveError UNKNOWN_SYMBOL, VALIDATION_ERROR. */
  async getRecentKlines(symbol: string, interval: Interval, limit: number): Promise<Candle[]> {
    return this.recentKlinesNow(symbol, interval, limit);
  }

  /** getRecentKlines without the promise. @throws as getRecentKlines. */
  recentKlinesNow(symbol: string, interval: Interval, limit: number): Candle[] {
    checkPositive(limit);
    const exact = this.exact(symbol, interval);
    if (exact) {
      const end = upperBound(exact.cols.closeTime, this.now());
      return sliceCandles(exact, Math.max(0, end - limit), end);
    }
    const visible = this.visibleCandles(symbol, interval, this.now() - (limit + 1) * intervalMs(interval));
    return visible.slice(Math.max(0, visible.length - limit));
  }

  /** The first `limit` visible candles opening in [startTime, endTime]. @throws as getRecentKlines. */
  async getKlines(query: KlineRangeQuery, onProgress?: KlineProgress): Promise<Candle[]> {
    checkPositive(query.limit);
    const exact = this.exact(query.symbol, query.interval);
    let out: Candle[];
    if (exact) {
      const { cols } = exact;
      const visible = upperBound(cols.closeTime, this.now());
      const from = lowerBound(cols.openTime, query.startTime);
      const end = Math.min(visible, query.endTime === undefined ? cols.length : upperBound(cols.openTime, query.endTime));
      out = [];
      for (let i = from; i < end && out.length < query.limit; i++) out.push(cachedCandle(exact, i));
    } else {
      out = this.visibleCandles(query.symbol, query.interval, query.startTime)
        .filter((c) => c.openTime >= query.startTime && (query.endTime === undefined || c.openTime <= query.endTime))
        .slice(0, query.limit);
    }
    onProgress?.(out.length, query.limit);
    return out;
  }

  /** 24 h statistics of every recorded symbol, from visible candles only. */
  async get24hTickers(): Promise<Ticker24h[]> {
    const now = this.now();
    const out: Ticker24h[] = [];
    for (const [symbol, [finest]] of this.series) {
      const { cols } = finest;
      const end = upperBound(cols.closeTime, now);
      if (end === 0) continue;
      const from = Math.min(lowerBound(cols.closeTime, now - DAY_MS + 1), end - 1);
      let volume = 0;
      let quoteVolume = 0;
      for (let i = from; i < end; i++) {
        volume += cols.volume[i];
        quoteVolume += Number.isNaN(cols.quoteVolume[i]) ? cols.volume[i] * cols.close[i] : cols.quoteVolume[i];
      }
      const last = cols.close[end - 1];
      out.push({ symbol, lastPrice: last, volume, quoteVolume, priceChangePercent: ((last - cols.open[from]) / cols.open[from]) * 100 });
    }
    return out;
  }

  private lookup(symbol: string): Loaded[] {
    const list = this.series.get(String(symbol).toUpperCase());
    if (!list) {
      throw new ConclaveError('UNKNOWN_SYMBOL', `replay has no candles for symbol "${symbol}" (it holds ${this.symbols().join(', ')})`, {
        symbol,
        venue: 'replay',
      });
    }
    return list;
  }

  private exact(symbol: string, interval: Interval): Loaded | undefined {
    return this.lookup(symbol).find((l) => l.interval === interval);
  }

  /** Visible candles of (symbol, interval) from about `from` on, aggregated from a finer recorded series. */
  private visibleCandles(symbol: string, interval: Interval, from: number): Candle[] {
    const now = this.now();
    const target = intervalMs(interval);
    const finer = this.lookup(symbol)
      .filter((l) => target % intervalMs(l.interval) === 0)
      .pop();
    if (!finer) {
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `replay cannot serve ${symbol.toUpperCase()} at ${interval}: recorded ${this.lookup(symbol)
          .map((l) => l.interval)
          .join(', ')}, none divides ${interval}`,
        { field: 'interval', interval },
      );
    }
    return aggregate(finer.cols, target, now, Math.floor(from / target) * target);
  }
}

function sliceCandles(series: Loaded, from: number, to: number): Candle[] {
  const out: Candle[] = new Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = cachedCandle(series, i);
  return out;
}

function cachedCandle(series: Loaded, i: number): Candle {
  let candle = series.objects[i];
  if (candle === undefined) {
    candle = candleAt(series.cols, i);
    series.objects[i] = candle;
  }
  return candle;
}

/** Buckets of `target` ms aligned to the epoch, kept only when the whole bucket has closed by `now`. */
function aggregate(cols: CandleColumns, target: number, now: number, from: number): Candle[] {
  const out: Candle[] = [];
  const end = upperBound(cols.closeTime, now);
  let i = lowerBound(cols.openTime, from);
  while (i < end) {
    const bucket = Math.floor(cols.openTime[i] / target) * target;
    const closeTime = bucket + target - 1;
    let high = cols.high[i];
    let low = cols.low[i];
    let volume = 0;
    let j = i;
    for (; j < end && cols.openTime[j] < bucket + target; j++) {
      high = Math.max(high, cols.high[j]);
      low = Math.min(low, cols.low[j]);
      volume += cols.volume[j];
    }
    if (closeTime <= now) {
      out.push({ openTime: bucket, open: cols.open[i], high, low, close: cols.close[j - 1], volume, closeTime });
    }
    i = j;
  }
  return out;
}

function mergeCloseTimes(all: readonly Float64Array[]): Float64Array {
  if (all.length === 1) return all[0];
  const merged = new Float64Array(all.reduce((n, a) => n + a.length, 0));
  let k = 0;
  for (const a of all) {
    merged.set(a, k);
    k += a.length;
  }
  merged.sort();
  let w = 0;
  for (let r = 0; r < merged.length; r++) if (r === 0 || merged[r] !== merged[w - 1]) merged[w++] = merged[r];
  return merged.slice(0, w);
}

function isColumns(value: readonly Candle[] | CandleColumns): value is CandleColumns {
  return !Array.isArray(value) && (value as CandleColumns).openTime instanceof Float64Array;
}

function checkPositive(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ConclaveError('VALIDATION_ERROR', `replay: limit must be a positive integer, got ${limit}`, { field: 'limit', limit });
  }
}
