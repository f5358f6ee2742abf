import type { Candle } from '../../../src/domain/candle.js';
import { klineRowsToCandles, readGzipCsv } from '../../helpers/gzip-csv.js';
import { sharedData } from '../../helpers/shared-data.js';

/** First kline segment of BTCUSDT_1m (35,940 bars) plus the start of the second: 37,000 candles. */
export const KLINE_ROWS = 37_000;
/** Reference rows covering all of segment 1 and the first 200 rows of segment 2. */
export const REF_ROWS = 36_090;

let cache: { candles: Candle[]; ref: ReturnType<typeof readGzipCsv> } | null = null;

/** Real candles and the independently computed feature/label CSV (see /work/shared/data/ml/README.md). */
export function referenceData(): { candles: Candle[]; ref: ReturnType<typeof readGzipCsv> } {
  cache ??= {
    candles: klineRowsToCandles(readGzipCsv(sharedData('klines', 'BTCUSDT_1m.csv.gz'), KLINE_ROWS)),
    ref: readGzipCsv(sharedData('ml', 'rf_features_binance_BTCUSDT_1m.csv.gz'), REF_ROWS),
  };
  return cache;
}
