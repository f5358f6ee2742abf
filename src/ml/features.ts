/**
 * Model features per candle (DESIGN.md section 6; definitions as /work/shared/data/ml/README.md):
 * - `sma10_rel` = SMA10(close) / close - 1, `sma50_rel` = SMA50(close) / close - 1
 * - `rsi_14` Wilder's RSI (0..100)
 * - `ret_1` = close / previous close - 1, `ret_5` = close / close 5 bars back - 1
 * - `vol_z` volume z-score over the last 20 bars including this one (population std; 0 for a constant window)
 *
 * Features are computed per contiguous segment: a missing bar starts a new segment and every indicator
 * starts over, so no window ever spans a hole in the data (this is how the reference CSV was built). What
 * counts as missing is the market's calendar: for stocks a night, a weekend or a holiday is no hole, a
 * missing session is.
 */
import type { Candle } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import { CONTINUOUS, type TradingCalendar } from '../domain/trading-calendar.js';
import { rsi, sma, zscore } from '../indicators/index.js';

export const FEATURE_NAMES = ['sma10_rel', 'sma50_rel', 'rsi_14', 'ret_1', 'ret_5', 'vol_z'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type FeatureVector = Readonly<Record<FeatureName, number>>;

/** Bars a segment needs before its first complete row: SMA50 needs 50 closes (the row's own included). */
export const FEATURE_WARMUP = 50;

const RSI_PERIOD = 14;
const VOLUME_WINDOW = 20;

export interface SegmentOptions {
  /**
   * Bar length in ms. Default: the smallest step between consecutive open times, which is the interval
   * whenever at least two neighbouring bars exist.
   */
  readonly intervalMs?: number;
  /** Start a new segment where a bar is missing (default true); false reads the candles as one segment. */
  readonly splitOnGaps?: boolean;
  /**
   * When the market trades (default CONTINUOUS, 24/7): on US_EQUITIES a bar after a night, weekend or holiday
   * follows the previous one, and only a missing session or bar starts a new segment.
   */
  readonly calendar?: TradingCalendar;
}

export interface FeatureMatrix {
  /** Row-major, `cols` values per row, in FEATURE_NAMES order. */
  readonly matrix: Float64Array;
  readonly rows: number;
  readonly cols: number;
  /** Candle index of each row. */
  readonly candleIndex: Int32Array;
}

/**
 * Start index of each contiguous segment (ascending, first is 0).
 * @throws ConclaveError VALIDATION_ERROR when open times are not strictly increasing.
 */
export function segmentStarts(candles: readonly Candle[], opts: SegmentOptions = {}): Int32Array {
  const n = candles.length;
  let step = opts.intervalMs ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < n; i++) {
    const diff = candles[i].openTime - candles[i - 1].openTime;
    if (!(diff > 0)) {
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `candles must have strictly increasing openTime; index ${i} has ${candles[i].openTime} after ${candles[i - 1].openTime}`,
        { index: i },
      );
    }
    if (opts.intervalMs === undefined && diff < step) step = diff;
  }
  const starts: number[] = n > 0 ? [0] : [];
  if (opts.splitOnGaps !== false) {
    const calendar = opts.calendar ?? CONTINUOUS;
    for (let i = 1; i < n; i++) if (!calendar.follows(candles[i - 1].openTime, candles[i].openTime, step)) starts.push(i);
  }
  return Int32Array.from(starts);
}

/**
 * Feature rows of every candle that has complete features: at least FEATURE_WARMUP bars into its segment
 * and all six values finite.
 * @throws ConclaveError VALIDATION_ERROR when open times are not strictly increasing.
 */
