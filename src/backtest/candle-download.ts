import { type Interval, intervalMs } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { MarketDataSource } from '../market/port.js';
import type { CandleRepository } from '../store/candle.repository.js';

export interface DownloadRequest {
  readonly venue: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** Open-time range to hold locally, inclusive, epoch ms. */
  readonly from: number;
  readonly to: number;
  /** Candles asked per request (Binance caps a klines page at 1000). */
  readonly pageSize?: number;
  /** Only candles closed by now are stored (a forming bar would be frozen half-made). */
  readonly now: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DownloadResult {
  readonly written: number;
  readonly pages: number;
  /** Where this run started: after the newest stored candle when resuming, else `from`. */
  readonly startedAt: number;
  readonly resumed: boolean;
}

/**
 * Pages klines by startTime from `source` into the store. Each page is committed on its own, so an
 * interrupted download resumes after the newest stored candle instead of starting over. Candles are upserted,
 * so running it twice is harmless.
 * @throws ConclaveError VALIDATION_ERROR for from > to; whatever the source or store raise (the pages stored
 * so far stay).
 */
export async function downloadCandles(source: MarketDataSource, repo: CandleRepository, req: DownloadRequest): Promise<DownloadResult> {
  if (!(req.from <= req.to)) {
    throw new ConclaveError('VALIDATION_ERROR', `download range is empty: from ${new Date(req.from).toISOString()} is after to`, {
      field: 'from',
    });
  }
  const step = intervalMs(req.interval);
  const pageSize = req.pageSize ?? 1000;
  const latest = await repo.latestOpenTime(req.venue, req.symbol, req.interval);
  const resumed = latest !== null && latest >= req.from && latest < req.to;
  let start = resumed ? latest + step : req.from;
  if (latest !== null && latest >= req.to) start = req.to + step;
  const startedAt = start;
  const total = Math.max(0, Math.floor((req.to - startedAt) / step) + 1);
  let written = 0;
  let pages = 0;
  while (start <= req.to) {
    const page = await source.getKlines({ symbol: req.symbol, interval: req.interval, startTime: start, endTime: req.to, limit: pageSize });
    pages++;
    const closed = page.filter((c) => c.openTime >= start && c.closeTime <= req.now);
    if (closed.length === 0) break;
    written += await repo.upsertMany(req.venue, req.symbol, req.interval, closed);
    start = closed[closed.length - 1].openTime + step;
    req.onProgress?.(Math.min(total, Math.floor((start - startedAt) / step)), total);
    // A short page means the venue has nothing further (a gap to the end or the present).
    if (page.length < pageSize) break;
  }
  return { written, pages, startedAt, resumed };
}