export function buildFeatureMatrix(candles: readonly Candle[], opts: SegmentOptions = {}): FeatureMatrix {
  const cols = FEATURE_NAMES.length;
  const n = candles.length;
  const starts = segmentStarts(candles, opts);
  const matrix = new Float64Array(Math.max(0, n - FEATURE_WARMUP + 1) * cols);
  const candleIndex = new Int32Array(Math.max(0, n - FEATURE_WARMUP + 1));
  let rows = 0;
  for (let s = 0; s < starts.length; s++) {
    const start = starts[s];
    const end = s + 1 < starts.length ? starts[s + 1] : n;
    const len = end - start;
    if (len < FEATURE_WARMUP) continue;
    const closes = new Float64Array(len);
    const volumes = new Float64Array(len);
    for (let j = 0; j < len; j++) {
      closes[j] = candles[start + j].close;
      volumes[j] = candles[start + j].volume;
    }
    const sma10 = sma(closes, 10);
    const sma50 = sma(closes, 50);
    const rsi14 = rsi(closes, RSI_PERIOD);
    const volZ = zscore(volumes, VOLUME_WINDOW);
    for (let j = FEATURE_WARMUP - 1; j < len; j++) {
      const close = closes[j];
      const base = rows * cols;
      matrix[base] = sma10[j] / close - 1;
      matrix[base + 1] = sma50[j] / close - 1;
      matrix[base + 2] = rsi14[j];
      matrix[base + 3] = close / closes[j - 1] - 1;
      matrix[base + 4] = close / closes[j - 5] - 1;
      matrix[base + 5] = volZ[j];
      let finite = true;
      for (let f = 0; f < cols; f++) if (!Number.isFinite(matrix[base + f])) finite = false;
      if (!finite) continue;
      candleIndex[rows] = start + j;
      rows++;
    }
  }
  return { matrix: matrix.slice(0, rows * cols), rows, cols, candleIndex: candleIndex.slice(0, rows) };
}

/**
 * Features of the last candle, or null when its segment is shorter than FEATURE_WARMUP or a value is not
 * finite. Runs every trading cycle, so it computes only what the last row needs: the SMAs and z-score on
 * their last windows, and RSI over the last segment (Wilder's RSI is a recurrence over all earlier bars;
 * a short history therefore gives a slightly different RSI than a long one, as on any charting tool).
 * Agrees with the last row of buildFeatureMatrix on the same candles up to rounding (~1e-15 relative).
 */
export function latestFeatures(candles: readonly Candle[], opts: SegmentOptions = {}): FeatureVector | null {
  const n = candles.length;
  if (n < FEATURE_WARMUP) return null;
  const starts = segmentStarts(candles, opts);
  const start = starts[starts.length - 1];
  const len = n - start;
  if (len < FEATURE_WARMUP) return null;
  const closes = new Float64Array(len);
  for (let j = 0; j < len; j++) closes[j] = candles[start + j].close;
  const volumes = new Float64Array(VOLUME_WINDOW);
  for (let j = 0; j < VOLUME_WINDOW; j++) volumes[j] = candles[n - VOLUME_WINDOW + j].volume;
  const close = closes[len - 1];
  const features: FeatureVector = {
    sma10_rel: lastOf(sma(closes.subarray(len - 10), 10)) / close - 1,
    sma50_rel: lastOf(sma(closes.subarray(len - 50), 50)) / close - 1,
    rsi_14: lastOf(rsi(closes, RSI_PERIOD)),
    ret_1: close / closes[len - 2] - 1,
    ret_5: close / closes[len - 6] - 1,
    vol_z: lastOf(zscore(volumes, VOLUME_WINDOW)),
  };
  for (const name of FEATURE_NAMES) if (!Number.isFinite(features[name])) return null;
  return features;
}

/** A FeatureVector as a dense row in FEATURE_NAMES order (the model's input layout). */
export function featureRow(features: FeatureVector, out: Float64Array = new Float64Array(FEATURE_NAMES.length)): Float64Array {
  for (let f = 0; f < FEATURE_NAMES.length; f++) out[f] = features[FEATURE_NAMES[f]];
  return out;
}

function lastOf(values: Float64Array): number {
  return values[values.length - 1];
}
